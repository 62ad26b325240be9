#!/usr/bin/env bash
# EAP end to end through the DPDK dataplane: a strongSwan 5.9 client
# authenticates to app/veer with EAP-MD5 (veer with its RSA certificate,
# RFC 7296 2.16), and ping crosses the Child SA both ways between the client
# (10.1.0.1) and a server behind veer's second port (10.2.0.2). veer's
# telemetry shows the conversation counted (eap_started, eap_succeeded).
#
# Needs root (network namespaces) and DPDK. Cleans up on exit. Usage:
#   tests/interop/strongswan_eap_tunnel.sh BUILD_DIR
set -uo pipefail
# shellcheck source=tests/interop/lib.sh
source "$(dirname "$0")/lib.sh"
lab_init "${1:?usage: $0 BUILD_DIR}" vet
lab_topology_tunnel
lab_make_pki rsa
pki="$work/pki-rsa"
export CHARON_PLUGINS="eap-md5"

printf 'alice@example.org s3cret-md5\n' >"$work/eap-users"
chmod 600 "$work/eap-users"
TUN_PEER_NAME=eap-users TUN_REMOTE_ID="'%any'" TUN_PEER_AUTH="    local_auth: pubkey
    cert: $pki/gw.pem
    key: $pki/gw.key
    remote_auth: eap-md5
    eap_secrets_file: $work/eap-users" lab_tunnel_veer_yaml
veer_dp_start "$work/veer.yaml"

CHARON_ROUTES=yes charon_start
lab_client_swanctl_dir "$pki"
{
    echo "connections {"
    lab_swan_conn gw "local {
      auth = eap-md5
      id = alice@example.org
    }" pubkey
    echo "}"
    TUN_SWAN_PSK=no TUN_SWAN_EAP=s3cret-md5 lab_swan_secrets
} >"$sw/swanctl.conf"
lab_swan_load "" "$sw"
lab_swan_initiate
grep -q "EAP method EAP_MD5 succeeded, no MSK established" "$work/charon.log" ||
    fail "strongSwan did not complete EAP-MD5"
counters=$(tel /veer/ike/counters)
echo "$counters" | grep -q '"eap_started": 1' || fail "veer did not count eap_started: $counters"
echo "$counters" | grep -q '"eap_succeeded": 1' || fail "veer did not count eap_succeeded: $counters"
pass "strongSwan authenticated with EAP-MD5 to app/veer (certificate on veer's side); counted in /veer/ike/counters"

lab_ping_both_ways
pass "ping through the EAP-authenticated tunnel both ways ($(wcount esp_encrypted) encrypted, $(wcount esp_decrypted) decrypted by veer)"
echo "strongswan_eap_tunnel: all checks passed"
