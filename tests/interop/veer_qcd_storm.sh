#!/usr/bin/env bash
# The restart storm, small: app/veer (a QCD maker, its admission gate in auto
# with a low rate so that it engages) holds 200 IKE SAs of veer-ike
# (--initiate gw --count 200 --rate 200: 200 QCD takers, start_action start,
# liveness checks every second, retransmissions from 100 ms). app/veer is
# killed (-9) and started again with the same secret file:
#   1. all 200 are established again within 30 s, none lost: each taker's
#      next liveness check meets the restarted gateway, whose answer carries
#      its QCD token, and the taker starts again;
#   2. through QCD: veer-ike counts 200 qcd_peer_restarted and no dead peer.
# Prints the time to 50, 99 and 100 % after app/veer's "veer running", and
# the gate's counters during the storm (app/veer's counters start at zero).
#
# Needs root (network namespaces) and DPDK. Cleans up on exit. About 10 s. Usage:
#   tests/interop/veer_qcd_storm.sh BUILD_DIR
set -uo pipefail
# shellcheck source=tests/interop/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/interop/lib_storm.sh
source "$(dirname "$0")/lib_storm.sh"
lab_init "${1:?usage: $0 BUILD_DIR}" vqs
n=200
storm_lab
# auto at 100 new IKE_SA_INITs a second: the 200 reconnecting at once meet COOKIE.
storm_gw_yaml "  admission:
    mode: auto
    rate: 100"
storm_gw_start
storm_client_yaml both 100 1s
storm_client_start "$n" 200
storm_wait_established "$n" 300 ||
    fail "veer-ike: not $n established within 30 s: $(grep '^summary' "$work/client.state")"
pass "0. $n IKE SAs of veer-ike established with app/veer: $(storm_gate_line)"

storm_restart "$n" 300
echo "app/veer down for $storm_down s (kill -9 to \"veer running\"); after it ran:" \
    "50 % back in ${storm_t50:--} s, 99 % in ${storm_t99:--} s, 100 % in ${storm_t100:--} s"
echo "gate during the storm: $(storm_gate_line)"
echo "veer-ike: $(grep '^summary' "$work/client.state")"
echo "veer-ike: $(storm_client_line)"
[ -n "$storm_t100" ] || fail "1: $storm_back of $n back within 30 s of app/veer's restart"
total=$(storm_summary ike_sas)
[ "$total" = "$n" ] || fail "1: veer-ike holds $total IKE SAs, not $n"
pass "1. all $n back within ${storm_t100} s of app/veer's restart (50 %: $storm_t50 s, 99 %: $storm_t99 s), none lost"

restarted=$(storm_client_counter qcd_peer_restarted)
[ "$restarted" = "$n" ] || fail "2: veer-ike counted $restarted QCD restarts, not $n: $(storm_client_line)"
[ "$(storm_client_counter peer_dead)" = 0 ] ||
    fail "2: veer-ike declared the gateway dead: $(storm_client_line)"
# The workers answer in place; the control lcore answers what reaches it.
by_workers=$(TEL_PREFIX="${tag}gw" wcount qcd_replied)
by_control=$(TEL_PREFIX="${tag}gw" ike_count qcd_replies_sent)
[ $((by_workers + by_control)) -ge "$n" ] ||
    fail "2: app/veer sent fewer than $n QCD replies: $(storm_gate_line)"
pass "2. through QCD: $restarted qcd_peer_restarted, no dead peer; QCD replies: $by_workers by the workers, $by_control by the control lcore"
storm_client_stop
echo "veer_qcd_storm: all checks passed"
