#!/usr/bin/env bash
# Interop: a strongSwan 5.9 client (kernel-libipsec, so NAT-T is forced)
# establishes an IKE SA and a Child SA with veer-ike using X.509 certificates,
# first RSA-2048, then ECDSA P-256; a CA and certificates are made here with
# the openssl command-line tool.
#
# veer, as responder, asks for certificates with CERTREQ in IKE_SA_INIT (the
# client sends its own only when asked) and announces SIGNATURE_HASH_ALGORITHMS,
# so both sides sign with RFC 7427 Digital Signatures. The RSA run uses FQDN
# identities from subjectAltName; the ECDSA run lets strongSwan use its
# certificate's subject DN, which veer matches as ID_DER_ASN1_DN.
#
# Asserts for each: strongSwan verified veer's signature (its log names the
# scheme), both sides report the same IKE and Child SPIs, the Child SA keys are
# identical, and a delete from the client removes everything in veer. Then a
# client certificate from another CA must be refused with
# AUTHENTICATION_FAILED and counted as cert_untrusted.
#
# Needs root (network namespaces). Cleans up on exit. Usage:
#   tests/interop/strongswan_cert.sh BUILD_DIR
set -uo pipefail
# shellcheck source=tests/interop/lib.sh
source "$(dirname "$0")/lib.sh"
lab_init "${1:?usage: $0 BUILD_DIR}" vc
command -v openssl >/dev/null || fail "openssl command not installed"
lab_topology

# --- veer with $1 kind's gateway certificate, the client expected as $2 (remote_id)
veer_cert_start() {
    local dir="$work/pki-$1"
    cat >"$work/veer.yaml" <<EOF2
gateway:
  listen: [198.51.100.1]
  half_open_timeout: 30
  cacerts: [$dir/ca.pem]
peers:
  - name: cert-clients
    auth: pubkey
    cert: $dir/gw.pem
    key: $dir/gw.key
    local_id: gw.example
    remote_id: '$2'
    ike_proposals: [aes128gcm16-prfsha256-x25519]
    esp_proposals: [aes128gcm16]
    local_ts: [10.2.0.0/24]
    remote_ts: [10.1.0.0/16]
EOF2
    veer_start "$work/veer.yaml"
}

# --- strongSwan with $1 kind's client certificate ($2: client cert name), identity $3
swan_cert_load() {
    local dir="$work/pki-$1" sw="$work/cl/swanctl"
    rm -rf "$sw"
    mkdir -p "$sw/x509" "$sw/x509ca" "$sw/private"
    cp "$dir/$2.pem" "$sw/x509/client.pem"
    cp "$dir/$2.key" "$sw/private/client.key"
    cp "$dir/ca.pem" "$sw/x509ca/ca.pem"
    local id_line=""
    [ -n "$3" ] && id_line="id = $3"
    cat >"$sw/swanctl.conf" <<EOF2
connections {
  gw {
    remote_addrs = 198.51.100.1
    version = 2
    proposals = aes128gcm16-prfsha256-x25519
    local {
      auth = pubkey
      certs = client.pem
      $id_line
    }
    remote {
      auth = pubkey
      id = gw.example
    }
    children {
      c {
        local_ts = 10.1.0.1/32
        remote_ts = 10.2.0.0/24
        esp_proposals = aes128gcm16
      }
    }
  }
}
EOF2
    SWANCTL_DIR="$sw" swan --load-all >"$work/load.out" 2>&1 || {
        cat "$work/load.out"
        fail "swan --load-all"
    }
}

stop_both() {
    [ -n "$charon_pid" ] && kill "$charon_pid" 2>/dev/null
    [ -n "$veer_pid" ] && kill "$veer_pid" 2>/dev/null
    wait 2>/dev/null
    charon_pid=""
    veer_pid=""
}

# Keeps a finished run's logs under its name, so the next run's readers start fresh.
keep_logs() {
    for f in veer.log charon.log state; do
        [ -f "$work/$f" ] && mv "$work/$f" "$work/$1-$f"
    done
}

# --- one successful run: $1 kind, $2 strongSwan's name of veer's signature scheme,
#     $3 veer's remote_id, $4 the client's id ("" for its subject DN), $5 charon options,
#     $6 name of the run (default: kind)
run_ok() {
    local kind=$1 scheme=$2 name=${6:-$1}
    veer_cert_start "$kind" "$3"
    charon_start "${5:-}"
    swan_cert_load "$kind" client "$4"
    swan --initiate --child c --timeout 20 >"$work/initiate.out" 2>&1 || {
        cat "$work/initiate.out"
        fail "$name: swan --initiate"
    }
    grep -q "authentication of 'gw.example' with $scheme successful" "$work/charon.log" ||
        fail "$name: strongSwan did not verify veer's $scheme signature"
    grep -q "received cert request" "$work/charon.log" ||
        fail "$name: strongSwan saw no CERTREQ from veer"
    pass "$name: strongSwan verified veer's certificate and its signature ($scheme)"

    swan --list-sas >"$work/sas.out" 2>"$work/list-sas.err"
    grep -q "ESTABLISHED" "$work/sas.out" || fail "$name: strongSwan: IKE SA not ESTABLISHED"
    grep -q "INSTALLED" "$work/sas.out" || fail "$name: strongSwan: Child SA not INSTALLED"
    wait_for 50 grep -q "state=ESTABLISHED" "$work/state" || fail "$name: veer: IKE SA not ESTABLISHED"
    local swan_spi_i swan_spi_r swan_in swan_out
    read -r swan_spi_i swan_spi_r < <(swan_ike_spis "$work/sas.out")
    grep -q "spi_i=$swan_spi_i spi_r=$swan_spi_r .*state=ESTABLISHED" "$work/state" ||
        fail "$name: IKE SPIs differ: strongSwan $swan_spi_i/$swan_spi_r"
    read -r swan_in swan_out < <(swan_child_spis "$work/sas.out")
    grep -q "child_in=$swan_out child_out=$swan_in" "$work/state" ||
        fail "$name: Child SPIs differ: strongSwan in=$swan_in out=$swan_out"
    [ "$(veer_counter auth_failed)" = 0 ] || fail "$name: veer counted auth_failed"
    pass "$name: IKE SA $swan_spi_i/$swan_spi_r and Child SA in=$swan_in out=$swan_out on both sides"

    local swan_ki swan_kr veer_in veer_out
    read -r swan_ki swan_kr < <(swan_key_pairs | head -n1)
    read -r veer_in veer_out < <(veer_key_pairs | head -n1)
    [ -n "${swan_ki:-}" ] && [ -n "${veer_in:-}" ] ||
        fail "$name: no keys logged (strongSwan '${swan_ki:-}', veer '${veer_in:-}')"
    [ "$swan_ki" = "$veer_in" ] || fail "$name: i->r key differs: $swan_ki vs $veer_in"
    [ "$swan_kr" = "$veer_out" ] || fail "$name: r->i key differs: $swan_kr vs $veer_out"
    pass "$name: Child SA keys identical on both sides"

    swan --terminate --ike gw --timeout 10 >"$work/terminate.out" 2>&1 || fail "$name: swan --terminate"
    wait_for 30 sh -c "! grep -q '^ike_sa' '$work/state'" || fail "$name: veer kept the SA after the delete"
    pass "$name: delete from strongSwan removed the SA in veer"
    stop_both
    keep_logs "$name"
}

lab_make_pki rsa
lab_make_pki ec
run_ok rsa RSA_EMSA_PKCS1_SHA2_256 client.example client.example
run_ok ec ECDSA_WITH_SHA256_DER 'O=veer lab, CN=client.example' ""
# A client without RFC 7427 announces no hash algorithms: both sides use the
# classic methods (RSA 1 with SHA-1, ECDSA 9), and veer must verify them.
run_ok rsa "RSA signature" client.example client.example "signature_authentication = no" rsa-classic
run_ok ec "ECDSA-256 signature" client.example client.example "signature_authentication = no" ec-classic

# --- refusal: a client certificate from a CA veer does not trust
veer_cert_start ec '%any'
charon_start
swan_cert_load ec rogue client.example
swan --initiate --child c --timeout 10 >"$work/initiate.out" 2>&1 &&
    fail "a certificate from an untrusted CA was accepted"
grep -q "received AUTHENTICATION_FAILED" "$work/charon.log" ||
    fail "strongSwan did not get AUTHENTICATION_FAILED"
wait_for 20 sh -c "grep -q '^counter cert_untrusted=1$' '$work/state'" ||
    fail "veer did not count cert_untrusted"
! grep -q "state=ESTABLISHED" "$work/state" || fail "veer established an SA anyway"
pass "untrusted client certificate: AUTHENTICATION_FAILED, counted as cert_untrusted"
echo "strongswan_cert: all checks passed"
