#!/usr/bin/env bash
# Interop: EAP-MSCHAPv2 in IKE_AUTH (RFC 7296 2.16) with veer-ike as
# responder and a stock strongSwan 5.9 client (eap-mschapv2 plugin).
#
#   1. veer authenticates itself with an RSA certificate, the client with
#      EAP-MSCHAPv2: strongSwan logs "MSK established" and verifies veer's
#      AUTH after EAP, which only works when both key it with the same
#      64-byte MSK; same IKE and Child SPIs, identical Child SA keys;
#   2. a wrong password: veer's Failure-Request (E=691), strongSwan's method
#      fails, AUTHENTICATION_FAILED, nothing established, eap_wrong_secret;
#   3. the roles turned round: veer-ike initiates with EAP-MSCHAPv2 to a
#      strongSwan responder that asks for the EAP identity first.
#
# strongSwan's eap-mschapv2 plugin is in Debian's libcharon-extauth-plugins
# (scripts/install-deps.sh installs it); without it the test fails.
#
# Needs root (network namespaces). Cleans up on exit. Usage:
#   tests/interop/strongswan_eap_mschapv2.sh BUILD_DIR
set -uo pipefail
if [ ! -e /usr/lib/ipsec/plugins/libstrongswan-eap-mschapv2.so ]; then
    echo "FAIL: strongSwan's eap-mschapv2 plugin is not installed (libcharon-extauth-plugins)"
    exit 1
fi
# shellcheck source=tests/interop/lib.sh
source "$(dirname "$0")/lib.sh"
lab_init "${1:?usage: $0 BUILD_DIR}" vm
lab_topology
lab_make_pki rsa
export CHARON_PLUGINS="eap-mschapv2 eap-identity"
pki="$work/pki-rsa"

printf 'alice@example.org s3cret-ms\ncarol@example.org carols-own\n' >"$work/eap-users"
chmod 600 "$work/eap-users"
lab_psk_file

veer_ms_start() {
    {
        printf 'gateway:\n  listen: [198.51.100.1]\n  half_open_timeout: 30\npeers:\n'
        TUN_PEER_AUTH="    local_auth: pubkey
    cert: $pki/gw.pem
    key: $pki/gw.key
    remote_auth: eap-mschapv2
    eap_secrets_file: $work/eap-users" lab_peer_yaml eap-users "'%any'"
    } >"$work/veer.yaml"
    veer_start "$work/veer.yaml"
}

# --- strongSwan with $1 as its EAP password
swan_ms_load() {
    local sw
    lab_client_swanctl_dir "$pki"
    {
        echo "connections {"
        lab_swan_conn gw "local {
      auth = eap-mschapv2
      id = alice@example.org
    }" pubkey
        echo "}"
        TUN_SWAN_EAP=$1 lab_swan_secrets gw.example
    } >"$sw/swanctl.conf"
    lab_swan_load "" "$sw"
}

# --- 1. the right password
name="eap-mschapv2"
veer_ms_start
charon_start
swan_ms_load s3cret-ms
lab_swan_initiate "$name: "
grep -q "EAP method EAP_MSCHAPV2 succeeded, MSK established" "$work/charon.log" ||
    fail "$name: strongSwan did not complete EAP-MSCHAPv2 with an MSK"
grep -q "authentication of 'gw.example' with EAP successful" "$work/charon.log" ||
    fail "$name: strongSwan did not verify veer's AUTH after EAP (keyed with the MSK)"
lab_expect_sa_agree "$name: " 50
[ "$(veer_counter eap_succeeded)" = 1 ] || fail "$name: veer did not count eap_succeeded"
lab_expect_keys_equal "$name: "
pass "$name: EAP-MSCHAPv2 succeeded, both MSK-keyed AUTHs verified, Child SA keys identical"
lab_swan_terminate "$name: "
lab_stop_both "$name"

# --- 2. a wrong password
veer_ms_start
charon_start
swan_ms_load not-the-secret
swan --initiate --child c --timeout 10 >"$work/initiate.out" 2>&1 &&
    fail "a wrong EAP-MSCHAPv2 password was accepted"
wait_for 20 veer_counter_is eap_wrong_secret 1 || fail "wrong password: veer did not count eap_wrong_secret"
grep -q "EAP-MS-CHAPv2 failed with error" "$work/charon.log" ||
    fail "wrong password: strongSwan got no Failure-Request"
grep -q "AUTH_FAILED" "$work/charon.log" ||
    fail "wrong password: no AUTHENTICATION_FAILED between the two"
! grep -q "state=ESTABLISHED" "$work/state" || fail "wrong password: veer established an SA"
! grep -q "child-sa install" "$work/veer.log" || fail "wrong password: veer installed a Child SA"
pass "wrong EAP-MSCHAPv2 password: Failure-Request, AUTHENTICATION_FAILED, nothing established"
lab_stop_both wrong-password

# --- 3. veer-ike as EAP-MSCHAPv2 client of a strongSwan responder
charon_start
mkdir -p "$work/cl/resp"
{
    echo "connections {"
    lab_swan_branch_conn "auth = psk
      id = hq.example" "auth = eap-mschapv2
      id = alice@example.org
      eap_id = %any"
    echo "}"
    TUN_SWAN_EAP=s3cret-ms lab_swan_secrets hq.example
} >"$work/cl/resp/swanctl.conf"
lab_swan_load "initiator: " "$work/cl/resp"
{
    printf 'gateway:\n  listen: [198.51.100.1]\npeers:\n'
    TUN_PEER_AUTH="    local_auth: eap-mschapv2
    remote_auth: psk
    psk_file: $work/psk
    eap_secrets_file: $work/eap-users" TUN_CLIENT_TS=10.1.0.0/24 TUN_PEER_EXTRA="    remote: 198.51.100.2" \
        lab_peer_yaml hq hq.example alice@example.org
} >"$work/veer.yaml"
veer_ike_initiate hq
lab_wait_initiated "initiator: "
grep -q "EAP method EAP_MSCHAPV2 succeeded, MSK established" "$work/charon.log" ||
    fail "initiator: strongSwan saw no EAP-MSCHAPv2 success"
swan --list-sas >"$work/sas.out" 2>/dev/null
read -r swan_in swan_out < <(swan_child_spis "$work/sas.out")
keys_match_child "$swan_out" || fail "initiator: Child SA keys differ from strongSwan's"
pass "veer-ike as EAP-MSCHAPv2 client: established with a strongSwan responder, MSK-keyed AUTHs, Child SA keys equal"
echo "strongswan_eap_mschapv2: all checks passed"
