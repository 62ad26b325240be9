#!/usr/bin/env bash
# Interop with veer as the initiator and X.509 certificates: strongSwan 5.9 is
# the responder (hq, gw.example's certificate), veer-ike starts the IKE SA and
# its Child SA (client.example's certificate), first with RSA-2048, then with
# ECDSA P-256; the PKI is made with the openssl tool (lab_make_pki).
#
# strongSwan asks for veer's certificate with CERTREQ in its IKE_SA_INIT
# response; veer sends CERT and asks for strongSwan's with CERTREQ in
# IKE_AUTH; both announce SIGNATURE_HASH_ALGORITHMS, so both sign with RFC
# 7427 Digital Signatures. Then the classic methods once (strongSwan with
# signature_authentication = no: veer must verify RSA with SHA-1).
#
# Asserts for each run: strongSwan received veer's CERTREQ and verified veer's
# signature (its log names the scheme), strongSwan's own signature is of the
# expected scheme and veer accepted it (the SA is up, no auth failure counted),
# both sides agree on the IKE SPIs (veer the initiator) and the Child SA SPIs,
# the Child SA keys are identical, and veer's shutdown deletes the SA on both.
# Then a strongSwan certificate from a CA veer does not trust: veer refuses it
# (cert_untrusted) and establishes nothing.
#
# Needs root (network namespaces). Cleans up on exit. Usage:
#   tests/interop/strongswan_initiator_cert.sh BUILD_DIR
set -uo pipefail
# shellcheck source=tests/interop/lib.sh
source "$(dirname "$0")/lib.sh"
lab_init "${1:?usage: $0 BUILD_DIR}" vj
lab_topology
# strongSwan is the gateway here, in the "client" namespace (198.51.100.2, 10.1.0.1 behind it).

# strongSwan as responder with $1 kind's certificate $2 (gw, or rogue-gw from another CA).
swan_hq_load() {
    local sw
    lab_client_swanctl_dir "$work/pki-$1" "$2" hq
    {
        echo "connections {"
        lab_swan_branch_conn "auth = pubkey
      certs = hq.pem
      id = gw.example" "auth = pubkey
      id = client.example"
        echo "}"
    } >"$sw/swanctl.conf"
    lab_swan_load "" "$sw"
}

# veer-ike initiating to strongSwan with $1 kind's client certificate.
veer_branch_start() {
    local dir="$work/pki-$1"
    {
        printf 'gateway:\n  listen: [198.51.100.1]\n  cacerts: [%s]\npeers:\n' "$dir/ca.pem"
        TUN_PEER_AUTH="    auth: pubkey
    cert: $dir/client.pem
    key: $dir/client.key" TUN_CLIENT_TS=10.1.0.0/24 TUN_PEER_EXTRA="    remote: 198.51.100.2" \
            lab_peer_yaml hq gw.example client.example
    } >"$work/veer.yaml"
    veer_ike_initiate hq
}

# One successful run: $1 kind, $2 strongSwan's name of veer's scheme, $3 of its
# own, $4 charon options, $5 name of the run.
run_ok() {
    local kind=$1 veer_scheme=$2 swan_scheme=$3 name=$5
    charon_start "$4"
    swan_hq_load "$kind" gw
    veer_branch_start "$kind"
    lab_wait_initiated "$name: "
    grep -q "received cert request for \"O=veer lab, CN=veer lab $kind CA\"" "$work/charon.log" ||
        fail "$name: strongSwan saw no CERTREQ from veer naming its CA"
    grep -q "received end entity cert \"O=veer lab, CN=client.example\"" "$work/charon.log" ||
        fail "$name: strongSwan got no CERT from veer"
    grep -q "sending end entity cert \"O=veer lab, CN=gw.example\"" "$work/charon.log" ||
        fail "$name: strongSwan sent veer no CERT"
    grep -q "authentication of 'client.example' with $veer_scheme successful" "$work/charon.log" ||
        fail "$name: strongSwan did not verify veer's $veer_scheme signature"
    grep -q "authentication of 'gw.example' (myself) with $swan_scheme successful" "$work/charon.log" ||
        fail "$name: strongSwan did not sign with $swan_scheme"
    [ "$(veer_counter auth_failed)" = 0 ] || fail "$name: veer counted auth_failed"
    pass "$name: each side verified the other's certificate ($veer_scheme from veer, $swan_scheme from strongSwan)"

    lab_expect_initiator_sa_agree "$name: "
    pass "$name: IKE SA $swan_spi_i/$swan_spi_r (veer initiator) and Child SA $swan_in/$swan_out agreed, keys equal"

    lab_veer_ike_stop_deletes "$name: "
    pass "$name: veer's shutdown deleted the SA on strongSwan's side"
    lab_stop_both "$name"
}

lab_make_pki rsa
lab_make_pki ec
run_ok rsa RSA_EMSA_PKCS1_SHA2_256 RSA_EMSA_PKCS1_SHA2_256 "" rsa
run_ok ec ECDSA_WITH_SHA256_DER ECDSA_WITH_SHA256_DER "" ec
# strongSwan without RFC 7427: it announces no hash algorithms and signs with
# the classic method (RSA 1, SHA-1), which veer must verify; veer, having no
# hash list from strongSwan, signs classically too.
run_ok rsa "RSA signature" "RSA signature" "signature_authentication = no" rsa-classic

# --- refusal: strongSwan presents a certificate for gw.example from a CA veer does not trust
(
    cd "$work/pki-rsa" || exit 1
    openssl req -newkey rsa:2048 -nodes -keyout rogue-gw.key -out rogue-gw.csr \
        -subj "/O=veer lab/CN=gw.example" 2>/dev/null || exit 1
    openssl x509 -req -in rogue-gw.csr -CA rogue-ca.pem -CAkey rogue-ca.key -CAcreateserial \
        -days 2 -extfile gw.ext -out rogue-gw.pem 2>/dev/null
) || fail "openssl could not make the rogue gateway certificate"
charon_start
swan_hq_load rsa rogue-gw
veer_branch_start rsa
wait_for 100 veer_counter_is cert_untrusted 1 ||
    fail "veer did not count cert_untrusted"
! grep -q "state=ESTABLISHED" "$work/state" || fail "veer established an SA anyway"
pass "untrusted responder certificate refused by veer, counted as cert_untrusted"
echo "strongswan_initiator_cert: all checks passed"
