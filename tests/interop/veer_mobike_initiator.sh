#!/usr/bin/env bash
# MOBIKE (RFC 4555) with veer-ike as the initiator whose own address goes
# away, against a strongSwan 5.9.8 responder (mobike = yes, its default):
#   1. veer-ike (listening on 198.51.100.1 and 198.51.100.21) starts the IKE
#      SA from .1; both sides agree on MOBIKE;
#   2. `local-addrs 198.51.100.21` through veer-ike's --control file (what a
#      port's address change does in app/veer) and .1 removed from its
#      namespace: veer sends UPDATE_SA_ADDRESSES from .21; strongSwan's
#      `swanctl --list-sas` shows the SA's remote at .21, with the same IKE
#      SPIs on both sides, and they agree on one Child SA (strongSwan may
#      rekey it after the move: its kernel-libipsec cannot move one in place);
#   3. veer-ike's delete on shutdown, from .21, ends the SA on both sides.
#
# Needs root (network namespaces). Cleans up on exit. About 10 s. Usage:
#   tests/interop/veer_mobike_initiator.sh BUILD_DIR
set -uo pipefail
# shellcheck source=tests/interop/lib.sh
source "$(dirname "$0")/lib.sh"
lab_init "${1:?usage: $0 BUILD_DIR}" mi
lab_topology
# strongSwan is the responder here, in the "client" namespace (198.51.100.2).
ip netns exec "$ns_gw" sysctl -qw net.ipv4.conf.all.promote_secondaries=1
ip netns exec "$ns_gw" sysctl -qw "net.ipv4.conf.${tag}g.promote_secondaries=1"
ip -n "$ns_gw" addr add 198.51.100.21/24 dev "${tag}g"

charon_start
{
    echo "connections {"
    lab_swan_branch_conn "auth = psk
      id = hq.example" "auth = psk
      id = branch.example"
    echo "}"
    lab_swan_secrets hq.example branch.example
} >"$work/cl/swanctl.conf"
lab_swan_load

lab_psk_file
{
    printf 'gateway:\n  listen: [198.51.100.1, 198.51.100.21]\npeers:\n'
    TUN_CLIENT_TS=10.1.0.0/24 TUN_PEER_EXTRA="    remote: 198.51.100.2" \
        lab_peer_yaml hq hq.example branch.example
} >"$work/veer.yaml"
ip netns exec "$ns_gw" "$veer_ike" -c "$work/veer.yaml" --initiate hq --state-file "$work/state" \
    --control "$work/control" --log-keys -v >"$work/veer.log" 2>&1 &
veer_pid=$!

# --- 1. up from .1, MOBIKE on both sides
lab_wait_initiated "1: "
lab_expect_initiator_sa_agree "1: "
ike="$swan_spi_i/$swan_spi_r"
grep '^ike_sa' "$work/state" | grep -q " mobike=yes .*local=198.51.100.1:4500 " ||
    fail "1: veer's SA: $(grep '^ike_sa' "$work/state")"
grep -q "parsed IKE_AUTH request .*N(MOBIKE_SUP)" "$work/charon.log" ||
    fail "1: veer's IKE_AUTH request had no MOBIKE_SUPPORTED"
pass "1. IKE SA $ike up from 198.51.100.1, MOBIKE negotiated"

# --- 2. our address goes away
echo "local-addrs 198.51.100.21" >"$work/control.tmp"
mv "$work/control.tmp" "$work/control"
wait_for 30 grep -q "control: local-addrs 198.51.100.21: rc=0 moving=1 " "$work/veer.log" ||
    fail "2: the command's result: $(grep 'control:' "$work/veer.log")"
ip -n "$ns_gw" addr del 198.51.100.1/24 dev "${tag}g"
swan_remote() { swan --list-sas 2>/dev/null | grep -q "remote .* @ 198.51.100.21\[4500\]"; }
wait_for 50 swan_remote || fail "2: strongSwan does not show the SA at 198.51.100.21: $(swan --list-sas)"
wait_for 50 grep -q "^ike_sa spi_i=$swan_spi_i spi_r=$swan_spi_r role=initiator state=ESTABLISHED .*local=198.51.100.21:4500 " \
    "$work/state" || fail "2: veer's SA is not at 198.51.100.21 with the same SPIs"
# One Child SA on both sides, the same SPIs (after strongSwan's rekey, if it made one).
wait_for 100 swan_one_sa_agree || fail "2: the Child SAs do not agree after the move"
[ "$swan_spi_i/$swan_spi_r" = "$ike" ] || fail "2: strongSwan's IKE SPIs changed: $swan_spi_i/$swan_spi_r"
[ "$(veer_counter mobike_local_moved)" = 1 ] || fail "2: mobike_local_moved=$(veer_counter mobike_local_moved)"
[ "$(veer_counter mobike_cookie2_mismatch)" = 0 ] || fail "2: COOKIE2 mismatch"
[ "$(veer_counter peer_dead)" = 0 ] || fail "2: strongSwan declared dead"
pass "2. moved to 198.51.100.21: IKE SA $ike on both sides, Child SA $swan_in/$swan_out agreed"

# --- 3. the delete from the new address ends it on both sides
lab_veer_ike_stop_deletes "3: "
pass "3. veer's delete from 198.51.100.21 removed the SA on strongSwan's side"
echo "veer_mobike_initiator: all checks passed"
