#!/usr/bin/env bash
# The largest spoofed flood at which all legitimate clients still connect to
# app/veer, with the flood on a net_memif port (no kernel in its path, so
# rates of millions per second) and the clients on af_packet, for COOKIE and
# for REDIRECT.
#
# For each mode and each flood rate (a fresh app/veer per step):
#   - app/veer-flood sends spoofed new IKE_SA_INITs from 203.0.113.0/25 over
#     its own net_memif port into veer's one worker, at the step's rate
#     (`max`: flat out; `none`: no flood). It runs in veer's namespace, since
#     the memif socket is abstract in DPDK 22.11;
#   - after BENCH_WARMUP (5) s of flood, BENCH_CLIENTS (20) strongSwan 5.9.8
#     clients in their own namespace (198.51.100.10..) start at once through
#     veer's af_packet port, each `swanctl --initiate --timeout BENCH_TIMEOUT`
#     (30 s), with strongSwan's default retransmissions (4 s, then x1.8);
#   - recorded: the flood rate veer's worker saw (its rx_packets over the
#     step, from flood start to the last client's end: the generator's wish
#     is not the figure), clients connected, and where (here or at the
#     second gateway), median and max time to connect, veer's gate replies by
#     kind (COOKIE, REDIRECT), control ring drops (drop_ring_full), the gate
#     counters, veer's resident set at flood start and at the end.
# Higher rates are skipped once a rate leaves a client out (BENCH_ALL_STEPS=1
# runs them).
#
# Modes (BENCH_MODES, in this order by default):
#   cookie          the flood without N(REDIRECT_SUPPORTED), veer without a
#                   redirect target: everybody held back gets a COOKIE
#   redirect        the flood with N(REDIRECT_SUPPORTED), veer with a redirect
#                   target (a second gateway, below) and its default
#                   overload_policy, cookie-first: while the control lcore
#                   has capacity, a REDIRECT-capable request is asked for a
#                   cookie like any other, so the flood gets COOKIEs and the
#                   clients (which announce REDIRECT_SUPPORTED, strongSwan's
#                   default) return the cookie and are served here
#                   (gate_cookie_first, gate_cookie_served_redirect_capable);
#                   only a saturated control lcore sends them away
#   redirect-first  the same with `overload_policy: redirect-first`: once the
#                   rate runs out, every REDIRECT-capable request is sent
#                   away, so the flood gets REDIRECTs (the cheapest reply)
#                   and so do the clients, which connect to the second gateway
# The second gateway (192.0.2.77, redirect modes) is a strongSwan charon in
# its own namespace, on CPU 1, reached by the clients over a link of their
# own; it is not flooded.
#
# A client counts as connected when its `swanctl --initiate` succeeded within
# the timeout, wherever it landed: a redirected client that connected to the
# second gateway has a working tunnel, which is what a flood must not take
# away. The table says where: `here` (its IKE SA's remote is veer,
# 198.51.100.1) and `elsewhere` (192.0.2.77), from the clients' own
# `swanctl --list-sas`.
#
# Pinning, as the other flood benchmarks and the memif flood test: veer's
# worker on CPU 1, its control lcore on CPU 0 (EAL -l 0,1; VEER_EAL_LCORES
# overrides), veer-flood and the clients' charon on CPU 0.
# Benchmarks print figures; they never pass or fail.
#
#   sudo scripts/bench-flood-memif.sh
#   BENCH_RATES="none 250000 500000 1000000 2000000 max"  (offered requests/s)
#   BENCH_MODES="cookie redirect redirect-first"
#   BENCH_WARMUP=5 BENCH_CLIENTS=20 BENCH_TIMEOUT=30 BENCH_ALL_STEPS=1
#   BUILD_DIR=build KEEP_WORK=1
#   BENCH_OUT=DIR      where the CSV goes when scripts/lib-plot.sh is absent
#                      (default BUILD_DIR/bench-out)
# Writes bench-flood-memif.csv (the table) and bench-flood-memif-connect.csv
# (connect times, one row per mode, statistic and step) there, and a plot of
# the latter with bench_plot when scripts/lib-plot.sh is there.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${BUILD_DIR:-$top/build}" 2>/dev/null && pwd) || {
    echo "bench-flood-memif: build dir ${BUILD_DIR:-$top/build} missing (meson setup build && ninja -C build)" >&2
    exit 1
}
[ "$(id -u)" = 0 ] || {
    echo "bench-flood-memif: needs root (network namespaces)" >&2
    exit 1
}
# The lab (namespaces, app/veer, the clients' charon, telemetry) is the flood tests'.
# shellcheck source=tests/interop/lib.sh
source "$top/tests/interop/lib.sh"
# shellcheck source=tests/interop/lib_flood.sh
source "$top/tests/interop/lib_flood.sh"
# shellcheck source=scripts/lib-peers.sh
source "$top/scripts/lib-peers.sh" # field, stop_pid

clients=${BENCH_CLIENTS:-20}
rates=${BENCH_RATES:-none 250000 500000 1000000 2000000 max}
modes=${BENCH_MODES:-cookie redirect redirect-first}
conn_timeout=${BENCH_TIMEOUT:-30}
warmup=${BENCH_WARMUP:-5}
all_steps=${BENCH_ALL_STEPS:-0}
gw=198.51.100.1
gw2=192.0.2.77
results=() # "mode|offered|at_worker|ok|here|elsewhere|median|max|cookies/s|redirects/s|admitted|cookie_admitted|cookie_first|served_rc|redir_sat|redir_over|ring|rss0|rss1|sent/s|tx_full/s"

lab_init "$build" fm
flood_init # its trap stops everything and removes the namespaces on exit

# ------------------------------------------------------------------ the lab
# Made once; each step starts veer, the clients' charon and the second gateway
# afresh in it. flood_client_addrs gives client i 198.51.100.(10+i).
#   clients ${tag}c 198.51.100.10.. --- ${tag}g veer outside (af_packet)
#                                        veer inside (af_packet) --- server 10.2.0.2
#                                        veer flood (memif) === veer-flood, in veer's namespace
#   clients ${tag}x 192.0.2.1       --- ${tag}y second gateway 192.0.2.77
lab_topology_tunnel
flood_client_addrs "$clients"
flood_psk_file
lab_link_b_at() {
    ns_b="${tag}b"
    ip netns add "$ns_b"
    lab_veth "${tag}x" "$ns_cl" 192.0.2.1/24 "${tag}y" "$ns_b" "$gw2/24"
    ip -n "$ns_b" link set lo up
    # Redirected clients keep their source addresses (198.51.100.x).
    ip -n "$ns_b" route add 198.51.100.0/24 via 192.0.2.1
    # kernel-libipsec's routes need an address in the local traffic selector.
    ip -n "$ns_b" addr add 10.2.0.1/32 dev lo
}
lab_link_b_at

# The second gateway: a strongSwan charon in $ns_b on CPU 1, its own /run,
# any client by PSK. Sets b_pid (lab_cleanup stops it).
gw2_start() {
    local d=$work/gw2
    rm -rf "$d"
    mkdir -p "$d"
    cat >"$d/strongswan.conf" <<EOF
charon {
  load_modular = no
  load = random nonce kdf openssl pem pkcs1 x509 pubkey kernel-libipsec kernel-netlink socket-default vici
  install_routes = no
  plugins {
    vici { socket = unix://$d/vici }
    kernel-libipsec { allow_peer_ts = yes }
  }
  filelog { f { path = $d/charon.log
                default = 1 } }
}
EOF
    cat >"$d/swanctl.conf" <<EOF
connections {
  any {
    proposals = aes128gcm16-prfsha256-x25519
    local { auth = psk
            id = gw.example }
    remote { auth = psk }
    children { c { local_ts = 10.2.0.0/24
                   remote_ts = 10.1.0.0/16
                   esp_proposals = aes128gcm16 } }
  }
}
secrets { ike-any { secret = "$(cat "$work/psk")" } }
EOF
    chmod 600 "$d/swanctl.conf"
    taskset -c 1 ip netns exec "$ns_b" unshare -m sh -c "mount -t tmpfs tmpfs /run &&
        STRONGSWAN_CONF=$d/strongswan.conf exec /usr/lib/ipsec/charon" >"$d/charon.out" 2>&1 &
    b_pid=$!
    wait_for 100 gw2_vici --stats || return 1
    gw2_vici --load-all --file "$d/swanctl.conf" >"$d/load.out" 2>&1
}
gw2_vici() { ip netns exec "$ns_b" swanctl "$@" --uri "unix://$work/gw2/vici"; }

# app/veer's configuration for mode $1, memif socket $2.
veer_yaml() {
    local mode=$1 sock=$2
    echo "dataplane:"
    echo "  workers: 1"
    echo "  idle_sleep_us: 50"
    echo "  mbufs: 16384"
    echo "  admission:"
    echo "    mode: auto"
    case $mode in
    redirect) echo "    redirect_to: [$gw2]" ;; # overload_policy: the default, cookie-first
    redirect-first)
        echo "    redirect_to: [$gw2]"
        echo "    overload_policy: redirect-first"
        ;;
    esac
    flood_ports_yaml "net_memif0,role=server,socket=$sock"
    echo "peers:"
    lab_peer_yaml road-warriors "'%any'"
}

# veer's worker counters $@ from one /veer/workers reply, "name value" per
# line; none when veer did not answer.
veer_counters() {
    tel /veer/workers | /usr/bin/python3 -c '
import json, sys
t = sys.stdin.read().strip()
d = json.loads(t) if t else {}
w = next(iter(d.values()), {}) if d else {}
for k in sys.argv[1:]:
    if k in w:
        v = w[k]
        print(k, sum(v) if isinstance(v, list) else v)' "$@"
}

# /veer/admission in one line: overloaded, saturated, busy share, rate.
veer_admission() {
    tel /veer/admission | /usr/bin/python3 -c '
import json, sys
t = sys.stdin.read().strip()
d = json.loads(t) if t else {}
a = next(iter(d.values()), {}) if d else {}
print(" ".join("%s=%s" % (k, a.get(k, "?")) for k in
    ("overloaded", "saturated", "control_busy_pct", "control_loop_cpu_us", "rate", "capacity_sas_per_s")))'
}

counter_names=(rx_packets gate_cookies gate_redirects gate_admitted gate_cookie_admitted
    gate_cookie_first gate_cookie_served_redirect_capable gate_redirect_saturated
    gate_redirect_over_rate drop_ring_full)
# Fills the associative array named $1 with veer's counters and .t, the
# midpoint of the read (a telemetry read takes seconds on a loaded machine).
sample() {
    local -n smp=$1
    local a b k v
    a=$(date +%s.%N)
    while read -r k v; do smp["$k"]=$v; done < <(veer_counters "${counter_names[@]}")
    b=$(date +%s.%N)
    # shellcheck disable=SC2034 # the caller's array
    smp[.t]=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", (a + b) / 2 }')
}

# "here elsewhere": the clients' ESTABLISHED IKE SAs with veer, with the second gateway.
clients_where() {
    swan --list-sas 2>/dev/null | awk -v here="@ ${gw}[" -v there="@ ${gw2}[" '
        /^[^ ].*, ESTABLISHED, / { est = 1; next }
        /^[^ ]/ { est = 0 }
        est && /^ *remote / { if (index($0, here)) h++; else if (index($0, there)) e++; est = 0 }
        END { printf "%d %d\n", h, e }'
}

# ------------------------------------------------------------------ one step
# $1 mode, $2 offered rate (none|N|max). Returns 0 when every client connected.
step_n=0
step() {
    local mode=$1 rate=$2 sock flood_args=()
    step_n=$((step_n + 1))
    sock="$work/memif.$step_n.sock"
    case $mode in
    cookie) flood_args=(--no-redirect-supported) ;;
    *) gw2_start || {
        echo "  second gateway did not start: $(tail -n 3 "$work/gw2/charon.out" 2>/dev/null)"
        return 1
    } ;;
    esac
    veer_yaml "$mode" "$sock" >"$work/veer.yaml"
    # Info-level logs (no -v: a debug line per flood request would cost). A step whose
    # veer does not start within 60 s (a loaded machine) is reported and skipped.
    if ! VEER_LOG_OPT="" VEER_START_WAIT=600 veer_dp_try_start "$work/veer.yaml"; then
        echo "  veer did not start in 60 s: $(tail -n 3 "$work/veer.log")"
        step_stop "$mode" "$rate"
        return 1
    fi
    flood_clients_load "$clients"
    # All of charon's threads on CPU 0, with veer-flood (taskset: it forks none later).
    taskset -a -p -c 0 "$charon_pid" >/dev/null
    local -A c0=() c1=()
    local rss0 rss1 res=""
    rss0=$(veer_rss_kb)
    if [ "$rate" != none ]; then
        local r=$rate
        [ "$r" = max ] && r=0
        flood_out="$work/flood.$step_n.out"
        flood_start "$ns_gw" "net_memif0,role=client,socket=$sock" --rx-queues 2 --rate "$r" \
            --duration $((warmup + conn_timeout + 60)) "${flood_args[@]}"
        if ! wait_for 100 grep -q "gateway is at" "$flood_out"; then
            echo "  veer-flood did not start: $(tail -n 3 "$flood_out")"
            stop_pid "$flood_pid"
            flood_pid=""
            step_stop "$mode" "$rate"
            return 1
        fi
        rss0=$(veer_rss_kb)
    fi
    sample c0
    [ "$rate" != none ] && sleep "$warmup"
    bench_clients_connect "$ns_cl" "$work/cl/vici" "$clients" child "$conn_timeout"
    sample c1
    rss1=$(veer_rss_kb)
    local adm
    adm=$(veer_admission)
    if [ -n "$flood_pid" ]; then
        flood_stop
        res=$(grep '^RESULT ' "$flood_out" | tail -n1)
    fi
    local ok med max here there
    read -r ok med max < <(bench_clients_summary)
    read -r here there < <(clients_where)
    local gw2_est=-
    [ "$mode" != cookie ] && gw2_est=$(gw2_vici --list-sas 2>/dev/null | grep -c ESTABLISHED)
    local s=0 sent=0 full=0
    if [ -n "$res" ]; then
        s=$(field seconds "$res")
        sent=$(field sent "$res")
        full=$(field tx_full "$res")
    fi
    local line
    line=$(awk -v m="$mode" -v r="$rate" -v ok="$ok" -v h="$here" -v e="$there" -v med="$med" \
        -v max="$max" -v t0="${c0[.t]}" -v t1="${c1[.t]}" \
        -v rx0="${c0[rx_packets]:-}" -v rx1="${c1[rx_packets]:-}" \
        -v ck0="${c0[gate_cookies]:-0}" -v ck1="${c1[gate_cookies]:-0}" \
        -v rd0="${c0[gate_redirects]:-0}" -v rd1="${c1[gate_redirects]:-0}" \
        -v adm="${c1[gate_admitted]:-0}" -v cka="${c1[gate_cookie_admitted]:-0}" \
        -v cf="${c1[gate_cookie_first]:-0}" -v srv="${c1[gate_cookie_served_redirect_capable]:-0}" \
        -v rs="${c1[gate_redirect_saturated]:-0}" -v ro="${c1[gate_redirect_over_rate]:-0}" \
        -v ring="${c1[drop_ring_full]:-0}" -v rss0="$rss0" -v rss1="$rss1" \
        -v s="$s" -v sent="$sent" -v full="$full" 'BEGIN {
            d = t1 - t0; if (d <= 0) d = 1
            fs = (s > 0) ? s : 1
            # -1: a telemetry read got no answer, the rate is unknown.
            at = (rx0 == "" || rx1 == "") ? -1 : (rx1 - rx0) / d
            printf "%s|%s|%.0f|%d|%d|%d|%s|%s|%.0f|%.0f|%d|%d|%d|%d|%d|%d|%d|%d|%d|%.0f|%.0f",
                m, r, at, ok, h, e, med, max, (ck1 - ck0) / d, (rd1 - rd0) / d,
                adm, cka, cf, srv, rs, ro, ring, rss0, rss1, sent / fs, full / fs
        }')
    results+=("$line")
    local at_worker
    at_worker=$(cut -d'|' -f3 <<<"$line")
    echo "  [${SECONDS}s] offered $rate, at veer's worker $at_worker/s: $ok/$clients clients" \
        "($here here, $there elsewhere; median $med s, max $max s)"
    echo "    gate: cookies $(cut -d'|' -f9 <<<"$line")/s, redirects $(cut -d'|' -f10 <<<"$line")/s;" \
        "admitted ${c1[gate_admitted]:-?}, cookie_admitted ${c1[gate_cookie_admitted]:-?}," \
        "cookie_first ${c1[gate_cookie_first]:-?}, served_redirect_capable" \
        "${c1[gate_cookie_served_redirect_capable]:-?}, redirect_saturated" \
        "${c1[gate_redirect_saturated]:-?}, redirect_over_rate ${c1[gate_redirect_over_rate]:-?};" \
        "ring drops ${c1[drop_ring_full]:-?}; RSS $rss0 -> $rss1 KiB"
    echo "    admission: $adm; second gateway: $gw2_est IKE SAs"
    [ -n "$res" ] && echo "    veer-flood: ${res#RESULT }"
    if [ "$ok" -lt "$clients" ]; then
        grep -h -i "fail\|timeout\|establishing" "$work"/init.* 2>/dev/null | sort | uniq -c |
            head -n 3 | sed 's/^/    /'
    fi
    step_stop "$mode" "$rate"
    [ "$ok" -ge "$clients" ]
}

# Stops the step's veer, clients and second gateway; keeps their logs as $1-$2-*.
step_stop() {
    # The second gateway first: lab_stop_both waits for every child left.
    if [ -n "${b_pid:-}" ]; then
        stop_pid "$b_pid"
        b_pid=""
        [ -f "$work/gw2/charon.log" ] && mv "$work/gw2/charon.log" "$work/$1-$2-gw2.log"
    fi
    lab_stop_both "$1-$2"
    rm -rf "/var/run/dpdk/$tag"
}

bench_mode() {
    local mode=$1 rate
    echo "== $mode [${SECONDS}s]"
    for rate in $rates; do
        if ! step "$mode" "$rate" && [ "$all_steps" != 1 ]; then
            echo "  (not every client connected: higher rates skipped; BENCH_ALL_STEPS=1 runs them)"
            break
        fi
    done
}

# ------------------------------------------------------------------ output
print_table() {
    echo
    echo "== $clients strongSwan clients (af_packet) under a spoofed IKE_SA_INIT flood over memif," \
        "${conn_timeout} s timeout; veer's worker on CPU 1, veer-flood and clients on CPU 0"
    local fmt='%-14s %7s %9s %7s %4s %4s %6s %6s %9s %9s %6s %6s %6s %6s %6s %5s %12s\n'
    # shellcheck disable=SC2059 # the format is ours
    printf "$fmt" mode offered at-worker clients here else med-s max-s cookie/s redir/s admit \
        ck-adm ck-1st served r-sat ring "RSS KiB"
    local r
    for r in "${results[@]}"; do
        IFS='|' read -r m rate at ok h e med max ck rd adm cka cf srv rs _ ring rss0 rss1 _ <<<"$r"
        # shellcheck disable=SC2059
        printf "$fmt" "$m" "$rate" "$at" "$ok/$clients" "$h" "$e" "$med" "$max" "$ck" "$rd" "$adm" \
            "$cka" "$cf" "$srv" "$rs" "$ring" "$rss0>$rss1"
    done
    echo "(offered: veer-flood's --rate, max = flat out; at-worker: requests/s veer's worker read"
    echo " (rx_packets over the step; -1: its telemetry did not answer); clients: connected within"
    echo " ${conn_timeout} s, here: to veer, else: to the second gateway; med-s/max-s: their connect"
    echo " times; cookie/s, redir/s: the worker's stateless replies; admit: gate_admitted (by rate),"
    echo " ck-adm: gate_cookie_admitted, ck-1st: gate_cookie_first, served:"
    echo " gate_cookie_served_redirect_capable, r-sat: gate_redirect_saturated; ring: drop_ring_full;"
    echo " RSS at flood start > at the end)"
    echo
    local mode
    for mode in $modes; do
        local best=-1 line="none"
        for r in "${results[@]}"; do
            IFS='|' read -r m rate at ok h e med max _ <<<"$r"
            if [ "$m" != "$mode" ] || [ "$ok" -lt "$clients" ] || [ "$at" -le "$best" ]; then
                continue
            fi
            best=$at
            line="$at/s (median $med s, max $max s; $h here, $e elsewhere; offered $rate)"
        done
        echo "$mode: largest flood rate with $clients/$clients connected: $line"
    done
}

# The table as CSV in $1, the connect times (long form, for the plot) in $2.
write_csv() {
    local r
    {
        echo "mode,offered,flood_rate_per_s,clients,connected,connected_here,connected_elsewhere,median_s,max_s,cookies_per_s,redirects_per_s,gate_admitted,gate_cookie_admitted,gate_cookie_first,gate_cookie_served_redirect_capable,gate_redirect_saturated,gate_redirect_over_rate,drop_ring_full,rss_start_kib,rss_end_kib,flood_sent_per_s,flood_tx_full_per_s"
        for r in "${results[@]}"; do
            IFS='|' read -r m rate at ok rest <<<"$r"
            echo "$m,$rate,$at,$clients,$ok,${rest//|/,}" | sed 's/,-,/,,/g; s/,-,/,,/g'
        done
    } >"$1"
    # Sorted by the measured rate within each series, which need not rise
    # with the offered one, so that the plot's lines go left to right.
    {
        echo "series,flood_rate_per_s,connect_s"
        for r in "${results[@]}"; do
            IFS='|' read -r m _ at ok _ _ med max _ <<<"$r"
            [ "$ok" -gt 0 ] || continue
            echo "$m median,$at,$med"
            echo "$m max,$at,$max"
        done | sort -t, -k1,1 -k2,2n
    } >"$2"
}

output_files() {
    local dir
    if [ -f "$top/scripts/lib-plot.sh" ]; then
        # shellcheck source=/dev/null # written alongside
        . "$top/scripts/lib-plot.sh"
        dir=$(bench_csv_dir)
    else
        dir=${BENCH_OUT:-$build/bench-out}
        mkdir -p "$dir"
    fi
    local csv=$dir/bench-flood-memif.csv times=$dir/bench-flood-memif-connect.csv
    write_csv "$csv" "$times"
    echo "csv: $csv, $times"
    if [ -f "$top/scripts/lib-plot.sh" ]; then
        bench_plot --csv "$times" --out "$dir/bench-flood-memif.png" \
            --title "$clients strongSwan clients under a spoofed IKE_SA_INIT flood over memif" \
            --x flood_rate_per_s --y connect_s --series series \
            --xlabel "flood at veer's worker (requests/s)" --ylabel "connect time (s)" --style lines &&
            echo "plot: $dir/bench-flood-memif.png"
    else
        echo "plot skipped: scripts/lib-plot.sh missing"
    fi
}

# ------------------------------------------------------------------ main
btype=$(grep -o '"buildtype", "value": "[a-z]*"' "$build/meson-info/intro-buildoptions.json" 2>/dev/null |
    sed 's/.*"\([a-z]*\)"$/\1/')
echo "bench-flood-memif: $(date -u +%FT%TZ), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg);" \
    "$clients clients, rates: $rates; modes: $modes; $build (${btype:-?})"
for mode in $modes; do
    case $mode in
    cookie | redirect | redirect-first) bench_mode "$mode" ;;
    *) echo "bench-flood-memif: unknown mode '$mode'" ;;
    esac
done
print_table
output_files
echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg) ($(date -u +%FT%TZ), ${SECONDS} s)"
