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
    {
        printf 'gateway:\n  listen: [198.51.100.1]\n  half_open_timeout: 30\n  cacerts: [%s]\npeers:\n' \
            "$dir/ca.pem"
        TUN_PEER_AUTH="    auth: pubkey
    cert: $dir/gw.pem
    key: $dir/gw.key" lab_peer_yaml cert-clients "'$2'"
    } >"$work/veer.yaml"
    veer_start "$work/veer.yaml"
}

# --- strongSwan with $1 kind's client certificate ($2: client cert name), identity $3
swan_cert_load() {
    local sw own
    lab_client_swanctl_dir "$work/pki-$1" "$2"
    own="local {
      auth = pubkey
      certs = client.pem
      ${3:+id = $3}
    }"
    {
        echo "connections {"
        lab_swan_conn gw "$own" pubkey
        echo "}"
    } >"$sw/swanctl.conf"
    lab_swan_load "" "$sw"
}

# --- one successful run: $1 kind, $2 strongSwan's name of veer's signature scheme,
#     $3 veer's remote_id, $4 the client's id ("" for its subject DN), $5 charon options,
#     $6 name of the run (default: kind)
run_ok() {
    local kind=$1 scheme=$2 name=${6:-$1}
    veer_cert_start "$kind" "$3"
    charon_start "${5:-}"
    swan_cert_load "$kind" client "$4"
    lab_swan_initiate "$name: "
    grep -q "authentication of 'gw.example' with $scheme successful" "$work/charon.log" ||
        fail "$name: strongSwan did not verify veer's $scheme signature"
    grep -q "received cert request" "$work/charon.log" ||
        fail "$name: strongSwan saw no CERTREQ from veer"
    pass "$name: strongSwan verified veer's certificate and its signature ($scheme)"

    lab_expect_sa_agree "$name: " 50
    [ "$(veer_counter auth_failed)" = 0 ] || fail "$name: veer counted auth_failed"
    pass "$name: IKE SA $swan_spi_i/$swan_spi_r and Child SA in=$swan_in out=$swan_out on both sides"

    lab_expect_keys_equal "$name: "
    pass "$name: Child SA keys identical on both sides"

    lab_swan_terminate "$name: "
    pass "$name: delete from strongSwan removed the SA in veer"
    lab_stop_both "$name"
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
lab_expect_refused "a certificate from an untrusted CA was accepted" "received AUTHENTICATION_FAILED" \
    "strongSwan did not get AUTHENTICATION_FAILED" cert_untrusted
pass "untrusted client certificate: AUTHENTICATION_FAILED, counted as cert_untrusted"
echo "strongswan_cert: all checks passed"
