#!/usr/bin/env bash
# Moving N IKE SAs to the gateway's second address: r-MOBIKE's switch against
# a redirect (RFC 5685). Benchmarks print figures; they never pass or fail.
#
# For each N of BENCH_N, twice on a fresh pair of processes:
#   - veer-ike as the gateway in its namespace with two addresses,
#     198.51.100.1 and 198.51.100.11 (gateway.mobike_addresses: both
#     announced and bound), driven through its --control file;
#   - veer-ike in the client namespace as the load: --initiate gw --count N
#     --rate BENCH_RATE (PSK, X25519, AES-GCM-128, one Child SA each; rmobike
#     yes, the default), all N established at 198.51.100.1 first;
#   1. switch: `switch 198.51.100.1 198.51.100.11`; the time from writing
#      the command until the gateway's rmobike_switch_moved reaches N (each
#      SA moved by its initiator's UPDATE_SA_ADDRESSES to .11, same SPIs);
#   2. redirect: `redirect-all 198.51.100.11`; the time until N IKE SAs are
#      established at .11 on the gateway (each a new IKE_SA_INIT and IKE_AUTH,
#      new keys; the old SAs deleted by the clients).
# Times come from polling the gateway's state file (rewritten every 100 ms,
# the control file read at the same tick): about 0.1 s resolution.
#
#   sudo scripts/bench-rmobike.sh                 # N = 1, 100, 1000
#   BENCH_N="1 100" BENCH_RATE=500 BENCH_WAIT=60 BUILD_DIR=build KEEP_WORK=1 sudo scripts/bench-rmobike.sh
#
# Two shared CPUs: both processes wherever the scheduler puts them. Compare
# the figures of one run side by side.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$top/build}
sizes=${BENCH_N:-1 100 1000}
rate=${BENCH_RATE:-500}
wait_s=${BENCH_WAIT:-60}

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

now() { date +%s.%3N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
gw_counter() {
    local v
    v=$(sed -n "s/^counter $1=\([0-9]*\)$/\1/p" "$work/gw.state" 2>/dev/null)
    echo "${v:-0}"
}
established_at() { grep -c "^ike_sa .*role=responder state=ESTABLISHED .*local=$1:" "$work/gw.state" 2>/dev/null; }

# Fresh gateway and N clients, all established at .1; false when not within the bound.
start_both() {
    rm -f "$work/gw.state" "$work/cl.state" "$work/control"
    ip netns exec "$ns_gw" "$veer_ike" -c "$work/gw.yaml" --state-file "$work/gw.state" \
        --control "$work/control" -q >"$work/gw.log" 2>&1 &
    gw_pid=$!
    wait_for 50 grep -q "veer-ike running" "$work/gw.log" || fail "the gateway did not start"
    ip netns exec "$ns_cl" "$veer_ike" -c "$work/cl.yaml" --initiate gw --count "$1" \
        --rate "$rate" --state-file "$work/cl.state" -q >"$work/cl.out" 2>"$work/cl.log" &
    cl_pid=$!
    local bound=$((($1 / rate + 30) * 10))
    wait_for "$bound" sh -c "[ \"\$(grep -c '^ike_sa .*role=responder state=ESTABLISHED .*local=198.51.100.1:' '$work/gw.state' 2>/dev/null)\" -ge $1 ]"
}

# Writes command $1 for the gateway; then polls every 50 ms until `$2` holds
# (a shell condition), at most wait_s; sets took (seconds, or "-").
timed() {
    echo "$1" >"$work/control.tmp"
    local t0 deadline
    t0=$(now)
    mv "$work/control.tmp" "$work/control"
    deadline=$(awk -v a="$t0" -v w="$wait_s" 'BEGIN { print a + w }')
    took="-"
    while awk -v d="$deadline" -v n="$(now)" 'BEGIN { exit !(n < d) }'; do
        if eval "$2"; then
            took=$(since "$t0")
            return 0
        fi
        sleep 0.05
    done
    return 1
}

echo "bench-rmobike: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, $(uname -r)," \
    "N=\"$sizes\", establishing at $rate/s, waiting up to $wait_s s"
results=()
for n in $sizes; do
    echo
    echo "== N=$n"
    start_both "$n" || {
        echo "switch: not all $n established ($(established_at 198.51.100.1))"
        stop_both
        continue
    }
    timed "switch 198.51.100.1 198.51.100.11" "[ \"\$(gw_counter rmobike_switch_moved)\" -ge $n ]"
    sw=$took
    echo "switch: $n moved in $sw s ($(gw_counter rmobike_switch_moved) moved," \
        "$(gw_counter rmobike_switch_asked) asked, $(gw_counter rmobike_switch_refused) refused," \
        "$(gw_counter rmobike_switch_timed_out) timed out)"
    stop_both

    start_both "$n" || {
        echo "redirect: not all $n established ($(established_at 198.51.100.1))"
        stop_both
        continue
    }
    timed "redirect-all 198.51.100.11" "[ \"\$(established_at 198.51.100.11)\" -ge $n ]"
    rd=$took
    echo "redirect: $n established at .11 in $rd s ($(established_at 198.51.100.11) there," \
        "$(gw_counter redirects_sent) redirects sent)"
    stop_both
    results+=("$n|$sw|$rd")
done

echo
echo "| N | switch: all moved (s) | redirect: all established at the new address (s) |"
echo "| ---: | ---: | ---: |"
for r in "${results[@]}"; do
    IFS='|' read -r n sw rd <<<"$r"
    echo "| $n | $sw | $rd |"
done
