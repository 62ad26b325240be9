#!/usr/bin/env bash
# Interop: a strongSwan 5.9 client (kernel-libipsec, so ESP goes in UDP and
# NAT-T is forced) establishes an IKE SA and a Child SA with veer-ike using a
# shared key, X25519 and AES-GCM; then the client deletes it.
#
# Asserts on both sides: swan --list-sas and veer's state file agree on the
# IKE SPIs and the Child SA SPIs, and the Child SA keys veer derived equal the
# ones strongSwan logs (chd level 4), since no ESP flows through veer-ike.
#
# Needs root (network namespaces). Cleans up on exit. Usage:
#   tests/interop/strongswan_psk.sh BUILD_DIR
set -uo pipefail
# shellcheck source=tests/interop/lib.sh
source "$(dirname "$0")/lib.sh"
lab_init "${1:?usage: $0 BUILD_DIR}" vp
lab_topology

lab_psk_file
{
    printf 'gateway:\n  listen: [198.51.100.1]\n  half_open_timeout: 30\npeers:\n'
    lab_peer_yaml
} >"$work/veer.yaml"
veer_start "$work/veer.yaml"

charon_start
TUN_CONN_EXTRA="dpd_delay = 1s" lab_tunnel_swanctl_conf
lab_swan_load

# --- establish
lab_swan_initiate
lab_expect_sa_agree "" 20
pass "IKE SA established, SPIs $swan_spi_i/$swan_spi_r on both sides"
grep -q "natt=yes" "$work/state" || fail "veer did not move to port 4500"
pass "Child SA installed, SPIs in=$swan_in out=$swan_out match crosswise; NAT-T on 4500"

# Keys: strongSwan (the initiator) logs its i->r key first; veer logs its inbound first.
lab_expect_keys_equal
pass "Child SA keys (AES-GCM key and salt) identical on both sides"

# --- strongSwan's liveness checks (DPD, an empty INFORMATIONAL) are answered by veer
wait_for 50 grep -q "sending DPD request" "$work/charon.log" || fail "strongSwan sent no DPD request"
wait_for 50 grep -q "parsed INFORMATIONAL response" "$work/charon.log" ||
    fail "veer did not answer strongSwan's DPD request"
pass "strongSwan's DPD requests answered by veer"

# --- delete from the client
lab_swan_terminate
grep -q "child-sa delete spi_in=$swan_out" "$work/veer.log" || fail "veer did not delete the Child SA"
pass "delete from strongSwan removed the IKE SA and Child SA in veer"
echo "strongswan_psk: all checks passed"
