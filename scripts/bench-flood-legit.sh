#!/usr/bin/env bash
# The largest flood rate at which all legitimate clients still connect, for
# veer and the two open-source peers under the same generator, in one run.
#
# For each responder and each flood rate (a fresh responder per step):
#   - app/veer-flood sends spoofed new IKE_SA_INITs from 198.51.100.128/25 (the
#     sources never answer, so every reply they get is wasted work) at the
#     step's rate, without N(REDIRECT_SUPPORTED) (the costlier case for every
#     responder: a COOKIE, not a REDIRECT), from a generator namespace over a
#     DPDK af_packet port, to the responder's address (198.51.100.1) through
#     the same bridge and link as the clients;
#   - after BENCH_WARMUP (5) s of flood, BENCH_CLIENTS (20) strongSwan 5.9.8
#     clients in their own namespace (198.51.100.10..) start at once, each `swanctl --initiate --timeout BENCH_TIMEOUT` (30 s), with
#     strongSwan's default retransmissions (4 s, then x1.8);
#   - recorded: clients established, median and max time to establish, the
#     replies veer-flood counted by kind, the packets that reached the
#     responder's namespace and (UDP socket daemons) the socket's receive
#     buffer overflows, the responder's CPU seconds (/proc/PID/stat
#     utime+stime, all threads) over the flood.
# Higher rates are skipped once a rate leaves a client out (BENCH_ALL_STEPS=1 runs them).
# veer-flood and the clients' charon are pinned to CPU 0, the responder (all
# its threads, and the second gateway of the REDIRECT variants) to CPU 1.
# Benchmarks print figures; they never pass or fail.
#
# Responders (BENCH_ONLY, in this order by default):
#   veer               app/veer, one af_packet port, admission `auto` (default
#                      rate, lowered to 3/4 of the control lcore's measured
#                      capacity), no redirect target: everybody held back gets a COOKIE
#   veer-redirect      the same with `redirect_to: [192.0.2.77]`: clients held
#                      back (they announce REDIRECT_SUPPORTED) go to a second
#                      gateway; the flood (which does not) still gets COOKIEs
#   strongswan         charon 5.9.8 with strongSwan's DoS defaults: COOKIE from
#                      30 half-open IKE SAs (cookie_threshold), 3 per IP,
#                      block_threshold 5, 16 threads
#   libreswan          pluto 4.10, ddos-mode=auto with ddos-ike-threshold=30
#                      (busy mode, i.e. COOKIEs, from 30 half-open IKE SAs,
#                      where strongSwan starts)
#   libreswan-redirect the same plus global-redirect=auto towards 192.0.2.77
# The second gateway (192.0.2.77, REDIRECT variants) is a strongSwan charon
# in its own namespace on a separate link from the clients; it is not flooded.
#
# libreswan's clients are childless (RFC 6023: IKE_SA_INIT + IKE_AUTH, no
# Child SA): this kernel has no ESP, so pluto (which installs Child SAs with
# XFRM) could not finish IKE_AUTH with one. strongSwan's responder is measured
# childless too, for the same exchanges as pluto; veer does not implement
# RFC 6023, so its clients negotiate one Child SA in IKE_AUTH (more work for veer).
#
#   sudo scripts/bench-flood-legit.sh
#   BENCH_RATES="none 10000 30000 60000 100000 150000 200000 max"  (flood
#                      requests/s; none: no flood, max: veer-flood flat out)
#   BENCH_WARMUP=5     (seconds of flood before the clients start)
#   BENCH_CLIENTS=20 BENCH_TIMEOUT=30 BENCH_ALL_STEPS=1 (keep stepping after a
#                      rate at which not every client connected)
#   BENCH_ONLY="veer strongswan" BUILD_DIR=build-bench KEEP_WORK=1
#
# libreswan is unpacked from its Debian .deb as in scripts/bench-peers.sh
# (BENCH_CACHE, default /var/cache/veer-bench; libnss3-tools, libldns3,
# libevent-pthreads-2.1-7 needed).
#
# Both tables also go to CSV (scripts/lib-plot.sh) in build/bench-out
# (BENCH_OUT): bench-flood-legit-clients.csv (the clients column split into
# clients and of) with two plots against the flood rate, one line per
# responder: connect time (median and max) and clients connected; and
# bench-flood-legit-largest.csv.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/lib-peers.sh
source "$top/scripts/lib-peers.sh"
# shellcheck source=scripts/lib-plot.sh
source "$top/scripts/lib-plot.sh"
build=$(cd "${BUILD_DIR:-$top/build}" 2>/dev/null && pwd) || {
    echo "bench-flood-legit: build dir ${BUILD_DIR:-$top/build} missing (meson setup build && ninja -C build)" >&2
    exit 1
}
clients=${BENCH_CLIENTS:-20}
rates=${BENCH_RATES:-none 10000 30000 60000 100000 150000 200000 max}
conn_timeout=${BENCH_TIMEOUT:-30}
all_steps=${BENCH_ALL_STEPS:-0}
only=${BENCH_ONLY:-veer veer-redirect strongswan libreswan libreswan-redirect}
cache=${BENCH_CACHE:-/var/cache/veer-bench}
warmup=${BENCH_WARMUP:-5} # seconds of flood before the clients start
flood=$build/app/veer-flood/veer-flood
veer=$build/app/veer/veer
tag="fl$$"
ns_cl="${tag}cl"  # the legitimate clients
ns_rs="${tag}rs"  # the responder under test
ns_gen="${tag}gn" # veer-flood
ns_b="${tag}b"    # the second gateway (REDIRECT target)
ns_sw="${tag}sw"  # the bridge that joins clients, veer-flood and the responder
gw=198.51.100.1   # the responder
flood_local=198.51.100.254 # veer-flood's own address
flood_src=198.51.100.128/25 # its made-up clients: on the link, veer-flood answers ARP for them
gw2=192.0.2.77
psk="bench-flood-legit-$(date +%s)"
hz=$(getconf CLK_TCK)

peer_pid=""
gw2_pid=""
client_pid=""
flood_pid=""
work=""
results=() # "responder|rate|sent_ps|ok|median|max|cookie_ps|redirect_ps|sa_init_ps|other|cpu_s|flood_s"

die() {
    echo "bench-flood-legit: $*" >&2
    exit 1
}

stop_all() {
    stop_pid "$flood_pid"
    flood_pid=""
    stop_pid "$client_pid"
    client_pid=""
    stop_pid "$peer_pid"
    peer_pid=""
    stop_pid "$gw2_pid"
    gw2_pid=""
    local ns
    for ns in "$ns_cl" "$ns_rs" "$ns_gen" "$ns_b" "$ns_sw"; do ip netns del "$ns" 2>/dev/null; done
    return 0
}

cleanup() {
    stop_all
    remove_work
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Fresh namespaces for one step. The clients and veer-flood reach the
# responder through one bridge, on the same link and the same address, as a
# flood on a gateway's public interface would: it shares the responder's
# socket (or af_packet ring) and receive path with the legitimate requests.
# $1 = kernel: the responder's end carries its address; dpdk: it stays bare
# (veer's af_packet port).
#   clients    ${tag}c 198.51.100.10.. --\
#   veer-flood ${tag}g (198.51.100.128/25) --+-- br0 --- ${tag}r responder 198.51.100.1
#   clients    ${tag}x 192.0.2.1       --- ${tag}y second gateway 192.0.2.77
topology() {
    local ns i
    for ns in "$ns_cl" "$ns_rs" "$ns_gen" "$ns_b" "$ns_sw"; do
        ip netns del "$ns" 2>/dev/null
        ip netns add "$ns" || die "ip netns add failed (root?)"
        ip -n "$ns" link set lo up
    done
    ip -n "$ns_sw" link add br0 type bridge || die "no bridge"
    veth_pair "$ns_cl" "${tag}c" "$ns_sw" "${tag}C"
    veth_pair "$ns_gen" "${tag}g" "$ns_sw" "${tag}G"
    veth_pair "$ns_rs" "${tag}r" "$ns_sw" "${tag}R"
    for i in C G R; do ip -n "$ns_sw" link set "${tag}$i" master br0; done
    ip -n "$ns_sw" link set br0 up
    veth_pair "$ns_cl" "${tag}x" "$ns_b" "${tag}y"
    for i in $(seq 0 $((clients - 1))); do
        ip -n "$ns_cl" addr add "198.51.100.$((10 + i))/24" dev "${tag}c"
        ip -n "$ns_cl" addr add "10.1.0.$((10 + i))/32" dev lo
    done
    ip -n "$ns_cl" addr add 192.0.2.1/24 dev "${tag}x"
    ip -n "$ns_b" addr add "$gw2/24" dev "${tag}y"
    # Redirected clients keep their source addresses (198.51.100.x).
    ip -n "$ns_b" route add 198.51.100.0/24 via 192.0.2.1
    # kernel-libipsec's routes need an address in the local traffic selector.
    ip -n "$ns_b" addr add 10.2.0.1/32 dev lo
    if [ "$1" = kernel ]; then
        ip -n "$ns_rs" addr add "$gw/24" dev "${tag}r"
    fi
}

# A strongSwan charon in namespace $1 with its own /run, config dir $2,
# pinned to CPU $3; $4: extra charon options. Prints its pid.
charon_in() {
    local ns=$1 d=$2 cpu=$3 extra=$4
    mkdir -p "$d"
    cat >"$d/strongswan.conf" <<EOF
charon {
  load_modular = no
  load = random nonce kdf openssl pem pkcs1 x509 pubkey kernel-libipsec kernel-netlink socket-default vici
  install_routes = no
  $extra
  plugins {
    vici { socket = unix://$d/vici }
    kernel-libipsec { allow_peer_ts = yes }
  }
  filelog {
    f {
      path = $d/charon.log
      default = 1
    }
  }
}
EOF
    taskset -c "$cpu" ip netns exec "$ns" unshare -m sh -c "mount -t tmpfs tmpfs /run &&
        STRONGSWAN_CONF=$d/strongswan.conf exec /usr/lib/ipsec/charon" >"$d/charon.out" 2>&1 &
    echo $!
}

vici() {
    local ns=$1 d=$2
    shift 2
    ip netns exec "$ns" swanctl "$@" --uri "unix://$d/vici"
}

# A responder's swanctl.conf: PSK, any client, one Child SA or none.
responder_swanctl() {
    cat <<EOF
connections {
  any {
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
}

# The second gateway (REDIRECT target), a charon on CPU 1.
gw2_start() {
    local d=$work/gw2
    gw2_pid=$(charon_in "$ns_b" "$d" 1 "")
    wait_for 100 vici "$ns_b" "$d" --stats || return 1
    (umask 077 && responder_swanctl >"$d/swanctl.conf")
    vici "$ns_b" "$d" --load-all --file "$d/swanctl.conf" >"$d/load.out" 2>&1
}

# ---------------------------------------------------------------- responders
strongswan_start() {
    local d=$work/ss
    # strongSwan's DoS defaults, written out: COOKIE once 30 IKE SAs are half
    # open (3 from one IP), ignore an IP with 5 half open, 16 threads.
    peer_pid=$(charon_in "$ns_rs" "$d" 1 "cookie_threshold = 30
  cookie_threshold_ip = 3
  block_threshold = 5
  threads = 16")
    wait_for 100 vici "$ns_rs" "$d" --stats || return 1
    (umask 077 && responder_swanctl >"$d/swanctl.conf")
    vici "$ns_rs" "$d" --load-all --file "$d/swanctl.conf" >"$d/load.out" 2>&1
}

# $1: the unpacked root, $2: yes to redirect clients to $gw2 in busy mode.
libreswan_start() {
    local root=$1 redirect=$2 d=$work/ls
    rm -rf "$d"
    mkdir -p "$d/nss" "$d/run" "$d/ipsec.d"
    certutil -N --empty-password -d "sql:$d/nss" || return 1
    (umask 077 && printf '@gw.example %%any : PSK "%s"\n' "$psk" >"$d/ipsec.secrets")
    local redir=""
    [ "$redirect" = yes ] && redir="    global-redirect=auto
    global-redirect-to=$gw2"
    cat >"$d/ipsec.conf" <<EOF
config setup
    ddos-mode=auto
    ddos-ike-threshold=30
$redir
    ipsecdir=$d/ipsec.d
    nssdir=$d/nss
    secretsfile=$d/ipsec.secrets
    dumpdir=$d/run

conn clients
    authby=secret
    left=$gw
    leftid=@gw.example
    right=%any
    rightid=%any
    ike=aes_gcm128-sha2_256;dh31
    esp=aes_gcm128
    auto=add
EOF
    taskset -c 1 ip netns exec "$ns_rs" unshare -m sh -c "mount -t tmpfs tmpfs /run &&
        mount --bind $root/usr/libexec /usr/libexec &&
        exec /usr/libexec/ipsec/pluto --nofork --stderrlog --config $d/ipsec.conf \
            --rundir $d/run --nssdir $d/nss --secretsfile $d/ipsec.secrets" \
        >"$d/pluto.log" 2>&1 &
    peer_pid=$!
    wait_for 100 grep -q 'loading secrets' "$d/pluto.log" &&
        wait_for 50 grep -q '"clients": added IKEv2 connection' "$d/pluto.log"
}

# $1: yes to redirect held-back clients to $gw2.
veer_start() {
    local redirect=$1 d=$work/veer
    mkdir -p "$d"
    (umask 077 && printf '%s\n' "$psk" >"$d/psk")
    local redir=""
    [ "$redirect" = yes ] && redir="    redirect_to: [$gw2]"
    cat >"$d/veer.yaml" <<EOF
dataplane:
  workers: 1
  idle_sleep_us: 100
  mbufs: 16384
  admission:
    mode: auto
$redir
  ports:
    - name: outside
      device: net_af_packet0,iface=${tag}r
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
    taskset -c 1 ip netns exec "$ns_rs" "$veer" --lcores '0@1,1@1' --no-huge -m 512 --no-pci \
        --file-prefix "${tag}v" --log-level=lib.eal:error -- -c "$d/veer.yaml" \
        >"$d/veer.log" 2>&1 &
    peer_pid=$!
    wait_for 150 grep -q "veer running" "$d/veer.log"
}

# veer's admission state and gate counters from its telemetry, one line.
veer_state() {
    local cmd out=""
    for cmd in /veer/admission /veer/workers; do
        out="$out $(echo "$cmd" | timeout 10 dpdk-telemetry.py -f "${tag}v" 2>/dev/null |
            /usr/bin/python3 -c '
import json, sys
t = sys.stdin.read()
s = t.find("{\"")
d = json.loads(t[s:t.rfind("}") + 1]) if s >= 0 else {}
for v in d.values():
    keep = ("rate", "capacity_sas_per_s", "overloaded", "gate_cookies", "gate_redirects",
            "gate_admitted", "gate_cookie_admitted", "drop_ring_full")
    print(" ".join("%s=%s" % (k, sum(x) if isinstance(x, list) else x)
                   for k, x in v.items() if k in keep))' 2>/dev/null)"
    done
    echo "$out"
}

# ------------------------------------------------------------------- clients
# The clients' swanctl.conf: one connection per client; $1 = childless for
# an IKE SA without Child SA (RFC 6023), else one Child SA in IKE_AUTH.
clients_swanctl() {
    local childless=$1 i
    echo "connections {"
    for i in $(seq 0 $((clients - 1))); do
        echo "  c$i {
    local_addrs = 198.51.100.$((10 + i))
    remote_addrs = $gw
    version = 2
    proposals = aes128gcm16-prfsha256-x25519
    local { auth = psk
            id = client$i.example }
    remote { auth = psk
             id = gw.example }"
        if [ "$childless" = childless ]; then
            echo "    childless = force"
        else
            echo "    children { c$i { local_ts = 10.1.0.$((10 + i))/32
                     remote_ts = 10.2.0.0/24
                     esp_proposals = aes128gcm16 } }"
        fi
        echo "  }"
    done
    echo "}"
    echo "secrets { ike-all { secret = \"$psk\" } }"
}

clients_start() {
    local d=$work/cl
    # Each blocking `swanctl --initiate` holds one of charon's threads until
    # it is done: enough threads that all of them leave some for the replies.
    client_pid=$(charon_in "$ns_cl" "$d" 0 "threads = $((clients + 16))")
    wait_for 100 vici "$ns_cl" "$d" --stats || return 1
    (umask 077 && clients_swanctl "$1" >"$d/swanctl.conf")
    vici "$ns_cl" "$d" --load-all --file "$d/swanctl.conf" >"$d/load.out" 2>&1
}

# ---------------------------------------------------------------------- flood
flood_start() {
    local rate=$1
    [ "$rate" = max ] && rate=0
    # Line-buffered, so that "gateway is at" shows while it runs.
    taskset -c 0 ip netns exec "$ns_gen" stdbuf -oL "$flood" -l 0 --no-huge -m 256 --no-pci \
        --file-prefix "${tag}f" --log-level=lib.eal:error -- --device "net_af_packet0,iface=${tag}g" \
        --local "$flood_local/24" --dst "$gw" --src "$flood_src" --rate "$rate" \
        --duration $((conn_timeout + warmup + 60)) --stats 0 --no-redirect-supported \
        >"$work/flood.out" 2>&1 &
    flood_pid=$!
    wait_for 100 grep -q "gateway is at" "$work/flood.out"
}

# Stops the flood; prints its RESULT line.
flood_stop() {
    [ -n "$flood_pid" ] || return 0
    kill -TERM "$flood_pid" 2>/dev/null
    for _ in $(seq 50); do
        kill -0 "$flood_pid" 2>/dev/null || break
        sleep 0.1
    done
    stop_pid "$flood_pid"
    flood_pid=""
    grep '^RESULT ' "$work/flood.out" | tail -n1
}

# ------------------------------------------------------------------ one step
# $1 responder, $2 rate (none|N|max). Returns 0 when every client connected.
step() {
    local who=$1 rate=$2 childless=child redirect=no ok=0
    case $who in
    libreswan*) childless=childless ;;
    strongswan) childless=childless ;;
    esac
    case $who in *-redirect) redirect=yes ;; esac
    case $who in
    veer*) topology dpdk ;;
    *) topology kernel ;;
    esac
    if [ "$redirect" = yes ] && ! gw2_start; then
        echo "  second gateway did not start: $(tail -n 3 "$work/gw2/charon.out" 2>/dev/null)"
        stop_all
        return 1
    fi
    local started=1
    case $who in
    veer) veer_start no || started=0 ;;
    veer-redirect) veer_start yes || started=0 ;;
    strongswan) strongswan_start || started=0 ;;
    libreswan) libreswan_start "$ls_root" no || started=0 ;;
    libreswan-redirect) libreswan_start "$ls_root" yes || started=0 ;;
    esac
    if [ "$started" = 0 ]; then
        echo "  $who did not start:"
        tail -n 8 "$work"/veer/veer.log "$work"/ls/pluto.log "$work"/ss/charon.out 2>/dev/null |
            sed 's/^/    /'
        stop_all
        return 1
    fi
    if ! clients_start "$childless"; then
        echo "  the clients' charon did not start: $(tail -n 3 "$work/cl/load.out" 2>/dev/null)"
        stop_all
        return 1
    fi
    local t0 t1 res=""
    t0=$(cpu_ticks "$peer_pid")
    if [ "$rate" != none ]; then
        if ! flood_start "$rate"; then
            echo "  veer-flood did not start: $(tail -n 3 "$work/flood.out")"
            stop_all
            return 1
        fi
        sleep "$warmup"
    fi
    local kind=child
    [ "$childless" = childless ] && kind=ike
    bench_clients_connect "$ns_cl" "$work/cl/vici" "$clients" "$kind" "$conn_timeout"
    local state=""
    case $who in veer*) state=$(veer_state) ;; esac
    [ "$rate" != none ] && res=$(flood_stop)
    t1=$(cpu_ticks "$peer_pid")
    # Where the flood went: packets delivered into the responder's namespace
    # (the clients' few included), and (UDP socket daemons) datagrams dropped because
    # the socket's receive buffer was full.
    local rx_in sock_drop=-
    rx_in=$(ip netns exec "$ns_rs" cat "/sys/class/net/${tag}r/statistics/rx_packets" 2>/dev/null)
    # shellcheck disable=SC2016 # an awk program
    case $who in
    veer*) ;;
    *) sock_drop=$(ip netns exec "$ns_rs" awk '/^Udp:/ && $2 ~ /^[0-9]+$/ { print $6 }' /proc/net/snmp) ;;
    esac
    local ok_n med max
    read -r ok_n med max < <(bench_clients_summary)
    local cpu
    cpu=$(awk -v a="$t0" -v b="$t1" -v hz="$hz" 'BEGIN {printf "%.2f", (b - a) / hz}')
    local s=0 sent=0 ck=0 rd=0 si=0 other=0
    if [ -n "$res" ]; then
        s=$(field seconds "$res")
        sent=$(field sent "$res")
        ck=$(field cookie "$res")
        rd=$(field redirect "$res")
        si=$(field sa_init "$res")
        for k in invalid_ke error not_ours malformed; do other=$((other + $(field "$k" "$res"))); done
    fi
    local line
    line=$(awk -v w="$who" -v r="$rate" -v s="$s" -v sent="$sent" -v ok="$ok_n" -v med="$med" \
        -v max="$max" -v ck="$ck" -v rd="$rd" -v si="$si" -v o="$other" -v cpu="$cpu" \
        -v rx="${rx_in:-0}" -v sd="$sock_drop" 'BEGIN {
            d = (s > 0) ? s : 1
            printf "%s|%s|%.0f|%d|%s|%s|%.0f|%.0f|%.0f|%d|%s|%.1f|%.0f|%s", w, r, sent / d, ok, med,
                max, ck / d, rd / d, si / d, o, cpu, s, (s > 0 ? rx / d : 0),
                (sd == "-" ? "-" : (s > 0 ? sprintf("%.0f", sd / d) : 0))
        }')
    results+=("$line")
    echo "  [${SECONDS}s] flood $rate: $ok_n/$clients clients (median ${med} s, max ${max} s);" \
        "responder CPU $cpu s; ${res#RESULT }"
    [ -n "$state" ] && echo "    veer:$state"
    if [ "$ok_n" -lt "$clients" ]; then
        echo "    failed clients: $(grep -l . "$work"/t.* | while read -r f; do
            read -r rc _ <"$f"
            [ "$rc" = 0 ] || echo "${f##*.}:rc$rc"
        done | paste -sd ' ')"
        grep -h -i "fail\|timeout\|establishing" "$work"/init.* 2>/dev/null | sort | uniq -c |
            head -n 3 | sed 's/^/    /'
    fi
    if [ "$redirect" = yes ]; then
        echo "    second gateway: $(vici "$ns_b" "$work/gw2" --list-sas 2>/dev/null |
            grep -c ESTABLISHED) IKE SAs established"
    fi
    [ "${KEEP_WORK:-0}" = 1 ] && cp -r "$work/cl/charon.log" "$work/clients-$who-$rate.log" 2>/dev/null
    stop_all
    [ "$ok_n" -ge "$clients" ] && ok=1
    [ "$ok" = 1 ]
}

bench_responder() {
    local who=$1 rate
    echo "== $who [${SECONDS}s]"
    case $who in
    veer*) [ -x "$veer" ] || {
        echo "  $veer not built: skipped"
        return
    } ;;
    libreswan*) [ -n "$ls_root" ] || {
        echo "  libreswan could not be prepared (scripts/install-deps.sh): skipped"
        return
    } ;;
    esac
    for rate in $rates; do
        if ! step "$who" "$rate" && [ "$all_steps" != 1 ]; then
            echo "  (not every client connected: higher rates skipped; BENCH_ALL_STEPS=1 runs them)"
            break
        fi
    done
}

# ---------------------------------------------------------------------- table
print_table() {
    echo
    echo "== legitimate clients under a spoofed IKE_SA_INIT flood: $clients clients," \
        "${conn_timeout} s timeout; veer-flood and clients on CPU 0, responder on CPU 1"
    local fmt='%-18s %7s %7s %7s %8s %7s %9s %9s %7s %6s %6s %6s %5s\n'
    # shellcheck disable=SC2059 # the format is ours
    printf "$fmt" responder offered sent/s in/s cookie/s redir/s sa_init/s sockdrop/s clients med-s \
        max-s cpu-s secs
    local r out csv largest
    out=$(bench_csv_dir)
    csv=$out/bench-flood-legit-clients.csv largest=$out/bench-flood-legit-largest.csv
    bench_csv_header "$csv" responder offered sent/s in/s cookie/s redir/s sa_init/s sockdrop/s \
        clients of med-s max-s cpu-s secs
    for r in "${results[@]}"; do
        IFS="|" read -r w rate sent ok med max ck rd si _ cpu s rx sd <<<"$r"
        # shellcheck disable=SC2059
        printf "$fmt" "$w" "$rate" "$sent" "$rx" "$ck" "$rd" "$si" "$sd" "$ok/$clients" "$med" "$max" \
            "$cpu" "$s"
        bench_csv_row "$csv" "$w" "$rate" "$sent" "$rx" "$ck" "$rd" "$si" "$sd" "$ok" "$clients" "$med" \
            "$max" "$cpu" "$s"
    done
    echo "(offered: veer-flood's --rate, max = flat out; sent/s: what it sent; in/s: delivered into"
    echo " the responder's namespace (its one interface); cookie/s .. sa_init/s: replies veer-flood"
    echo " received, by kind (sa_init: a full reply, the responder did a DH for a spoofed source);"
    echo " sockdrop/s: UDP receive buffer overflows (UDP socket daemons); clients: established within"
    echo " ${conn_timeout} s, med-s/max-s their times; cpu-s: the responder's CPU time over secs of flood)"
    echo
    # Judged on what veer-flood managed to send, not on what it was asked for:
    # on a loaded machine the generator falls short of the offered rate.
    echo "== the largest flood at which all $clients clients connected (requests/s veer-flood sent," \
        "offered in brackets), and the smallest at which some did not"
    bench_csv_header "$largest" responder all_connected_sent/s offered med-s max-s \
        first_failure_sent/s first_failure_offered first_failure_clients
    local who
    for who in $only; do
        local best=-1 line="" worst="" r row=(- - - -) fail=(- - -)
        for r in "${results[@]}"; do
            IFS='|' read -r w rate sent ok med max _ <<<"$r"
            [ "$w" = "$who" ] || continue
            if [ "$ok" -ge "$clients" ]; then
                if [ "$sent" -gt "$best" ]; then
                    best=$sent
                    line="$sent/s ($rate): median $med s, max $max s"
                    row=("$sent" "$rate" "$med" "$max")
                fi
            elif [ -z "$worst" ] || [ "$sent" -lt "${worst%%/*}" ]; then
                worst="$sent/s ($rate): $ok/$clients"
                fail=("$sent" "$rate" "$ok")
            fi
        done
        printf '%-18s %s; %s\n' "$who" "${line:-none}" "${worst:+first failure at $worst}"
        bench_csv_row "$largest" "$who" "${row[@]}" "${fail[@]}"
    done
    local rates_label="flood offered (requests/s; none: no flood, max: veer-flood flat out)"
    echo
    bench_plot --csv "$csv" --out "$out/bench-flood-legit-connect.png" --x offered --y med-s,max-s \
        --series responder --xlabel "$rates_label" --ylabel "connect time of the clients (s)" \
        --title "$clients legitimate clients under a spoofed IKE_SA_INIT flood: connect time" || true
    bench_plot --csv "$csv" --out "$out/bench-flood-legit-clients.png" --x offered --y clients \
        --series responder --xlabel "$rates_label" \
        --ylabel "clients connected within ${conn_timeout} s (of $clients)" \
        --title "$clients legitimate clients under a spoofed IKE_SA_INIT flood: clients connected" || true
    bench_outputs
}

# ----------------------------------------------------------------------- main
[ "$(id -u)" = 0 ] || die "needs root (network namespaces)"
[ -x "$flood" ] || die "$flood not built"
[ -x /usr/lib/ipsec/charon ] || die "strongswan-charon not installed (the clients)"
command -v ethtool >/dev/null || die "ethtool missing (scripts/install-deps.sh)"
work=$(mktemp -d /tmp/veer-bench-flood-legit.XXXXXX)
chmod 700 "$work"
ls_root=""
case " $only " in *" libreswan"*) ls_root=$(libreswan_root) || ls_root="" ;; esac
btype=$(grep -o '"buildtype", "value": "[a-z]*"' "$build/meson-info/intro-buildoptions.json" 2>/dev/null |
    sed 's/.*"\([a-z]*\)"$/\1/')
echo "bench-flood-legit: $(date -u +%FT%TZ), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg);" \
    "$clients clients, rates: $rates; $build (${btype:-?})"
for who in $only; do
    case $who in
    veer | veer-redirect | strongswan | libreswan | libreswan-redirect) bench_responder "$who" ;;
    *) echo "bench-flood-legit: unknown responder '$who'" ;;
    esac
done
print_table
echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg) ($(date -u +%FT%TZ), ${SECONDS} s)"
