#!/usr/bin/env bash
# The restart storm: how long N peers take to come back after the gateway
# restarts, with Quick Crash Detection (RFC 6290) and without. Benchmarks
# print figures; they never pass or fail.
#
# For each N of BENCH_N and each taker mode (qcd both, then qcd off), fresh:
#   - app/veer as the responder (tests/interop/lib_storm.sh): one af_packet
#     port, a QCD secret file, its admission gate as by default (auto, rate
#     5000; no redirect target, so held-back clients get COOKIE) and the
#     default cookie_threshold (1000 half-open SAs);
#   - veer-ike in the client namespace as the load: --initiate gw --count N
#     --rate BENCH_RATE, PSK, X25519, AES-GCM-128, one Child SA each, every SA
#     checking liveness every second (dpd_delay 1s), start_action start,
#     retransmissions from BENCH_RETX_MS (default 500, lib/ike's: 0.5, 1, 2,
#     4, 8 s, then the peer is dead);
#   - once all N are established (bounded), app/veer is killed (-9) and
#     started again with the same secret, and the script reads veer-ike's SA
#     table every 100 ms for up to BENCH_WAIT seconds.
# Printed per run: how long app/veer was down (kill to "veer running"); from
# "veer running", the time until 50 %, 99 % and 100 % of the N have an
# established IKE SA made after the restart ("-": not within BENCH_WAIT);
# app/veer's gate counters since its restart (gate_admitted, gate_cookies,
# gate_cookie_admitted, gate_redirects, gate_ring_busy) and IKE counters;
# veer-ike's qcd_peer_restarted, peer_dead, reconnects, retransmissions.
#
# With qcd both, a taker learns of the restart from the answer to its next
# liveness check (within about a second). With qcd off, it holds no token and
# does not pad its checks, which are then too short for the gateway to answer
# without amplification (app/veer's qcd_no_reply): it retransmits until
# lib/ike declares the gateway dead (peer_dead), then starts again.
#
#   sudo scripts/bench-restart.sh                       # N = 1000, then 10000
#   BENCH_N="200 1000" BENCH_RATE=500 BENCH_RETX_MS=200 BENCH_WAIT=120 sudo scripts/bench-restart.sh
#   BENCH_MODES=both  (or off: one taker mode only)     BUILD_DIR=build KEEP_WORK=1
#
# Two CPUs: app/veer's control lcore on CPU 0, its worker on CPU 1, veer-ike
# wherever the scheduler puts it. The machines are shared and noisy: compare
# figures of one run side by side.
# The table also goes to CSV with a PNG of the time to 50 % and 100 % of the
# peers back against N, a line per takers mode (scripts/lib-plot.sh):
# bench-restart-back.csv/.png in build/bench-out (BENCH_OUT).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$top/build}
sizes=${BENCH_N:-1000 10000}
rate=${BENCH_RATE:-1000}
retx=${BENCH_RETX_MS:-500}
wait_s=${BENCH_WAIT:-90}
modes=${BENCH_MODES:-both off}

# shellcheck source=tests/interop/lib.sh
source "$top/tests/interop/lib.sh"
# shellcheck source=tests/interop/lib_storm.sh
source "$top/tests/interop/lib_storm.sh"
lab_init "$build" br
[ -x "$build/app/veer/veer" ] || fail "$build/app/veer/veer not built (DPDK missing?)"
storm_lab
storm_gw_yaml ""
# No state file and no debug log for app/veer: neither is part of what is measured.
export VEER_OPTS=""
# Enough mbufs for a storm's bursts on the one port.
sed -i 's/^  mbufs: .*/  mbufs: 16384/' "$work/gw.yaml"

echo "bench-restart: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, $(uname -r)," \
    "N=\"$sizes\", establishing at $rate/s, retransmissions from $retx ms, waiting up to $wait_s s"
results=()
for n in $sizes; do
    for mode in $modes; do
        echo
        echo "== N=$n, takers with qcd $mode"
        storm_gw_start
        storm_client_yaml "$mode" "$retx" 1s
        # A table that holds the SAs being replaced too.
        sed -i "s/^gateway:\$/gateway:\n  max_sas: $((2 * n + 1024))/" "$work/client.yaml"
        storm_client_start "$n" "$rate"
        t0=$(storm_now)
        if ! storm_wait_established "$n" $(((n / rate + 60) * 10)); then
            echo "not all established: $(grep '^summary' "$work/client.state")"
            results+=("$n|$mode|-|-|-|-|-|not established")
            storm_client_stop
            veer_dp_kill gw KILL
            continue
        fi
        echo "established $n in $(awk -v a="$t0" -v b="$(storm_now)" 'BEGIN { printf "%.1f", b - a }') s;" \
            "gate so far: $(storm_gate_line)"
        sleep 2 # a second of liveness checks at the steady rate, N per second
        storm_restart "$n" $((wait_s * 10))
        echo "app/veer down for $storm_down s; from \"veer running\":" \
            "50 % in ${storm_t50:--} s, 99 % in ${storm_t99:--} s, 100 % in ${storm_t100:--} s" \
            "($storm_back of $n back)"
        gate=$(storm_gate_line)
        echo "app/veer since its restart: $gate"
        echo "veer-ike: $(storm_client_line)"
        results+=("$n|$mode|$storm_down|${storm_t50:--}|${storm_t99:--}|${storm_t100:--}|$storm_back|$gate")
        storm_client_stop
        veer_dp_kill gw TERM
    done
done

echo
echo "| N | takers | down (s) | 50 % (s) | 99 % (s) | 100 % (s) | back | app/veer after its restart |"
echo "| ---: | --- | ---: | ---: | ---: | ---: | ---: | --- |"
# shellcheck source=scripts/lib-plot.sh
source "$top/scripts/lib-plot.sh"
csv=$(bench_csv_dir)/bench-restart-back.csv
bench_csv_header "$csv" N takers "down (s)" "50 % (s)" "99 % (s)" "100 % (s)" back \
    "app/veer after its restart"
for r in "${results[@]}"; do
    IFS='|' read -r n mode down t50 t99 t100 back gate <<<"$r"
    echo "| $n | qcd $mode | $down | $t50 | $t99 | $t100 | $back | $gate |"
    # (CSV values hold no comma: the gate line's become semicolons.)
    bench_csv_row "$csv" "$n" "qcd $mode" "$down" "$t50" "$t99" "$t100" "$back" "${gate//,/;}"
done
echo
bench_plot --csv "$csv" --out "${csv%.csv}.png" --x N --y "50 % (s),100 % (s)" --series takers --logx \
    --xlabel "N peers (IKE SAs)" --ylabel "seconds from \"veer running\" until that share is back" \
    --title "Peers back after app/veer restarts, with and without QCD" || true
bench_outputs
