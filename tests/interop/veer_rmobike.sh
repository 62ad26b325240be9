#!/usr/bin/env bash
# r-MOBIKE (draft-smyslov-ipsecme-ikev2-r-mobike): veer-ike as the gateway
# with two addresses (198.51.100.1 and 198.51.100.11, both announced with
# gateway.mobike_addresses) asks its clients to switch from .1 to .11 through
# its --control file:
#   1. a strongSwan 5.9.8 client (MOBIKE, but no 'R': it does not know the
#      draft) is never sent SWITCH_TO_IP_ADDRESS: the command says
#      not_capable=1, rmobike_switch_not_capable counts it, and a capture on
#      the gateway's link shows no IKE request from the gateway to the client
#      after the command (only answers to the client's own requests);
#   2. a veer-ike initiator (rmobike: yes, the default) sent 'R': the switch
#      goes out, the initiator sends UPDATE_SA_ADDRESSES to .11, and both sides
#      show the SA at .11 with the same IKE SPIs and Child SPIs (state files);
#   3. .1 is removed from the gateway's namespace: the initiator's liveness
#      checks (dpd_delay 1s) and a Child SA rekey (child_rekey_time 12s) still
#      work over the new pair, and nobody is declared dead.
#
# Needs root (network namespaces) and tshark. Cleans up on exit. About 25 s. Usage:
#   tests/interop/veer_rmobike.sh BUILD_DIR
set -uo pipefail
# shellcheck source=tests/interop/lib.sh
source "$(dirname "$0")/lib.sh"
lab_init "${1:?usage: $0 BUILD_DIR}" rm
command -v dumpcap >/dev/null && command -v tshark >/dev/null ||
    fail "tshark and dumpcap (package tshark) not installed; this test does not skip"
lab_topology
# Removing .1 must keep .11 (the kernel drops a subnet's secondaries with its primary otherwise).
ip netns exec "$ns_gw" sysctl -qw net.ipv4.conf.all.promote_secondaries=1
ip netns exec "$ns_gw" sysctl -qw "net.ipv4.conf.${tag}g.promote_secondaries=1"
ip -n "$ns_gw" addr add 198.51.100.11/24 dev "${tag}g"
i_pid=""
cap_pid=""
cleanup_all() {
    [ -n "$i_pid" ] && kill "$i_pid" 2>/dev/null
    [ -n "$cap_pid" ] && kill "$cap_pid" 2>/dev/null
    lab_cleanup
}
trap cleanup_all EXIT
fail_all() {
    echo "--- initiator log"
    tail -n 40 "$work/i.log" 2>/dev/null
    echo "--- initiator state"
    cat "$work/i.state" 2>/dev/null
    fail "$@"
}

lab_psk_file
{
    printf 'gateway:\n  listen: [198.51.100.1]\n'
    printf '  mobike_addresses: [198.51.100.1, 198.51.100.11]\npeers:\n'
    lab_peer_yaml road-warriors client.example
    lab_peer_yaml branch branch.example
} >"$work/veer.yaml"
ip netns exec "$ns_gw" "$veer_ike" -c "$work/veer.yaml" --state-file "$work/state" \
    --control "$work/control" -v >"$work/veer.log" 2>&1 &
veer_pid=$!
wait_for 50 grep -q "veer-ike running" "$work/veer.log" || fail "veer-ike did not start"

# Counter $2 from state file $1 (0 when absent).
ctr() {
    local v
    v=$(sed -n "s/^counter $2=\([0-9]*\)$/\1/p" "$1" 2>/dev/null)
    echo "${v:-0}"
}
ctr_is() { [ "$(ctr "$1" "$2")" = "$3" ]; }
ctr_at_least() { [ "$(ctr "$1" "$2")" -ge "$3" ]; }
# A command for the gateway: written elsewhere, renamed, so it is never read half-written.
control() {
    echo "$1" >"$work/control.tmp"
    mv "$work/control.tmp" "$work/control"
    wait_for 30 sh -c "! test -e $work/control" || fail_all "the control file was not read"
}

# --- 1. strongSwan: no 'R', never asked
charon_start
lab_tunnel_swanctl_conf
lab_swan_load
lab_swan_initiate "1: "
lab_expect_sa_agree "1: " 20
grep '^ike_sa' "$work/state" | grep -q " mobike=yes rmobike=no " ||
    fail "1: veer's SA: $(grep '^ike_sa' "$work/state")"
grep -q "parsed IKE_AUTH response .*N(ADD_4_ADDR)" "$work/charon.log" ||
    fail "1: veer's IKE_AUTH response did not announce 198.51.100.11"
ip netns exec "$ns_gw" dumpcap -q -i "${tag}g" -f "udp and (port 500 or port 4500)" \
    -w "$work/swan.pcapng" >"$work/cap.log" 2>&1 &
cap_pid=$!
wait_for 50 grep -q "Capturing on" "$work/cap.log" || fail "dumpcap did not start"
control "switch 198.51.100.1 198.51.100.11"
grep -q "control: switch 198.51.100.1 198.51.100.11: asked=0 not_capable=1" "$work/veer.log" ||
    fail "1: the command's result: $(grep 'control:' "$work/veer.log")"
wait_for 20 ctr_is "$work/state" rmobike_switch_not_capable 1 || fail "1: not counted as not capable"
sleep 2
kill "$cap_pid"
wait "$cap_pid" 2>/dev/null
cap_pid=""
# Answers to the client's own requests (strongSwan sends its address list when its
# namespace's addresses change) may cross; a request of the gateway's may not.
from_gw="(ip.src == 198.51.100.1 || ip.src == 198.51.100.11)"
sent=$(tshark -r "$work/swan.pcapng" -Y "$from_gw && !(isakmp.flag_r == 1)" 2>/dev/null | wc -l)
[ "$sent" = 0 ] || fail "1: the gateway sent $sent IKE requests to the client after the command"
answers=$(tshark -r "$work/swan.pcapng" -Y "$from_gw && isakmp.flag_r == 1" 2>/dev/null | wc -l)
echo "1: after the command the gateway sent no request ($answers answers to the client's own)"
[ "$(ctr "$work/state" rmobike_switch_asked)" = 0 ] || fail "1: rmobike_switch_asked is not 0"
lab_swan_terminate "1: "
kill "$charon_pid"
wait "$charon_pid" 2>/dev/null
charon_pid=""

# --- 2. a veer-ike initiator with 'R' follows the switch
{
    printf 'gateway:\n  listen: [198.51.100.2]\npeers:\n'
    TUN_LOCAL_TS=10.1.0.0/16 TUN_CLIENT_TS=10.2.0.0/24 TUN_PEER_EXTRA="    remote: 198.51.100.1
    dpd_delay: 1s
    child_rekey_time: 12s" lab_peer_yaml branch gw.example branch.example
} >"$work/i.yaml"
ip netns exec "$ns_cl" "$veer_ike" -c "$work/i.yaml" --initiate branch \
    --state-file "$work/i.state" -v >"$work/i.log" 2>&1 &
i_pid=$!
wait_for 100 grep -q "^ike_sa .*state=ESTABLISHED.* rmobike=yes .* child_in=" "$work/i.state" ||
    fail_all "2: the initiator has no IKE SA with r-MOBIKE and a Child SA"
read -r si sr ci co < <(sed -n 's/^ike_sa spi_i=\([0-9a-f]*\) spi_r=\([0-9a-f]*\) role=initiator state=ESTABLISHED.* child_in=\([0-9a-f]*\) child_out=\([0-9a-f]*\).*/\1 \2 \3 \4/p' \
    "$work/i.state" | head -n1)
gw_sa="^ike_sa spi_i=$si spi_r=$sr role=responder state=ESTABLISHED.* rmobike=yes"
wait_for 30 grep -q "$gw_sa .*local=198.51.100.1:500 .* child_in=$co child_out=$ci" "$work/state" ||
    fail_all "2: the gateway does not hold $si/$sr with Child SA $co/$ci at 198.51.100.1"
control "switch 198.51.100.1 198.51.100.11"
grep -q "control: switch 198.51.100.1 198.51.100.11: asked=1 not_capable=0" "$work/veer.log" ||
    fail_all "2: the command's result: $(grep 'control:' "$work/veer.log" | tail -n1)"
wait_for 50 ctr_is "$work/state" rmobike_switch_moved 1 ||
    fail_all "2: rmobike_switch_moved=$(ctr "$work/state" rmobike_switch_moved)"
wait_for 30 grep -q "$gw_sa .*local=198.51.100.11:500 remote=198.51.100.2:500 child_in=$co child_out=$ci" \
    "$work/state" || fail_all "2: the gateway's SA is not at 198.51.100.11 with the same SPIs"
wait_for 30 grep -q "^ike_sa spi_i=$si spi_r=$sr role=initiator .*remote=198.51.100.11:500 child_in=$ci child_out=$co" \
    "$work/i.state" || fail_all "2: the initiator's SA is not at 198.51.100.11 with the same SPIs"
[ "$(ctr "$work/i.state" rmobike_switch_followed)" = 1 ] || fail_all "2: the initiator did not count it"

# --- 3. the old address goes away: liveness and a rekey on the new pair
ip -n "$ns_gw" addr del 198.51.100.1/24 dev "${tag}g"
live=$(ctr "$work/i.state" liveness_checks)
rekeyed=$(ctr "$work/i.state" child_rekeyed)
wait_for 60 ctr_at_least "$work/i.state" liveness_checks $((live + 2)) ||
    fail_all "3: no liveness checks after the address went away"
wait_for 160 ctr_at_least "$work/i.state" child_rekeyed $((rekeyed + 1)) ||
    fail_all "3: no Child SA rekey after the address went away"
[ "$(ctr "$work/i.state" peer_dead)" = 0 ] || fail_all "3: the initiator declared the gateway dead"
grep -q "^ike_sa spi_i=$si spi_r=$sr role=initiator state=ESTABLISHED" "$work/i.state" ||
    fail_all "3: the initiator lost its IKE SA"
grep -q "$gw_sa .*local=198.51.100.11:500" "$work/state" ||
    fail_all "3: the gateway lost the IKE SA or moved it"
pass "veer_rmobike: strongSwan never asked; veer-ike switched with the same SPIs; the new pair works"
