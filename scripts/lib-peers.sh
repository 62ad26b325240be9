# shellcheck shell=bash disable=SC2154 # cache and work are the sourcing script's
# Shared by the benchmarks that run IKE peers in network namespaces
# (bench-peers.sh, bench-flood-legit.sh, bench-pktgen.sh): source it after setting `cache`
# (where libreswan's .deb is kept) and `work` (the run's directory, or "").
# It holds no state of its own.

# shellcheck source=scripts/lib-wait.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib-wait.sh"

# utime+stime of a process (all its threads), in clock ticks.
cpu_ticks() {
    awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0
}

# Stops one process we started (TERM, then KILL after 5 s), by its pid only.
stop_pid() {
    local pid=$1
    [ -n "$pid" ] || return 0
    kill "$pid" 2>/dev/null
    for _ in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 0
}

# Removes the work directory, or keeps it with KEEP_WORK=1.
remove_work() {
    [ -n "$work" ] || return 0
    if [ "${KEEP_WORK:-0}" = 1 ]; then echo "work dir kept: $work"; else rm -rf "$work"; fi
    return 0
}

# One veth pair between two namespaces ($1 $2: one end's namespace and name,
# $3 $4: the other's), up, without IPv6, TX checksums in software on both
# ends: a veth hands its peer packets with partial checksums, which a DPDK
# af_packet port (on either end) forwards as they are and the next kernel drops.
veth_pair() {
    local ns_a=$1 if_a=$2 ns_z=$3 if_z=$4 ns_if
    ip link add "$if_a" type veth peer name "$if_z" || die "veth failed"
    ip link set "$if_a" netns "$ns_a"
    ip link set "$if_z" netns "$ns_z"
    for ns_if in "$ns_a:$if_a" "$ns_z:$if_z"; do
        local ns=${ns_if%%:*} ifc=${ns_if#*:}
        ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$ifc.disable_ipv6=1"
        ip -n "$ns" link set "$ifc" up
        ip netns exec "$ns" ethtool -K "$ifc" tx off >/dev/null 2>&1 ||
            die "ethtool -K $ifc tx off failed (package ethtool)"
    done
}

# The value of `$1=` in veer-flood's RESULT line $2.
field() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<<"$2"; }

# The libreswan 4.10 .deb in the cache, if there is one.
cached_deb() {
    local f last=""
    for f in "$cache"/libreswan_4.10*_amd64.deb; do
        [ -f "$f" ] && last=$f
    done
    echo "$last"
}

# libreswan unpacked from its .deb (fetched into the cache with `apt-get
# download` when missing): prints the root to run pluto from, or says on
# stderr what is missing and fails.
libreswan_root() {
    local deb
    deb=$(cached_deb)
    if [ -z "$deb" ]; then
        mkdir -p "$cache"
        (cd "$cache" && timeout 120 apt-get download libreswan >/dev/null 2>&1)
        deb=$(cached_deb)
        [ -n "$deb" ] || return 1
    fi
    if [ ! -x "$cache/root/usr/libexec/ipsec/pluto" ]; then
        rm -rf "$cache/root"
        dpkg -x "$deb" "$cache/root" || return 1
    fi
    local missing
    missing=$(ldd "$cache/root/usr/libexec/ipsec/pluto" | grep 'not found')
    if [ -n "$missing" ]; then
        echo "pluto lacks libraries (scripts/install-deps.sh): $missing" >&2
        return 1
    fi
    command -v certutil >/dev/null || {
        echo "certutil missing (libnss3-tools)" >&2
        return 1
    }
    echo "$cache/root"
}

# app/veer's gate replies summed over its workers, "redirects cookies", from the telemetry
# of the DPDK file prefix $1 ("? ?" when veer does not answer).
veer_gate_replies() {
    echo /veer/workers | timeout 10 dpdk-telemetry.py -f "$1" 2>/dev/null | /usr/bin/python3 -c '
import json, sys
t = sys.stdin.read()
s = t.find("{\"")
d = json.loads(t[s:t.rfind("}") + 1]) if s >= 0 else {}
w = d.get("/veer/workers", {})
def total(k):
    v = w.get(k, 0)
    return sum(v) if isinstance(v, list) else v
print(total("gate_redirects"), total("gate_cookies"))' 2>/dev/null || echo "? ?"
}

# Starts strongSwan clients c0..c$3-1 at once, through the vici socket $2 of a
# charon in namespace $1: each `swanctl --initiate --ike|--child cN` ($4: ike
# or child) with a $5-second timeout writes "rc seconds" to $work/t.N.
# Waits for all (bounded by swanctl's timeout, and timeout(1) 10 s beyond).
bench_clients_connect() {
    local ns=$1 vici=$2 n=$3 kind=$4 secs=$5 i
    local -a pids=()
    rm -f "$work"/t.*
    for i in $(seq 0 $((n - 1))); do
        (
            t0=$(date +%s.%N)
            timeout $((secs + 10)) taskset -c 0 ip netns exec "$ns" swanctl --initiate \
                "--$kind" "c$i" --timeout "$secs" --uri "unix://$vici" >"$work/init.$i" 2>&1
            rc=$?
            t1=$(date +%s.%N)
            echo "$rc $(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}')" >"$work/t.$i"
        ) &
        pids+=($!)
    done
    for i in "${pids[@]}"; do wait "$i"; done
}

# "ok median max" over $work/t.*: clients whose initiate succeeded, and the
# median and max of their times to establish.
bench_clients_summary() {
    cat "$work"/t.* 2>/dev/null | awk '$1 == 0 { print $2 }' | sort -n | awk '
        { t[NR] = $1 }
        END {
            if (NR == 0) { print "0 - -"; exit }
            m = (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2
            printf "%d %.2f %.2f\n", NR, m, t[NR]
        }'
}
