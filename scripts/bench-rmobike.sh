#!/usr/bin/env bash
# Moving N IKE SAs to the gateway's second address: r-MOBIKE's switch against
# a redirect (RFC 5685). Benchmarks print figures; they never pass or fail.
#
# For each N of BENCH_N, BENCH_RUNS times each, on a fresh pair of processes:
#   - veer-ike as the gateway in its namespace with two addresses,
#     198.51.100.1 and 198.51.100.11 (gateway.mobike_addresses: both
#     announced and bound), driven through its --control file;
#   - veer-ike in the client namespace as the load: --initiate gw --count N
#     --rate BENCH_RATE (PSK, X25519, AES-GCM-128, one Child SA each; rmobike
#     yes, the default), all N established at 198.51.100.1 first;
#   1. switch: `switch 198.51.100.1 198.51.100.11`; done at the gateway's
#      N-th `child-sa update` (each SA moved by its initiator's
#      UPDATE_SA_ADDRESSES to .11, same SPIs);
#   2. redirect: `redirect-all 198.51.100.11`; done at the gateway's N-th
#      `child-sa install` (each client's new IKE SA and Child SA at .11, new
#      keys; the old SAs deleted by the clients).
# Times come from the gateway's log, each line stamped on arrival (perl
# Time::HiRes): t0 is its `control: run ...` line, logged just before the
# command runs; the time is from t0 to the N-th line. "Pickup" is apart: from
# writing the control file to t0 (veer-ike reads it every 100 ms). Each figure
# is the median of BENCH_RUNS runs.
#
#   sudo scripts/bench-rmobike.sh                 # N = 1, 100, 1000; 3 runs
#   BENCH_N="1 100" BENCH_RUNS=1 BENCH_RATE=500 BENCH_WAIT=60 BUILD_DIR=build KEEP_WORK=1 sudo scripts/bench-rmobike.sh
#
# Two shared CPUs: both processes wherever the scheduler puts them. Compare
# the figures of one run side by side.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$top/build}
sizes=${BENCH_N:-1 100 1000}
rate=${BENCH_RATE:-500}
wait_s=${BENCH_WAIT:-60}
runs=${BENCH_RUNS:-3}

# shellcheck source=tests/interop/lib.sh
source "$top/tests/interop/lib.sh"
lab_init "$build" bm
lab_topology
ip -n "$ns_gw" addr add 198.51.100.11/24 dev "${tag}g"
lab_psk_file
gw_pid=""
cl_pid=""
stop_both() {
    local p
    for p in $cl_pid $gw_pid; do
        kill "$p" 2>/dev/null
        wait_for 100 sh -c "! kill -0 $p" || kill -9 "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    gw_pid=""
    cl_pid=""
}
cleanup_all() {
    stop_both
    lab_cleanup
}
trap cleanup_all EXIT

cat >"$work/gw.yaml" <<EOF
gateway:
  listen: [198.51.100.1]
  mobike_addresses: [198.51.100.1, 198.51.100.11]
  cookie_threshold: 0
  max_sas: 65536
peers:
EOF
lab_peer_yaml road-warriors client.example >>"$work/gw.yaml"
cat >"$work/cl.yaml" <<EOF
gateway:
  listen: [198.51.100.2]
  max_redirects: 100000
peers:
  - name: gw
    psk_file: $work/psk
    local_id: client.example
    remote_id: gw.example
    remote: 198.51.100.1
    ike_proposals: [aes128gcm16-prfsha256-x25519]
    esp_proposals: [aes128gcm16]
    local_ts: [10.1.0.0/16]
    remote_ts: [10.2.0.0/24]
EOF

now() { perl -MTime::HiRes=time -e 'printf "%.3f\n", time'; }
gw_counter() {
    local v
    v=$(sed -n "s/^counter $1=\([0-9]*\)$/\1/p" "$work/gw.state" 2>/dev/null)
    echo "${v:-0}"
}
established_at() { grep -c "^ike_sa .*role=responder state=ESTABLISHED .*local=$1:" "$work/gw.state" 2>/dev/null; }

# Fresh gateway (log stamped into $2) and $1 clients, all established at .1;
# false when not within the bound.
start_both() {
    rm -f "$work/gw.state" "$work/cl.state" "$work/control"
    gw_log=$2
    : >"$gw_log"
    ip netns exec "$ns_gw" "$veer_ike" -c "$work/gw.yaml" --state-file "$work/gw.state" \
        --control "$work/control" > >(lab_stamp >>"$gw_log") 2>&1 &
    gw_pid=$!
    wait_for 50 grep -q "veer-ike running" "$gw_log" || fail "the gateway did not start"
    ip netns exec "$ns_cl" "$veer_ike" -c "$work/cl.yaml" --initiate gw --count "$1" \
        --rate "$rate" --state-file "$work/cl.state" -q >"$work/cl.out" 2>"$work/cl.log" &
    cl_pid=$!
    local bound=$((($1 / rate + 30) * 10))
    wait_for "$bound" sh -c "[ \"\$(grep -c '^ike_sa .*role=responder state=ESTABLISHED .*local=198.51.100.1:' '$work/gw.state' 2>/dev/null)\" -ge $1 ]"
}

# Lines of the gateway's log after its `control: run` line that match $1.
after_t0() { awk -v p="$1" 't0 && $0 ~ p { n++ } / INFO control: run / { t0 = 1 } END { print n + 0 }' "$gw_log"; }
# The stamp of the $2-th line after t0 matching $1; nothing when there is none.
nth_after_t0() {
    awk -v p="$1" -v k="$2" 't0 && $0 ~ p && ++n == k { print $1; exit } / INFO control: run / { t0 = 1 }' "$gw_log"
}

# Writes command $1 for the gateway and waits (at most wait_s) for $3 lines
# matching $2 after t0; sets pickup and took (seconds, 3 decimals, or "-").
timed() {
    echo "$1" >"$work/control.tmp"
    local tw t0 tn
    tw=$(now)
    mv "$work/control.tmp" "$work/control"
    pickup="-"
    took="-"
    wait_for $((wait_s * 10)) sh -c "[ \"\$(awk -v p='$2' 't0 && \$0 ~ p { n++ } / INFO control: run / { t0 = 1 } END { print n + 0 }' '$gw_log')\" -ge $3 ]"
    t0=$(grep -m1 " INFO control: run " "$gw_log" | cut -d' ' -f1)
    [ -n "$t0" ] || return 1
    pickup=$(awk -v a="$tw" -v b="$t0" 'BEGIN { printf "%.3f", b - a }')
    tn=$(nth_after_t0 "$2" "$3")
    [ -n "$tn" ] || return 1
    took=$(awk -v a="$t0" -v b="$tn" 'BEGIN { printf "%.3f", b - a }')
}

# The median of the numbers in $@ ("-" ignored; "-" when none).
median() {
    printf '%s\n' "$@" | grep -v '^-$' | sort -g |
        awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2];
             else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

echo "bench-rmobike: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, $(uname -r)," \
    "load $(cut -d' ' -f1-3 /proc/loadavg), N=\"$sizes\", $runs runs each," \
    "establishing at $rate/s, waiting up to $wait_s s"
results=()
for n in $sizes; do
    echo
    echo "== N=$n"
    sws=() swp=() rds=() rdp=()
    for r in $(seq 1 "$runs"); do
        if start_both "$n" "$work/gw-switch-$n-$r.log"; then
            timed "switch 198.51.100.1 198.51.100.11" "child-sa update .*local=198\\\\.51\\\\.100\\\\.11" "$n"
            echo "switch $r: pickup $pickup s, $(after_t0 'child-sa update') of $n moved in $took s" \
                "(counters: $(gw_counter rmobike_switch_moved) moved," \
                "$(gw_counter rmobike_switch_asked) asked, $(gw_counter rmobike_switch_refused) refused," \
                "$(gw_counter rmobike_switch_timed_out) timed out)"
            sws+=("$took") swp+=("$pickup")
        else
            echo "switch $r: not all $n established ($(established_at 198.51.100.1))"
        fi
        stop_both

        if start_both "$n" "$work/gw-redirect-$n-$r.log"; then
            timed "redirect-all 198.51.100.11" "child-sa install " "$n"
            echo "redirect $r: pickup $pickup s, $(after_t0 'child-sa install ') of $n new Child SAs in $took s" \
                "($(established_at 198.51.100.11) IKE SAs at .11, $(gw_counter redirects_sent) redirects sent)"
            rds+=("$took") rdp+=("$pickup")
        else
            echo "redirect $r: not all $n established ($(established_at 198.51.100.1))"
        fi
        stop_both
    done
    results+=("$n|$(median "${swp[@]}" "${rdp[@]}")|$(median "${sws[@]}")|$(median "${rds[@]}")")
done

echo
echo "Medians of $runs runs; pickup over both kinds of run."
echo
echo "| N | command pickup (s) | switch: all moved (s) | per SA (ms) | redirect: all new Child SAs (s) | per SA (ms) | redirect / switch |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for r in "${results[@]}"; do
    IFS='|' read -r n pk sw rd <<<"$r"
    awk -v n="$n" -v pk="$pk" -v sw="$sw" -v rd="$rd" 'BEGIN {
        psw = (sw == "-") ? "-" : sprintf("%.3f", sw * 1000 / n)
        prd = (rd == "-") ? "-" : sprintf("%.3f", rd * 1000 / n)
        ratio = (sw == "-" || rd == "-" || sw + 0 == 0) ? "-" : sprintf("%.1f", rd / sw)
        printf "| %s | %s | %s | %s | %s | %s | %s |\n", n, pk, sw, psw, rd, prd, ratio
    }'
done
