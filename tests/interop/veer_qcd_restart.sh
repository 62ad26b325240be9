#!/usr/bin/env bash
# Quick Crash Detection (RFC 6290) between two app/veer gateways, real ESP:
#
#   hostA 10.1.0.1 -- veerA (initiator) == 198.51.100.0/24 == veerB (responder) -- hostB 10.2.0.2
#
# veerA's peer has start_action start, qcd both, qcd_liveness 500ms and
# dpd_delay 60s; veerB has a qcd_secret_file. A ping stream (every 100 ms)
# runs from hostA to hostB through the tunnel. Then:
#   a. veerB stopped with SIGTERM and started again: the tunnel comes back
#      within 2 s of veerB's "veer running", through QCD (app/veer sends no
#      Delete when it stops, unlike veer-ike; see docs/qcd.md);
#   b. veerB killed (-9) and started again: the same, through QCD: veerA's
#      inbound ESP stopped while its outbound flowed (qcd_liveness_early),
#      veerB answered the liveness check for the lost SA with its token
#      (qcd_peer_restarted), veerA started again (reconnects);
#   d. veerB, started again in b with `stop_action: delete`, stopped with
#      SIGTERM: it sends a Delete and logs the answer; veerA forgets the SA
#      (sa_deleted) without any QCD restart, and (a Delete meaning "go away")
#      does not reconnect;
#   c. veerA restarted with `qcd: off`: after veerB is killed and started
#      again, nothing comes back within 5 s, and veerA counts no QCD restart
#      (it would wait for its 60 s DPD; the test does not).
# The recovery times are printed; dpd_delay 60s leaves nothing but QCD to
# explain a recovery within seconds.
#
# Needs root (network namespaces) and DPDK. Cleans up on exit. About 30 s. Usage:
#   tests/interop/veer_qcd_restart.sh BUILD_DIR
set -uo pipefail
# shellcheck source=tests/interop/lib.sh
source "$(dirname "$0")/lib.sh"
lab_init "${1:?usage: $0 BUILD_DIR}" vqr
lab_two_gateways

lab_psk_file
a_yaml() { # $1: veerA's qcd role
    TUN_LOCAL_TS=10.1.0.0/24 TUN_CLIENT_TS=10.2.0.0/24 TUN_PEER_EXTRA="    remote: 198.51.100.1
    start_action: start
    qcd: $1
    qcd_liveness: 500ms
    dpd_delay: 60s" lab_gateway_yaml "${tag}ao=198.51.100.2/24" "${tag}ai=10.1.0.254/24" \
        "gateway:
  qcd_secret_file: $work/a.secret" to-b b.example a.example
}
a_yaml both >"$work/a.yaml"
a_yaml off >"$work/a-off.yaml"
TUN_LOCAL_TS=10.2.0.0/24 TUN_CLIENT_TS=10.1.0.0/24 lab_gateway_yaml "${tag}bo=198.51.100.1/24" \
    "${tag}bi=10.2.0.1/24" "gateway:
  qcd_secret_file: $work/b.secret" from-a a.example b.example >"$work/b.yaml"
TUN_LOCAL_TS=10.2.0.0/24 TUN_CLIENT_TS=10.1.0.0/24 TUN_PEER_EXTRA="    stop_action: delete" \
    lab_gateway_yaml "${tag}bo=198.51.100.1/24" "${tag}bi=10.2.0.1/24" "gateway:
  qcd_secret_file: $work/b.secret" from-a a.example b.example >"$work/b-delete.yaml"

# veerA's IKE counter $1 (/veer/ike/counters).
a_count() { TEL_PREFIX="${tag}a" ike_count "$1"; }
# True when veerA's state file shows an established IKE SA with a Child SA.
a_up() { grep -q '^ike_sa .*state=ESTABLISHED.* child_in=' "$work/a.state"; }

veer_dp_start_as b "$ns_vb" "$work/b.yaml"
veer_dp_start_as a "$ns_va" "$work/a.yaml"
wait_for 100 a_up || fail "veerA: no IKE SA with a Child SA within 10 s: $(tail -5 "$work/a.log")"
wait_for 50 ip netns exec "$ns_ha" ping -c 1 -W 1 10.2.0.2 ||
    fail "no ping through the tunnel: $(TEL_PREFIX="${tag}a" tel /veer/workers)"
grep -q '^ike_sa .*qcd_token_kept=yes' "$work/a.state" || fail "veerA kept no QCD token of veerB"
pass "0. veerA and veerB up, ping through the tunnel, veerA holds veerB's QCD token"

# The ping stream, hostA -> hostB, every 100 ms, each reply with its Unix time.
ip netns exec "$ns_ha" ping -D -i 0.1 -W 1 10.2.0.2 >"$work/ping.out" 2>&1 &
lab_pids+=("$!")

# Restarts veerB after signal $1 and waits (bounded, 10 s) for the first ping
# reply after its "veer running". Sets up (when it ran), recovery (seconds
# from then to that reply, 3 decimals; empty when none came).
restart_b() {
    veer_dp_kill b "$1"
    rm -f "$work/b.state"
    sleep "${2:-0}"
    veer_dp_start_as b "$ns_vb" "${B_YAML:-$work/b.yaml}"
    up=$(lab_stamp_of "$work/b.log" "veer running")
    recovery=""
    local first
    for _ in $(seq 100); do
        first=$(sed -n 's/^\[\([0-9.]*\)\] .* bytes from .*/\1/p' "$work/ping.out" |
            awk -v up="$up" '$1 > up { print; exit }')
        [ -n "$first" ] && break
        sleep 0.1
    done
    [ -n "$first" ] && recovery=$(awk -v a="$up" -v b="$first" 'BEGIN { printf "%.3f", b - a }')
    return 0
}
snap() { # veerA's counters of interest, one line
    local c out=""
    for c in qcd_peer_restarted qcd_liveness_early reconnects peer_dead sa_deleted tx_retransmits; do
        out="$out $c=$(a_count "$c")"
    done
    echo "${out# }"
}

# --- a. SIGTERM
before_restarted=$(a_count qcd_peer_restarted)
before_reconnects=$(a_count reconnects)
restart_b TERM
[ -n "$recovery" ] || fail "a: no ping reply within 10 s of veerB's restart; veerA: $(snap)"
echo "a. SIGTERM: first reply $recovery s after veerB's \"veer running\"; veerA: $(snap)"
# app/veer sends no Delete on SIGTERM: veerA learns of the restart through QCD.
[ "$(a_count qcd_peer_restarted)" -gt "$before_restarted" ] ||
    fail "a: veerA counted no QCD restart: $(snap)"
[ "$(a_count reconnects)" -gt "$before_reconnects" ] || fail "a: veerA did not reconnect: $(snap)"
awk -v r="$recovery" 'BEGIN { exit !(r <= 2.0) }' ||
    fail "a: recovery took $recovery s (more than 2 s); veerA: $(snap)"
pass "a. veerB stopped (SIGTERM) and started: pings back $recovery s after it ran, through QCD"

# --- b. kill -9 (veerB comes back with stop_action delete, for d)
B_YAML=$work/b-delete.yaml
wait_for 50 a_up || fail "b: veerA not up before the kill"
before_restarted=$(a_count qcd_peer_restarted)
before_early=$(a_count qcd_liveness_early)
before_reconnects=$(a_count reconnects)
restart_b KILL
[ -n "$recovery" ] || fail "b: no ping reply within 10 s of veerB's restart; veerA: $(snap)"
echo "b. kill -9: first reply $recovery s after veerB's \"veer running\"; veerA: $(snap)"
[ "$(a_count qcd_peer_restarted)" -gt "$before_restarted" ] ||
    fail "b: veerA counted no QCD restart: $(snap)"
[ "$(a_count qcd_liveness_early)" -gt "$before_early" ] ||
    fail "b: veerA made no early liveness check: $(snap)"
[ "$(a_count reconnects)" -gt "$before_reconnects" ] || fail "b: veerA did not reconnect: $(snap)"
[ "$(a_count peer_dead)" = 0 ] || fail "b: veerA declared veerB dead: $(snap)"
awk -v r="$recovery" 'BEGIN { exit !(r <= 2.0) }' ||
    fail "b: recovery took $recovery s (more than 2 s); veerA: $(snap)"
pass "b. veerB killed (-9) and started: pings back $recovery s after it ran, through QCD"

# Measurements only (QCD_RESTART_DOWNTIMES="1 2 3 4 6"): veerB killed and started
# again after that many seconds. veerA's check went out 500 ms after the kill and is
# retransmitted on lib/ike's schedule (0.5, 1, 2, 4, 8 s): the restarted veerB is
# heard at the next retransmission after it runs.
for d in ${QCD_RESTART_DOWNTIMES:-}; do
    wait_for 50 a_up || fail "veerA not up before the kill"
    restart_b KILL "$d"
    echo "   veerB down ${d} s more: first reply ${recovery:-(none within 10 s)} s after it ran; veerA: $(snap)"
done

# --- d. stop_action delete: veerB tells veerA when it stops
wait_for 50 a_up || fail "d: veerA not up with veerB's stop_action delete"
# One telemetry read for three counters: each read starts a Python process.
before=$(TEL_PREFIX="${tag}a" tel /veer/ike/counters)
veer_dp_kill b TERM
grep -q "veer: stopping: deleting 1 IKE SA, waiting up to 2000 ms" "$work/b.log" ||
    fail "d: veerB did not say it deletes its SA: $(tail -5 "$work/b.log")"
grep -q "veer: stopping: 1 of 1 Deletes answered" "$work/b.log" ||
    fail "d: veerA did not answer veerB's Delete: $(tail -5 "$work/b.log")"
wait_for 10 sh -c "! grep -q '^ike_sa .*state=ESTABLISHED' '$work/a.state'" ||
    fail "d: veerA still holds an established SA 1 s after veerB's Delete"
after=$(TEL_PREFIX="${tag}a" tel /veer/ike/counters)
pick() { sed -n "s/.*\"$1\": \([0-9]*\).*/\1/p" <<<"$2"; }
[ "$(pick sa_deleted "$after")" -gt "$(pick sa_deleted "$before")" ] ||
    fail "d: veerA deleted no SA: $(snap)"
[ "$(pick qcd_peer_restarted "$after")" = "$(pick qcd_peer_restarted "$before")" ] ||
    fail "d: veerA counted a QCD restart after a Delete: $(snap)"
[ "$(pick reconnects "$after")" = "$(pick reconnects "$before")" ] ||
    fail "d: veerA reconnected: $(snap)"
pass "d. veerB with stop_action delete stopped (SIGTERM): its Delete answered, veerA's SA gone"
veer_dp_start_as b "$ns_vb" "$work/b.yaml"

# --- c. veerA without QCD: nothing comes back before its DPD
veer_dp_kill a TERM
rm -f "$work/a.state"
veer_dp_start_as a "$ns_va" "$work/a-off.yaml"
wait_for 100 a_up || fail "c: veerA (qcd off) not up within 10 s"
wait_for 50 ip netns exec "$ns_ha" ping -c 1 -W 1 10.2.0.2 || fail "c: no ping through the tunnel"
grep -q '^ike_sa .*qcd_token_kept=no' "$work/a.state" || fail "c: veerA kept a token with qcd off"
restart_b_off() {
    veer_dp_kill b KILL
    rm -f "$work/b.state"
    veer_dp_start_as b "$ns_vb" "$work/b.yaml"
    up=$(lab_stamp_of "$work/b.log" "veer running")
}
restart_b_off
sleep 5
late=$(sed -n 's/^\[\([0-9.]*\)\] .* bytes from .*/\1/p' "$work/ping.out" |
    awk -v up="$up" '$1 > up { n++ } END { print n + 0 }')
[ "$late" = 0 ] || fail "c: $late ping replies within 5 s of veerB's restart without QCD"
[ "$(a_count qcd_peer_restarted)" = 0 ] || fail "c: veerA counted a QCD restart: $(snap)"
[ "$(a_count qcd_liveness_early)" = 0 ] || fail "c: veerA made an early liveness check: $(snap)"
pass "c. veerA with qcd off: no ping reply within 5 s of veerB's restart, no QCD restart ($(snap))"
echo "veer_qcd_restart: all checks passed"
