#!/usr/bin/env bash
# Moving N IKE SAs to the gateway's second address: r-MOBIKE's switch against
# a redirect (RFC 5685). Benchmarks print figures; they never pass or fail.
#
# For each gateway of BENCH_GW and each N of BENCH_N, BENCH_RUNS times each,
# on a fresh pair of processes:
#   - the gateway in its namespace with two addresses, 198.51.100.1 and
#     198.51.100.11 (gateway.mobike_addresses: .11 announced): veer-ike,
#     driven through its --control file, or app/veer (af_packet, one worker,
#     both addresses on its one port), driven through telemetry;
#   - veer-ike in the client namespace as the load: --initiate gw --count N
#     --rate BENCH_RATE (PSK, X25519, AES-GCM-128, one Child SA each; rmobike
#     yes, the default), all N established at 198.51.100.1 first;
#   1. switch: veer-ike's `switch 198.51.100.1 198.51.100.11`, app/veer's
#      /veer/mobike/switch_local,198.51.100.11,198.51.100.1; done at the
#      gateway's N-th `child-sa update` (each SA moved by its initiator's
#      UPDATE_SA_ADDRESSES to .11, same SPIs);
#   2. redirect: `redirect-all 198.51.100.11`, /veer/ike/drain,198.51.100.11;
#      done at the gateway's N-th `child-sa install` (each client's new IKE
#      SA and Child SA at .11, new keys; the old SAs deleted by the clients).
# Times come from the gateway's log, each line stamped on arrival to the
# microsecond (perl Time::HiRes): t0 is its `control: run ...` line, logged
# just before the command runs; the time is from t0 to the N-th line.
# "Pickup" is apart: from giving the command to t0 (veer-ike reads its
# control file every 100 ms; app/veer's includes dpdk-telemetry.py's start).
# Each figure is the median of BENCH_RUNS runs.
# Then (BENCH_LOSS=1) one SA with traffic: app/veer <-> app/veer as in
# tests/interop/veer_rmobike_dp.sh, a ping every 20 ms for 5 s, the switch
# or the drain on the responder 1 s into it; the pings lost. Before the
# command the initiator learns .11's MAC from a gratuitous ARP
# (BENCH_LOSS_WARM=1): see loss_bench for what happens without.
#
#   sudo scripts/bench-rmobike.sh      # both gateways, N = 1, 100, 1000; 3 runs; loss
#   BENCH_GW=veer-ike BENCH_N="1 100" BENCH_RUNS=1 BENCH_LOSS=0 BENCH_RATE=500 \
#       BENCH_WAIT=60 BUILD_DIR=build KEEP_WORK=1 sudo scripts/bench-rmobike.sh
#
# About 1.5 minutes with the defaults.
#
# Two shared CPUs: both processes wherever the scheduler puts them. Compare
# the figures of one run side by side.
# The table also goes to CSV with a PNG (scripts/lib-plot.sh): bench-rmobike-move.csv
# and .png, the time to move all N SAs by switch and by redirect against N, a line
# per gateway, in build/bench-out (BENCH_OUT).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$top/build}
sizes=${BENCH_N:-1 100 1000}
rate=${BENCH_RATE:-500}
wait_s=${BENCH_WAIT:-60}
runs=${BENCH_RUNS:-3}
gateways=${BENCH_GW:-veer-ike veer}
loss=${BENCH_LOSS:-1}
# app/veer's worker's idle sleep (dataplane.idle_sleep_us); 0: it polls without pause.
idle_us=${BENCH_IDLE_US:-100}

# shellcheck source=tests/interop/lib.sh
source "$top/tests/interop/lib.sh"
lab_init "$build" bm
lab_topology
ip -n "$ns_gw" addr add 198.51.100.11/24 dev "${tag}g"
# For app/veer's af_packet port: the client's end computes its checksums
# itself (lab_topology_dpdk); for veer-ike it changes nothing.
ip netns exec "$ns_cl" ethtool -K "${tag}c" tx off >/dev/null 2>&1 ||
    fail "ethtool -K tx off (package ethtool) failed"
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
    [ -n "${dp_name:-}" ] && stop_dp
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
# app/veer: one worker, both addresses on its one port, .11 announced.
{
    printf 'gateway:\n  qcd_secret_file: %s\n  mobike_addresses: [198.51.100.11]\n' "$work/dp.secret"
    cat <<EOF
dataplane:
  workers: 1
  idle_sleep_us: $idle_us
  mbufs: 16384
  ports:
    - name: outside
      device: net_af_packet0,iface=${tag}g
      addresses: [198.51.100.1/24, 198.51.100.11/24]
peers:
EOF
    lab_peer_yaml road-warriors client.example
} >"$work/dp.yaml"
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

now() { perl -MTime::HiRes=time -e 'printf "%.6f\n", time'; }
# Like lab_stamp, to the microsecond.
stamp_us() { perl -MTime::HiRes=time -ne '$| = 1; printf "%.6f %s", time, $_'; }
gw_counter() {
    local v
    v=$(sed -n "s/^counter $1=\([0-9]*\)$/\1/p" "$work/gw.state" 2>/dev/null)
    echo "${v:-0}"
}
established_at() { grep -c "^ike_sa .*role=responder state=ESTABLISHED .*local=$1:" "$work/gw.state" 2>/dev/null; }
cl_established() {
    local v
    v=$(sed -n "s/^summary ike_sas=[0-9]* established=\([0-9]*\) .*/\1/p" "$work/cl.state" 2>/dev/null)
    echo "${v:-0}"
}

start_client() {
    rm -f "$work/cl.state"
    ip netns exec "$ns_cl" "$veer_ike" -c "$work/cl.yaml" --initiate gw --count "$1" \
        --rate "$rate" --state-file "$work/cl.state" -q >"$work/cl.out" 2>"$work/cl.log" &
    cl_pid=$!
}

# Fresh gateway (log stamped into $2) and $1 clients, all established at .1;
# false when not within the bound.
start_both() {
    rm -f "$work/gw.state" "$work/cl.state" "$work/control"
    gw_log=$2
    : >"$gw_log"
    ip netns exec "$ns_gw" "$veer_ike" -c "$work/gw.yaml" --state-file "$work/gw.state" \
        --control "$work/control" > >(stamp_us >>"$gw_log") 2>&1 &
    gw_pid=$!
    wait_for 50 grep -q "veer-ike running" "$gw_log" || fail "the gateway did not start"
    start_client "$1"
    local bound=$((($1 / rate + 30) * 10))
    wait_for "$bound" sh -c "[ \"\$(grep -c '^ike_sa .*role=responder state=ESTABLISHED .*local=198.51.100.1:' '$work/gw.state' 2>/dev/null)\" -ge $1 ]"
}

# app/veer as the gateway (its log $work/$1.log; its
# telemetry TEL_PREFIX=${tag}$1) and $2 clients, all established at .1 (as
# the clients count them); false when not within the bound.
dp_name=""
start_dp() {
    dp_name=$1
    gw_log="$work/$1.log"
    # As veer_dp_start_as (no state file, no debug log), the log stamped to the microsecond.
    ip netns exec "$ns_gw" "$build/app/veer/veer" -l 0,1 --no-huge -m 512 --no-pci \
        --file-prefix "$tag$1" --log-level=lib.eal:error -- -c "$work/dp.yaml" \
        > >(stamp_us >>"$gw_log") 2>&1 &
    veer_pids[$1]=$!
    lab_pids+=("$!")
    wait_for 100 grep -q "veer running" "$gw_log" || fail "app/veer did not start: $(tail -5 "$gw_log")"
    start_client "$2"
    local bound=$((($2 / rate + 30) * 10))
    wait_for "$bound" sh -c "grep -q '^summary ike_sas=[0-9]* established=$2 ' '$work/cl.state'"
}
stop_dp() {
    if [ -n "$cl_pid" ]; then
        kill "$cl_pid" 2>/dev/null
        wait_for 100 sh -c "! kill -0 $cl_pid" || kill -9 "$cl_pid" 2>/dev/null
        wait "$cl_pid" 2>/dev/null
        cl_pid=""
    fi
    [ -n "$dp_name" ] && veer_dp_kill "$dp_name" TERM
    dp_name=""
}
dp_counter() { TEL_PREFIX="$tag$dp_name" ike_count "$1"; }

# Lines of the gateway's log after its `control: run` line that match $1.
t0_re=" control: run "
after_t0() { awk -v p="$1" -v r="$t0_re" 't0 && $0 ~ p { n++ } $0 ~ r { t0 = 1 } END { print n + 0 }' "$gw_log"; }
# The stamp of the $2-th line after t0 matching $1; nothing when there is none.
nth_after_t0() {
    awk -v p="$1" -v k="$2" -v r="$t0_re" 't0 && $0 ~ p && ++n == k { print $1; exit } $0 ~ r { t0 = 1 }' "$gw_log"
}
# The command of veer-ike's --control: $1.
send_control() {
    echo "$1" >"$work/control.tmp"
    mv "$work/control.tmp" "$work/control"
}
send_tel() { TEL_PREFIX="$tag$dp_name" tel "$1" >"$work/tel.out"; }

# Gives the gateway its command ($1: a shell command) and waits (at most
# wait_s) for $3 lines matching $2 after t0; sets pickup (from giving the
# command to t0) and took (t0 to the $3-th line), in seconds, or "-".
timed() {
    local tw t0 tn
    pickup="-"
    took="-"
    tw=$(now)
    eval "$1" &
    local sender=$!
    wait_for $((wait_s * 10)) sh -c "[ \"\$(awk -v p='$2' -v r='$t0_re' 't0 && \$0 ~ p { n++ } \$0 ~ r { t0 = 1 } END { print n + 0 }' '$gw_log')\" -ge $3 ]"
    wait_for 100 sh -c "! kill -0 $sender" || kill "$sender" 2>/dev/null
    wait "$sender" 2>/dev/null
    t0=$(grep -m1 -- "$t0_re" "$gw_log" | cut -d' ' -f1)
    [ -n "$t0" ] || return 1
    pickup=$(awk -v a="$tw" -v b="$t0" 'BEGIN { printf "%.4f", b - a }')
    tn=$(nth_after_t0 "$2" "$3")
    [ -n "$tn" ] || return 1
    took=$(awk -v a="$t0" -v b="$tn" 'BEGIN { printf "%.4f", b - a }')
}

# The median of the numbers in $@ ("-" ignored; "-" when none).
median() {
    printf '%s\n' "$@" | grep -v '^-$' | sort -g |
        awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2];
             else printf "%.4f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# A fresh gateway of kind $1 (veer-ike or veer) and $2 clients, all
# established; $3: the log's name for veer-ike.
start_gw() {
    if [ "$1" = veer-ike ]; then
        start_both "$2" "$work/$3.log"
    else
        idx=$((idx + 1))
        start_dp "v$idx" "$2"
    fi
}
stop_gw() { if [ "$1" = veer-ike ]; then stop_both; else stop_dp; fi; }

# One gateway kind ($1: veer-ike or veer) and N ($2): BENCH_RUNS switches and
# redirects; adds the medians to results.
run_n() {
    local gw=$1 n=$2 r sws=() swp=() rds=() rdp=()
    for r in $(seq 1 "$runs"); do
        if start_gw "$gw" "$n" "ike-switch-$n-$r"; then
            if [ "$gw" = veer-ike ]; then
                timed "send_control 'switch 198.51.100.1 198.51.100.11'" \
                    "child-sa update .*local=198\\\\.51\\\\.100\\\\.11" "$n"
                echo "switch $r: pickup $pickup s, $(after_t0 'child-sa update') of $n moved in $took s" \
                    "(state file: $(gw_counter rmobike_switch_moved) moved," \
                    "$(gw_counter rmobike_switch_asked) asked, $(gw_counter rmobike_switch_refused) refused," \
                    "$(gw_counter rmobike_switch_timed_out) timed out)"
            else
                timed "send_tel /veer/mobike/switch_local,198.51.100.11,198.51.100.1" \
                    "child-sa update " "$n"
                echo "switch $r: pickup $pickup s, $(after_t0 'child-sa update ') of $n moved in $took s" \
                    "(telemetry: $(dp_counter rmobike_switch_moved) moved," \
                    "$(dp_counter rmobike_switch_asked) asked, $(dp_counter rmobike_switch_refused) refused," \
                    "$(dp_counter rmobike_switch_timed_out) timed out)"
            fi
            sws+=("$took") swp+=("$pickup")
        else
            echo "switch $r: not all $n established ($(cl_established) by the clients)"
        fi
        stop_gw "$gw"

        if start_gw "$gw" "$n" "ike-redirect-$n-$r"; then
            if [ "$gw" = veer-ike ]; then
                timed "send_control 'redirect-all 198.51.100.11'" "child-sa install " "$n"
                echo "redirect $r: pickup $pickup s, $(after_t0 'child-sa install ') of $n new Child SAs" \
                    "in $took s ($(gw_counter redirects_sent) redirects sent)"
            else
                timed "send_tel /veer/ike/drain,198.51.100.11" "child-sa install " "$n"
                echo "redirect $r: pickup $pickup s, $(after_t0 'child-sa install ') of $n new Child SAs" \
                    "in $took s ($(dp_counter redirects_sent) redirects sent)"
            fi
            rds+=("$took") rdp+=("$pickup")
        else
            echo "redirect $r: not all $n established ($(cl_established) by the clients)"
        fi
        stop_gw "$gw"
    done
    results+=("$gw|$n|$(median "${swp[@]}" "${rdp[@]}")|$(median "${sws[@]}")|$(median "${rds[@]}")")
}

# The loss of one SA with traffic: app/veer <-> app/veer as in
# tests/interop/veer_rmobike_dp.sh (hostA -- veerA == veerB -- hostB, veerB
# on .1 and .11, veerA the r-MOBIKE initiator), a ping every 20 ms from hostA
# to hostB for 5 s, and 1 s into it the switch (or the drain) on veerB.
# Prints the pings lost; sets loss_sw and loss_rd.
loss_sw="-"
loss_rd="-"
loss_warm=${BENCH_LOSS_WARM:-1}
# A gratuitous ARP for address $3 from interface $2 (in namespace $1), with its MAC.
garp() {
    ip netns exec "$1" /usr/bin/python3 -c 'import socket, sys
ifc, ip = sys.argv[1], socket.inet_aton(sys.argv[2])
mac = bytes.fromhex(open("/sys/class/net/%s/address" % ifc).read().strip().replace(":", ""))
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((ifc, 0))
s.send(b"\xff" * 6 + mac + b"\x08\x06" + bytes([0, 1, 8, 0, 6, 4, 0, 1]) + mac + ip + bytes(6) + ip)' "$2" "$3"
}
loss_bench() {
    local kind
    lab_two_gateways # hostA - veerA == veerB - hostB, as veer_rmobike_dp has it
    TUN_LOCAL_TS=10.1.0.0/24 TUN_CLIENT_TS=10.2.0.0/24 TUN_PEER_EXTRA="    remote: 198.51.100.1
    start_action: start
    rmobike: yes" lab_gateway_yaml "${tag}ao=198.51.100.2/24" "${tag}ai=10.1.0.254/24" \
        "gateway:
  qcd_secret_file: $work/la.secret" to-b b.example a.example >"$work/la.yaml"
    TUN_LOCAL_TS=10.2.0.0/24 TUN_CLIENT_TS=10.1.0.0/24 lab_gateway_yaml \
        "${tag}bo=198.51.100.1/24, 198.51.100.11/24" "${tag}bi=10.2.0.1/24" "gateway:
  qcd_secret_file: $work/lb.secret
  mobike_addresses: [198.51.100.11]" from-a a.example b.example >"$work/lb.yaml"

    for kind in switch redirect; do
        rm -f "$work/la.state" "$work/lb.state"
        veer_dp_start_as lb "$ns_vb" "$work/lb.yaml"
        veer_dp_start_as la "$ns_va" "$work/la.yaml"
        if ! wait_for 150 ip netns exec "$ns_ha" ping -c 1 -W 1 10.2.0.2; then
            echo "loss, $kind: no ping through the tunnel within 15 s"
        else
            ip netns exec "$ns_ha" timeout 20 ping -i 0.02 -c 250 -W 1 10.2.0.2 \
                >"$work/ping-$kind.out" 2>&1 &
            local ping_pid=$!
            sleep 1
            # veerA learns veerB's MAC for .11 now (an ARP from .11): the first IKE message to
            # .11 goes at once. Unwarmed, it waits for a retransmission (0.5 s), the
            # switch's update and the redirect's IKE_SA_INIT alike.
            [ "$loss_warm" = 1 ] && garp "$ns_vb" "${tag}bo" 198.51.100.11
            if [ "$kind" = switch ]; then
                TEL_PREFIX="${tag}lb" tel /veer/mobike/switch_local,198.51.100.11,198.51.100.1 >"$work/tel.out"
            else
                TEL_PREFIX="${tag}lb" tel /veer/ike/drain,198.51.100.11 >"$work/tel.out"
            fi
            wait_for 250 sh -c "! kill -0 $ping_pid"
            wait "$ping_pid" 2>/dev/null
            local sent got
            sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$work/ping-$kind.out")
            got=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$work/ping-$kind.out")
            local lost=$((${sent:-0} - ${got:-0}))
            local t0 t1 moved="-"
            t0=$(grep " control: run " "$work/lb.log" | tail -n 1 | cut -d' ' -f1)
            if [ "$kind" = switch ]; then
                t1=$(grep "child-sa update " "$work/lb.log" | tail -n 1 | cut -d' ' -f1)
            else
                t1=$(grep "child-sa install " "$work/lb.log" | tail -n 1 | cut -d' ' -f1)
            fi
            [ -n "$t0" ] && [ -n "$t1" ] && moved=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
            echo "loss, $kind: $moved s from the command to veerB's moved (or new) Child SA"
            echo "loss, $kind: $lost of ${sent:-0} pings lost (veerB: $(TEL_PREFIX="${tag}lb" ike_count rmobike_switch_moved) switched," \
                "$(TEL_PREFIX="${tag}lb" ike_count redirects_sent) redirected; reply $(cat "$work/tel.out"))"
            if [ "$kind" = switch ]; then loss_sw="$lost/${sent:-0}"; else loss_rd="$lost/${sent:-0}"; fi
        fi
        veer_dp_kill la TERM
        veer_dp_kill lb TERM
    done
}

echo "bench-rmobike: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, $(uname -r)," \
    "load $(cut -d' ' -f1-3 /proc/loadavg), gateways \"$gateways\", N=\"$sizes\"," \
    "$runs runs each, establishing at $rate/s, app/veer idle_sleep_us $idle_us, waiting up to $wait_s s"
results=()
idx=0
for gw in $gateways; do
    if [ "$gw" = veer ]; then
        [ -x "$build/app/veer/veer" ] || fail "$build/app/veer/veer not built (DPDK missing?)"
        # app/veer owns the gateway's end of the link from now on.
        ip -n "$ns_gw" addr flush dev "${tag}g"
    fi
    for n in $sizes; do
        echo
        echo "== $gw, N=$n"
        run_n "$gw" "$n"
    done
done

if [ "$loss" = 1 ]; then
    echo
    echo "== loss: one SA with a ping every 20 ms, app/veer <-> app/veer"
    loss_bench
fi

echo
echo "Medians of $runs runs; pickup over both kinds of run; times from the gateway's stamped log."
echo
echo "| gateway | N | command pickup (s) | switch: all moved (s) | per SA (ms) | redirect: all new Child SAs (s) | per SA (ms) | redirect / switch |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
# shellcheck source=scripts/lib-plot.sh
source "$top/scripts/lib-plot.sh"
csv=$(bench_csv_dir)/bench-rmobike-move.csv
bench_csv_header "$csv" gateway N "command pickup (s)" "switch: all moved (s)" "switch per SA (ms)" \
    "redirect: all new Child SAs (s)" "redirect per SA (ms)" "redirect / switch"
for r in "${results[@]}"; do
    IFS='|' read -r gw n pk sw rd <<<"$r"
    awk -v gw="$gw" -v n="$n" -v pk="$pk" -v sw="$sw" -v rd="$rd" -v csv="$csv" 'BEGIN {
        psw = (sw == "-") ? "-" : sprintf("%.3f", sw * 1000 / n)
        prd = (rd == "-") ? "-" : sprintf("%.3f", rd * 1000 / n)
        ratio = (sw == "-" || rd == "-" || sw + 0 == 0) ? "-" : sprintf("%.1f", rd / sw)
        printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", gw, n, pk, sw, psw, rd, prd, ratio
        printf "%s,%s,%s,%s,%s,%s,%s,%s\n", gw, n, pk, sw, psw, rd, prd, ratio >>csv
    }'
done
if [ "$loss" = 1 ]; then
    echo
    echo "One SA with traffic (app/veer <-> app/veer, a ping every 20 ms): lost by the switch" \
        "$loss_sw, by the redirect $loss_rd."
fi
echo
bench_plot --csv "$csv" --out "${csv%.csv}.png" --x N --y "switch: all moved (s),redirect: all new Child SAs (s)" \
    --series gateway --logx --xlabel "N IKE SAs moved" --ylabel "seconds until all N moved (median of $runs runs)" \
    --title "Moving N IKE SAs to the gateway's second address: r-MOBIKE switch beside redirect" || true
bench_outputs
