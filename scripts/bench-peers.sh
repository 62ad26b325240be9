#!/usr/bin/env bash
# Stateless IKE_SA_INIT replies per core: veer's workers beside the two
# open-source peers that answer without state, under the same generator
# (app/veer-flood) in the same run:
#
#   libreswan 4.10 pluto, global-redirect=yes    -> REDIRECT (RFC 5685)
#   strongSwan 5.9.8 charon, cookie_threshold=1  -> COOKIE   (RFC 7296 2.6)
#   veer, admission on with a redirect target    -> REDIRECT
#   veer, admission on without targets           -> COOKIE
#
# Each peer answers on a veth in its own network namespace; veer-flood sends
# from the other end of the veth (a DPDK af_packet port in a generator
# namespace) pinned to CPU 0, the peer is pinned to CPU 1. veer is measured
# over the same kind of port and also over net_memif (no kernel in the path).
# Every run gives replies/s by kind (veer-flood's RESULT line) and the CPU
# time the peer used (/proc/PID/stat utime+stime), hence replies per
# CPU-second. Benchmarks print figures; they never pass or fail.
#
#   sudo scripts/bench-peers.sh                 # 3 s per run, best of 2 (about 2 minutes)
#   BENCH_SECONDS=5 BENCH_REPEAT=3 sudo scripts/bench-peers.sh
#   KEEP_WORK=1 ...                             # keep the configs and logs (pluto.log, ...)
#   BUILD_DIR=build-bench sudo scripts/bench-peers.sh
#   BENCH_ONLY="libreswan veer" ...             # a subset: libreswan strongswan veer memif
#
# The table also goes to CSV (scripts/lib-plot.sh) in build/bench-out (BENCH_OUT):
# bench-peers-replies.csv, and bench-peers-flat-out.csv/.png: the runs at veer-flood's
# full rate, replies/s per responder and reply kind.
#
# libreswan conflicts with strongSwan in Debian, so it is not installed: its
# .deb is fetched with `apt-get download` into BENCH_CACHE (default
# /var/cache/veer-bench), unpacked with `dpkg -x`, and pluto runs from there
# in a private mount namespace where the unpacked usr/libexec is bound over
# /usr/libexec (pluto runs /usr/libexec/ipsec/addconn itself). It needs
# libnss3-tools, libldns3 and libevent-pthreads-2.1-7 (scripts/install-deps.sh).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/lib-peers.sh
source "$top/scripts/lib-peers.sh"
# shellcheck source=scripts/lib-plot.sh
source "$top/scripts/lib-plot.sh"
build=$(cd "${BUILD_DIR:-$top/build}" 2>/dev/null && pwd) || {
    echo "bench-peers: build dir ${BUILD_DIR:-$top/build} missing (meson setup build && ninja -C build)" >&2
    exit 1
}
secs=${BENCH_SECONDS:-3}
repeat=${BENCH_REPEAT:-2}
only=${BENCH_ONLY:-libreswan strongswan veer memif}
cache=${BENCH_CACHE:-/var/cache/veer-bench}
flood=$build/app/veer-flood/veer-flood
veer=$build/app/veer/veer
tag="vb$$"
ns_gen="${tag}gen"
ns_peer="${tag}peer"
if_gen="${tag}g" # veer-flood's end: DPDK af_packet, no address
if_peer="${tag}p" # the peer's end: 198.51.100.1 (or veer's af_packet port)
gw=198.51.100.1
redirect_to=192.0.2.77
psk="bench-peers-psk-$(date +%s)"
hz=$(getconf CLK_TCK)

peer_pid=""
probe_pid=""
work=""
results=() # "peer|port|kind|offered|sent_ps|replies_ps|other|cpu_s|per_cpu"

die() {
    echo "bench-peers: $*" >&2
    exit 1
}

cleanup() {
    [ -n "$probe_pid" ] && kill "$probe_pid" 2>/dev/null
    stop_peer
    ip netns del "$ns_peer" 2>/dev/null
    ip netns del "$ns_gen" 2>/dev/null
    remove_work
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Stops the peer we started.
stop_peer() {
    stop_pid "$peer_pid"
    peer_pid=""
}

# A fresh pair of namespaces: the generator's veth end (no address, checksums
# computed in software anyway by DPDK) and the peer's end. $1 = "kernel" gives
# the peer's end the gateway address, a route to the made-up clients (on-link:
# veer-flood answers ARP for them) and TX checksums done in software, so that
# the af_packet port on the other side receives complete packets (docs/lab.md).
topology() {
    ip netns del "$ns_peer" 2>/dev/null
    ip netns del "$ns_gen" 2>/dev/null
    ip netns add "$ns_gen" || die "ip netns add failed (root?)"
    ip netns add "$ns_peer"
    ip -n "$ns_gen" link set lo up
    ip -n "$ns_peer" link set lo up
    veth_pair "$ns_gen" "$if_gen" "$ns_peer" "$if_peer"
    if [ "$1" = kernel ]; then
        ip -n "$ns_peer" addr add "$gw/24" dev "$if_peer"
        ip -n "$ns_peer" route add 203.0.113.0/24 dev "$if_peer"
    fi
}

# One veer-flood run; prints its RESULT line (empty on failure). $1: device,
# $2: netns or "-", $3: rate, then extra veer-flood options.
flood_run() {
    local dev=$1 ns=$2 rate=$3
    shift 3
    local -a pre=(taskset -c 0)
    [ "$ns" != - ] && pre=(taskset -c 0 ip netns exec "$ns")
    timeout $((${secs%.*} + 30)) "${pre[@]}" "$flood" -l 0 --no-huge -m 256 --no-pci \
        --file-prefix "${tag}f" --log-level=lib.eal:error -- --device "$dev" \
        --local 198.51.100.2/24 --dst "$gw" --rate "$rate" --duration "$secs" --stats 0 "$@" \
        >"$work/flood.out" 2>&1
    local rc=$?
    [ "$rc" = 0 ] || echo "veer-flood exited with $rc" >>"$work/flood.out"
    grep '^RESULT ' "$work/flood.out" | tail -n1
}

# Measures the running peer ($peer_pid) BENCH_REPEAT times; records the best
# run by replies/s. $1 peer, $2 port, $3 kind (redirect|cookie), $4 rate, $5 device,
# $6 netns, then veer-flood options.
measure() {
    local peer=$1 port=$2 kind=$3 rate=$4 dev=$5 ns=$6
    shift 6
    local best="" best_rps=-1 i
    for i in $(seq "$repeat"); do
        local t0 t1 res
        t0=$(cpu_ticks "$peer_pid")
        res=$(flood_run "$dev" "$ns" "$rate" "$@")
        if [ -z "$res" ]; then # one retry, so that a hiccup does not lose the row
            cp "$work/flood.out" "$work/flood.failed"
            sleep 1
            t0=$(cpu_ticks "$peer_pid")
            res=$(flood_run "$dev" "$ns" "$rate" "$@")
        fi
        t1=$(cpu_ticks "$peer_pid")
        if [ -z "$res" ]; then
            echo "  run $i: veer-flood failed:"
            tail -n 5 "$work/flood.out" | sed 's/^/    /'
            continue
        fi
        local s sent n all cpu
        s=$(field seconds "$res")
        sent=$(field sent "$res")
        n=$(field "$kind" "$res")
        all=0
        for k in redirect cookie sa_init invalid_ke error not_ours malformed; do
            all=$((all + $(field "$k" "$res")))
        done
        cpu=$(awk -v a="$t0" -v b="$t1" -v hz="$hz" 'BEGIN {printf "%.2f", (b - a) / hz}')
        local line
        line=$(awk -v p="$peer" -v port="$port" -v k="$kind" -v r="$rate" -v s="$s" \
            -v sent="$sent" -v n="$n" -v all="$all" -v cpu="$cpu" 'BEGIN {
                rps = n / s
                printf "%s|%s|%s|%s|%.0f|%.0f|%d|%.2f|%s", p, port, k, (r == 0 ? "max" : r),
                    sent / s, rps, all - n, cpu, (cpu > 0 ? sprintf("%.0f", n / cpu) : "-")
            }')
        echo "  run $i [${SECONDS}s]: ${res#RESULT }"
        echo "         peer CPU ${cpu} s"
        local rps
        rps=$(cut -d'|' -f6 <<<"$line")
        if [ "$rps" -gt "$best_rps" ]; then
            best_rps=$rps
            best=$line
        fi
    done
    [ -n "$best" ] && results+=("$best")
    last_rps=$best_rps
}

# Proof that the peer answers a real IKE_SA_INIT as expected: a few
# requests at 20/s, the replies captured on the generator's veth and
# dissected by tshark (exchange, notify type, REDIRECT's new gateway).
# $1: veer-flood options.
probe() {
    command -v tshark >/dev/null || {
        echo "  (tshark missing: no capture)"
        return
    }
    local cap=$work/probe.pcap
    rm -f "$cap"
    ip netns exec "$ns_gen" timeout 15 tshark -i "$if_gen" -f "udp and src host $gw" -c 3 \
        -w "$cap" >"$work/tshark.out" 2>&1 &
    local tpid=$!
    probe_pid=$tpid
    wait_for 100 grep -q "Capturing on" "$work/tshark.out"
    flood_run "net_af_packet0,iface=$if_gen" "$ns_gen" 20 "$@" >/dev/null
    for _ in $(seq 50); do
        kill -0 "$tpid" 2>/dev/null || break
        sleep 0.1
    done
    kill "$tpid" 2>/dev/null
    wait "$tpid" 2>/dev/null
    probe_pid=""
    echo "  tshark on the first replies: src, dst, exchange (34 IKE_SA_INIT), notify types" \
        "(16407 REDIRECT, 16390 COOKIE), REDIRECT's gateway:"
    tshark -r "$cap" -Y isakmp -T fields -e ip.src -e ip.dst -e isakmp.exchangetype \
        -E occurrence=a -e isakmp.notify.msgtype -e isakmp.notify.data.redirect.new_resp_gw_ident.ipv4 \
        2>/dev/null | head -n 3 | sed 's/^/    /'
}

# Just above what the peer answered flat out: 25% more, in thousands.
above() { echo $(((${1:-0} * 5 / 4 + 999) / 1000 * 1000)); }

# ---------------------------------------------------------------- libreswan
libreswan_start() {
    local root=$1 d=$work/ls
    mkdir -p "$d/nss" "$d/run" "$d/ipsec.d"
    certutil -N --empty-password -d "sql:$d/nss" || return 1
    (umask 077 && printf '@gw.example %%any : PSK "%s"\n' "$psk" >"$d/ipsec.secrets")
    cat >"$d/ipsec.conf" <<EOF
config setup
    global-redirect=yes
    global-redirect-to=$redirect_to
    ipsecdir=$d/ipsec.d
    nssdir=$d/nss
    secretsfile=$d/ipsec.secrets
    dumpdir=$d/run
    listen=$gw

conn any
    authby=secret
    left=$gw
    leftid=@gw.example
    leftsubnet=10.2.0.0/24
    right=%any
    rightid=%any
    rightsubnet=10.1.0.0/16
    ike=aes_gcm128-sha2_256;dh31
    esp=aes_gcm128
    auto=add
EOF
    taskset -c 1 ip netns exec "$ns_peer" unshare -m sh -c "mount -t tmpfs tmpfs /run &&
        mount --bind $root/usr/libexec /usr/libexec &&
        exec /usr/libexec/ipsec/pluto --nofork --stderrlog --config $d/ipsec.conf \
            --rundir $d/run --nssdir $d/nss --secretsfile $d/ipsec.secrets" \
        >"$work/pluto.log" 2>&1 &
    peer_pid=$!
    wait_for 100 grep -q 'loading secrets' "$work/pluto.log" &&
        wait_for 50 grep -q "added IKEv2 connection" "$work/pluto.log" || return 1
    # The configuration already says it; whack makes sure and shows it took.
    ip netns exec "$ns_peer" "$root/usr/libexec/ipsec/whack" --rundir "$d/run" \
        --global-redirect yes --global-redirect-to "$redirect_to" >"$work/whack.out" 2>&1
    return 0
}

bench_libreswan() {
    echo "== libreswan 4.10 pluto (global-redirect=yes), af_packet generator [${SECONDS}s]"
    local root
    root=$(libreswan_root) || {
        echo "  libreswan could not be prepared: skipped"
        return
    }
    topology kernel
    if ! libreswan_start "$root"; then
        echo "  pluto did not start:"
        grep -v '^.\{26\}  \|testing' "$work/pluto.log" | tail -n 15 | sed 's/^/    /'
        stop_peer
        return
    fi
    echo "  pluto pid $peer_pid on CPU $(taskset -pc "$peer_pid" | sed 's/.*: //');" \
        "whack: $(sed 's/^[0-9]* //' "$work/whack.out" | paste -sd ';')"
    probe
    local dev="net_af_packet0,iface=$if_gen"
    measure libreswan af_packet redirect 0 "$dev" "$ns_gen"
    ls_rate=$(above "$last_rps")
    [ "$ls_rate" -gt 0 ] && measure libreswan af_packet redirect "$ls_rate" "$dev" "$ns_gen"
    echo "  pluto said: $(grep -c 'with unencrypted notification REDIRECT' "$work/pluto.log") REDIRECT log lines"
    stop_peer
}

# --------------------------------------------------------------- strongSwan
charon_start() {
    local d=$work/ss
    mkdir -p "$d"
    # Threshold 1: once one IKE_SA_INIT is half open (the first request gets a
    # full reply and its SA stays half open for half_open_timeout), every new
    # request is answered with a COOKIE by the receiver thread, statelessly.
    cat >"$d/strongswan.conf" <<EOF
charon {
  load_modular = no
  load = random nonce kdf openssl pem pkcs1 x509 pubkey kernel-netlink socket-default vici
  install_routes = no
  cookie_threshold = 1
  cookie_threshold_ip = 1
  half_open_timeout = 120
  plugins {
    vici { socket = unix://$d/vici }
  }
  filelog {
    ss {
      path = $work/charon.log
      default = 1
    }
  }
}
EOF
    (umask 077 && cat >"$d/swanctl.conf" <<EOF
connections {
  any {
    local_addrs = $gw
    proposals = aes128gcm16-prfsha256-x25519, default
    local { auth = psk
            id = gw.example }
    remote { auth = psk }
    children { c { local_ts = 10.2.0.0/24
                   remote_ts = 10.1.0.0/16
                   esp_proposals = aes128gcm16 } }
  }
}
secrets { ike-any { secret = "$psk" } }
EOF
)
    taskset -c 1 ip netns exec "$ns_peer" unshare -m sh -c "mount -t tmpfs tmpfs /run &&
        STRONGSWAN_CONF=$d/strongswan.conf exec /usr/lib/ipsec/charon" >"$work/charon.out" 2>&1 &
    peer_pid=$!
    wait_for 100 swanctl --stats --uri "unix://$d/vici" || return 1
    swanctl --load-all --file "$d/swanctl.conf" --uri "unix://$d/vici" >"$work/swanctl.out" 2>&1
}

bench_strongswan() {
    echo "== strongSwan 5.9.8 charon (cookie_threshold=1), af_packet generator [${SECONDS}s]"
    [ -x /usr/lib/ipsec/charon ] || {
        echo "  strongswan-charon not installed: skipped"
        return
    }
    topology kernel
    if ! charon_start; then
        echo "  charon did not start:"
        tail -n 15 "$work/charon.out" "$work/charon.log" 2>/dev/null | sed 's/^/    /'
        stop_peer
        return
    fi
    echo "  charon pid $peer_pid on CPU $(taskset -pc "$peer_pid" | sed 's/.*: //');" \
        "swanctl: $(grep '^loaded\|^successfully' "$work/swanctl.out" | paste -sd ';')"
    probe --no-redirect-supported
    local dev="net_af_packet0,iface=$if_gen"
    measure strongswan af_packet cookie 0 "$dev" "$ns_gen" --no-redirect-supported
    ss_rate=$(above "$last_rps")
    [ "$ss_rate" -gt 0 ] && measure strongswan af_packet cookie "$ss_rate" "$dev" "$ns_gen" --no-redirect-supported
    stop_peer
}

# --------------------------------------------------------------------- veer
veer_start() {
    local device=$1 admission=$2 ns=$3 d=$work/veer
    mkdir -p "$d"
    (umask 077 && printf '%s\n' "$psk" >"$d/psk")
    cat >"$d/veer.yaml" <<EOF
dataplane:
  workers: 1
  idle_sleep_us: 100
  mbufs: 16384
  admission:
$admission
  ports:
    - name: outside
      device: $device
      address: $gw/24
peers:
  - name: any
    local_id: gw.example
    remote_id: '%any'
    psk_file: $d/psk
    ike_proposals: [aes128gcm16-prfsha256-x25519]
    esp_proposals: [aes128gcm16]
    local_ts: [10.2.0.0/24]
    remote_ts: [10.1.0.0/16]
EOF
    local -a pre=(taskset -c 1)
    [ "$ns" != - ] && pre=(taskset -c 1 ip netns exec "$ns")
    "${pre[@]}" "$veer" --lcores '0@1,1@1' --no-huge -m 512 --no-pci --file-prefix "${tag}v" \
        --log-level=lib.eal:error -- -c "$d/veer.yaml" >"$work/veer.log" 2>&1 &
    peer_pid=$!
    wait_for 150 grep -q "veer running" "$work/veer.log"
}

# $1 port (af_packet|memif), $2 kind, then rates to measure at (0 = flat out).
bench_veer_one() {
    local port=$1 kind=$2
    shift 2
    local admission="    mode: on"
    [ "$kind" = redirect ] && admission="    mode: on
    redirect_to: [$redirect_to]"
    local -a opts=()
    [ "$kind" = cookie ] && opts=(--no-redirect-supported)
    local dev ns dev_flood ns_flood
    if [ "$port" = memif ]; then
        rm -f "$work/memif.sock"
        dev="net_memif0,role=server,socket=$work/memif.sock"
        ns=-
        dev_flood="net_memif0,role=client,socket=$work/memif.sock"
        ns_flood=-
        opts+=(--rx-queues 2)
    else
        topology dpdk
        dev="net_af_packet0,iface=$if_peer"
        ns=$ns_peer
        dev_flood="net_af_packet0,iface=$if_gen"
        ns_flood=$ns_gen
    fi
    if ! veer_start "$dev" "$admission" "$ns"; then
        echo "  veer did not start:"
        tail -n 15 "$work/veer.log" | sed 's/^/    /'
        stop_peer
        return
    fi
    echo "  veer ($kind, $port) pid $peer_pid on CPU $(taskset -pc "$peer_pid" | sed 's/.*: //')"
    local rate
    for rate in "$@"; do
        [ -n "$rate" ] || continue
        measure veer "$port" "$kind" "$rate" "$dev_flood" "$ns_flood" "${opts[@]}"
    done
    echo "  veer's own counters (redirects cookies): $(veer_gate_replies "${tag}v")"
    stop_peer
}

bench_veer() {
    echo "== veer, af_packet (the same kind of port as the peers) [${SECONDS}s]"
    [ -x "$veer" ] || {
        echo "  $veer not built: skipped"
        return
    }
    bench_veer_one af_packet redirect 0 "${ls_rate:-}"
    bench_veer_one af_packet cookie 0 "${ss_rate:-}"
}

bench_memif() {
    echo "== veer, net_memif (no kernel between generator and veer) [${SECONDS}s]"
    [ -x "$veer" ] || return
    bench_veer_one memif redirect 0
    bench_veer_one memif cookie 0
}

# -------------------------------------------------------------------- table
print_table() {
    echo
    echo "== stateless IKE_SA_INIT replies: ${secs} s per run, best of $repeat;" \
        "veer-flood on CPU 0, the peer on CPU 1"
    local ls_rps="" ss_rps="" ls_pc="" ss_pc="" r
    for r in "${results[@]}"; do
        IFS='|' read -r p port k off sent rps other cpu pc <<<"$r"
        [ "$off" = max ] || continue
        [ "$p" = libreswan ] && ls_rps=$rps ls_pc=$pc
        [ "$p" = strongswan ] && ss_rps=$rps ss_pc=$pc
    done
    printf '%-10s %-9s %-8s %9s %9s %10s %6s %7s %11s %13s\n' peer port reply offered sent/s \
        replies/s other cpu-s replies/cpu-s "veer x (cpu)"
    local out csv flat
    out=$(bench_csv_dir)
    csv=$out/bench-peers-replies.csv flat=$out/bench-peers-flat-out.csv
    bench_csv_header "$csv" peer port reply offered sent/s replies/s other cpu-s replies/cpu-s "veer x (cpu)"
    bench_csv_header "$flat" responder reply replies/s replies/cpu-s
    for r in "${results[@]}"; do
        IFS='|' read -r p port k off sent rps other cpu pc <<<"$r"
        local x="" base="" basepc=""
        if [ "$p" = veer ] && [ "$off" = max ]; then
            [ "$k" = redirect ] && base=$ls_rps basepc=$ls_pc
            [ "$k" = cookie ] && base=$ss_rps basepc=$ss_pc
            if [ -n "$base" ] && [ "$base" -gt 0 ]; then
                x=$(awk -v a="$rps" -v b="$base" -v pa="$pc" -v pb="$basepc" 'BEGIN {
                    s = sprintf("%.1f", a / b)
                    if (pa ~ /^[0-9]+$/ && pb ~ /^[0-9]+$/ && pb > 0) s = s sprintf(" (%.1f)", pa / pb)
                    print s }')
            fi
        fi
        printf '%-10s %-9s %-8s %9s %9s %10s %6s %7s %11s %13s\n' "$p" "$port" "$k" "$off" "$sent" \
            "$rps" "$other" "$cpu" "$pc" "$x"
        bench_csv_row "$csv" "$p" "$port" "$k" "$off" "$sent" "$rps" "$other" "$cpu" "$pc" "${x:--}"
        [ "$off" = max ] && bench_csv_row "$flat" "$p ($port)" "$k" "$rps" "$pc"
    done
    echo "(offered: veer-flood's --rate, max = flat out; sent/s: what it managed; other: replies"
    echo " of another kind; veer x: replies/s over the peer's at max rate for the same reply"
    echo " kind, and in brackets the same per CPU-second)"
    bench_plot --csv "$flat" --out "${flat%.csv}.png" --style bars --x reply --y replies/s \
        --series responder --title "Stateless IKE_SA_INIT replies, veer-flood flat out, one responder CPU" \
        --xlabel "reply kind" --ylabel "replies per second (best of $repeat runs of ${secs} s)" || true
    echo
    bench_outputs
}

# --------------------------------------------------------------------- main
[ "$(id -u)" = 0 ] || die "needs root (network namespaces)"
[ -x "$flood" ] || die "$flood not built"
command -v ethtool >/dev/null || die "ethtool missing (scripts/install-deps.sh)"
work=$(mktemp -d /tmp/veer-bench-peers.XXXXXX)
chmod 700 "$work"
btype=$(grep -o '"buildtype", "value": "[a-z]*"' "$build/meson-info/intro-buildoptions.json" 2>/dev/null |
    sed 's/.*"\([a-z]*\)"$/\1/')
echo "bench-peers: $(date -u +%FT%TZ), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)," \
    "$secs s per run, best of $repeat; $build (${btype:-?})"
ls_rate=""
ss_rate=""
for what in $only; do
    case $what in
    libreswan) bench_libreswan ;;
    strongswan) bench_strongswan ;;
    veer) bench_veer ;;
    memif) bench_memif ;;
    *) echo "bench-peers: unknown part '$what'" ;;
    esac
done
print_table
