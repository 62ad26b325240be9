# shellcheck shell=bash
# Shared by the strongSwan interop tests (source it): a two-namespace lab
# (client 198.51.100.2 with 10.1.0.1 behind it, gateway 198.51.100.1),
# veer-ike on the gateway, a strongSwan 5.9 charon on the client, cleanup on
# exit, bounded waits, and readers for both sides' views (SPIs, Child SA keys).
#
#   source tests/interop/lib.sh
#   lab_init BUILD_DIR PREFIX      # PREFIX: short, unique per test (namespace names)
#   lab_topology
#   veer_start CONFIG_FILE
#   charon_start [EXTRA_CHARON_OPTIONS]   # CHARON_PLUGINS: more plugins to load (eap-md5)
#   lab_swan_load; lab_swan_initiate; lab_expect_sa_agree
#   lab_make_pki rsa|ec            # a CA and certificates made with openssl
#   veer_dp_try_start CONFIG       # app/veer, a status instead of a failure (benchmarks)
#   veer_dp_start_as NAME NS CONFIG  # one of several app/veer (TEL_PREFIX=${tag}NAME)
#   veer_dp_kill NAME TERM|KILL      # and start it again to restart it
#
# The strongSwan side (charon, swanctl configuration, SA and key checks) is in
# lib_swan.sh, which this file sources.
#
# Every function that waits is bounded; fail() prints both sides' logs and exits 1.

lab_init() {
    build=$(cd "${1:?usage: lab_init BUILD_DIR PREFIX}" && pwd)
    local prefix=${2:?}
    veer_ike="$build/app/veer-ike/veer-ike"
    tag="${prefix}$$"
    ns_cl="${tag}cl"
    ns_gw="${tag}gw"
    work=$(mktemp -d "/tmp/veer-$prefix.XXXXXX")
    veer_pid=""
    charon_pid=""
    lab_pids=()
    lab_netns=()
    trap lab_cleanup EXIT
    [ "$(id -u)" = 0 ] || fail "needs root for network namespaces"
    lab_reap_stale
    mkdir -p "$lab_registry" && echo $$ >"$lab_registry/$tag"
    [ -x "$veer_ike" ] || fail "$veer_ike not built"
    [ -x /usr/lib/ipsec/charon ] || fail "strongSwan (strongswan-charon) not installed"
}

# Runs that died without their cleanup: meson's timeout sends SIGTERM to the
# test's process group and SIGKILL 0.5 s later, before the EXIT trap has
# stopped veer and charon and removed the namespaces. Each run records its tag
# (namespace and DPDK file-prefix stem) and pid here; the next run removes
# what a run no longer alive left behind.
lab_registry=/run/veer-tests

lab_reap_stale() {
    local f stale pid n
    for f in "$lab_registry"/*; do
        [ -f "$f" ] || continue
        stale=${f##*/}
        pid=$(cat "$f" 2>/dev/null)
        [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && continue
        # The tag ends in the pid's digits: a letter must follow, or vm12
        # would take vm123's namespaces.
        for n in $(ip netns list | awk '{print $1}' | grep -E "^${stale}[a-z]"); do
            ip netns pids "$n" 2>/dev/null | xargs -r kill -9 2>/dev/null
            ip netns del "$n" 2>/dev/null
        done
        rm -rf "/var/run/dpdk/$stale" /var/run/dpdk/"$stale"[a-z]*
        echo "removed what an earlier run ($stale, killed) left behind"
        rm -f "$f"
    done
}

lab_cleanup() {
    [ -n "$charon_pid" ] && kill "$charon_pid" 2>/dev/null
    [ -n "$veer_pid" ] && kill "$veer_pid" 2>/dev/null
    [ -n "${b_pid:-}" ] && kill "$b_pid" 2>/dev/null
    local p n
    for p in "${lab_pids[@]}"; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    # The runtime directories of veer_dp_start_as's instances (their telemetry sockets).
    for n in "${!veer_pids[@]}"; do rm -rf "/var/run/dpdk/$tag$n"; done
    rm -rf "/var/run/dpdk/$tag" # veer_dp_start's, should veer not have stopped cleanly
    ip netns del "$ns_cl" 2>/dev/null
    ip netns del "$ns_gw" 2>/dev/null
    [ -n "${ns_srv:-}" ] && ip netns del "$ns_srv" 2>/dev/null
    [ -n "${ns_rt:-}" ] && ip netns del "$ns_rt" 2>/dev/null
    [ -n "${ns_b:-}" ] && ip netns del "$ns_b" 2>/dev/null
    for n in "${lab_netns[@]}"; do ip netns del "$n" 2>/dev/null; done
    if [ "${KEEP_WORK:-0}" = 1 ]; then echo "work dir kept: $work"; else rm -rf "$work"; fi
    rm -f "$lab_registry/$tag"
    return 0
}

fail() {
    echo "FAIL: $*"
    if [ -n "${work:-}" ]; then
        echo "--- veer-ike log"
        tail -n 40 "$work/veer.log" 2>/dev/null
        echo "--- veer state"
        cat "$work/state" 2>/dev/null
        echo "--- charon log"
        grep -v "\] *[0-9]*: " "$work/charon.log" 2>/dev/null | tail -n 40
        local n
        for n in "${!veer_pids[@]}"; do
            echo "--- app/veer $n log"
            tail -n 20 "$work/$n.log" 2>/dev/null
        done
    fi
    exit 1
}

pass() { echo "PASS: $*"; }

# shellcheck source=scripts/lib-wait.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib-wait.sh"

# A veth pair, both ends up: end $1 in namespace $2 with address $3, end $4 in
# namespace $5 with address $6. Needs both namespaces made.
# FreeRADIUS's namespace ${tag}rad (192.0.2.1), linked to the gateway's
# (192.0.2.2) as a management network, and a private copy of Debian's
# configuration in $work/raddb whose logs and run files stay in $work, run as
# root. Sets ns_rad and raddb; the caller writes clients.conf and users.
lab_freeradius_prepare() {
    ns_rad="${tag}rad"
    ip netns add "$ns_rad"
    lab_netns+=("$ns_rad")
    lab_veth "${tag}r" "$ns_rad" 192.0.2.1/24 "${tag}m" "$ns_gw" 192.0.2.2/24
    ip -n "$ns_rad" link set lo up
    raddb="$work/raddb"
    cp -a /etc/freeradius/3.0 "$raddb" || fail "copy of /etc/freeradius/3.0"
    mkdir -p "$work/radlog/radacct" "$work/radrun"
    sed -i -e "s|^raddbdir = .*|raddbdir = $raddb|" \
        -e "s|^logdir = .*|logdir = $work/radlog|" \
        -e "s|^run_dir = .*|run_dir = $work/radrun|" \
        -e 's|^\(\s*\)user = freerad|\1#user = freerad|' \
        -e 's|^\(\s*\)group = freerad|\1#group = freerad|' "$raddb/radiusd.conf"
}

lab_veth() {
    ip link add "$1" type veth peer name "$4"
    ip link set "$1" netns "$2"
    ip link set "$4" netns "$5"
    ip -n "$2" addr add "$3" dev "$1"
    ip -n "$5" addr add "$6" dev "$4"
    ip -n "$2" link set "$1" up
    ip -n "$5" link set "$4" up
}

# The client and gateway namespaces and their link (client 198.51.100.2, gateway
# 198.51.100.1); needs lab_init.
lab_topology() {
    ip netns add "$ns_cl"
    ip netns add "$ns_gw"
    lab_veth "${tag}c" "$ns_cl" 198.51.100.2/24 "${tag}g" "$ns_gw" 198.51.100.1/24
    ip -n "$ns_cl" link set lo up
    ip -n "$ns_gw" link set lo up
    # The client's Child SA selector is 10.1.0.1/32: the client must own that
    # address to send and receive the tunnel's inner packets.
    ip -n "$ns_cl" addr add 10.1.0.1/32 dev lo
}

# Like lab_topology, but the gateway end of the link is a DPDK port of app/veer:
# it keeps no address (the kernel must not answer for veer), and the client's
# end computes its checksums itself: with TX checksum offload on, the kernel
# leaves the checksum of a veth frame partial, and af_packet hands DPDK the
# frame as it is, so veer would see (and drop) a bad UDP checksum.
lab_topology_dpdk() {
    lab_topology
    ip -n "$ns_gw" addr flush dev "${tag}g"
    ip netns exec "$ns_cl" ethtool -K "${tag}c" tx off >/dev/null 2>&1 ||
        fail "ethtool -K tx off (package ethtool) failed"
}

# lab_topology_dpdk plus the protected side (lab_server_behind_gateway).
lab_topology_tunnel() {
    lab_topology_dpdk
    lab_server_behind_gateway
}

# The protected side: a server (10.2.0.2) behind veer's second port (veer
# 10.2.0.1 on ${tag}i, DPDK's, in the gateway namespace). With $1 = 6, IPv6
# too: the server 2001:db8:2::2/64 routed through veer's 2001:db8:2::1, the
# gateway's kernel kept off the link. Sets ns_srv; lab_cleanup removes it.
lab_server_behind_gateway() {
    local ipv6=${1:-}
    ns_srv="${tag}srv"
    ip netns add "$ns_srv"
    ip link add "${tag}i" type veth peer name "${tag}s"
    ip link set "${tag}i" netns "$ns_gw"
    ip link set "${tag}s" netns "$ns_srv"
    if [ "$ipv6" = 6 ]; then
        ip netns exec "$ns_gw" sysctl -qw "net.ipv6.conf.${tag}i.disable_ipv6=1" ||
            fail "sysctl disable_ipv6"
    fi
    ip -n "$ns_gw" link set "${tag}i" up
    ip -n "$ns_srv" addr add 10.2.0.2/24 dev "${tag}s"
    [ "$ipv6" = 6 ] && ip -n "$ns_srv" -6 addr add 2001:db8:2::2/64 dev "${tag}s" nodad
    ip -n "$ns_srv" link set "${tag}s" up
    ip -n "$ns_srv" link set lo up
    ip -n "$ns_srv" route add default via 10.2.0.1
    [ "$ipv6" = 6 ] && ip -n "$ns_srv" -6 route add default via 2001:db8:2::1
    ip netns exec "$ns_srv" ethtool -K "${tag}s" tx off >/dev/null 2>&1 ||
        fail "ethtool -K tx off (package ethtool) failed"
}

# The lab for app/veer's outside port on net_tap (af_packet would not do for
# reassembly: DPDK's af_packet PMD joins a PACKET_FANOUT group with
# PACKET_FANOUT_FLAG_DEFRAG, so the kernel reassembles before veer sees
# anything): the client (10.1.0.1 inside) and the gateway with no link
# between them yet, and the server behind the gateway ($1 as for
# lab_server_behind_gateway). Once veer runs, the script moves the TAP
# interface veer's PMD made ($tap) into the client's namespace.
lab_topology_tap() {
    # shellcheck disable=SC2034 # the scripts name it
    tap="${tag}t"
    local ns
    for ns in "$ns_cl" "$ns_gw"; do
        ip netns add "$ns"
        ip -n "$ns" link set lo up
    done
    ip -n "$ns_cl" addr add 10.1.0.1/32 dev lo
    lab_server_behind_gateway "$@"
}

# The namespace of a second gateway for the redirect tests ($ns_b, 203.0.113.1)
# and the client's link to it (203.0.113.2). Needs lab_topology; lab_cleanup
# removes it.
lab_link_b() {
    ns_b="${tag}b"
    ip netns add "$ns_b"
    lab_veth "${tag}x" "$ns_cl" 203.0.113.2/24 "${tag}y" "$ns_b" 203.0.113.1/24
    ip -n "$ns_b" link set lo up
}

# Gateway B for the redirect tests: veer-ike with configuration $1 in its own
# namespace ($ns_b) on 203.0.113.1, reached by the client (203.0.113.2) over a
# second link. Waits until it runs; its log and state are $work/b.log and
# $work/b.state. Sets b_pid; lab_cleanup stops it and removes the namespace.
lab_gateway_b() {
    lab_link_b
    ip netns exec "$ns_b" "$veer_ike" -c "$1" --state-file "$work/b.state" -v \
        >"$work/b.log" 2>&1 &
    b_pid=$!
    wait_for 50 grep -q "veer-ike running" "$work/b.log" || fail "veer-ike B did not start"
}

# app/veer in the gateway namespace on af_packet over the link; $1 is its config
# (whose port device must be net_af_packet0,iface=${tag}g). Waits until it runs.
# EAL lcores 0,1, or with VEER_EAL_LCORES set the --lcores map it holds (e.g.
# "(0-2)@(0-1)": control and two workers on the machine's two CPUs).
veer_dp_start() {
    veer_dp_try_start "$1" || fail "veer did not start"
}

# veer_dp_start without failing the test: returns non-zero when veer has not
# said "veer running" within VEER_START_WAIT tenths of a second (default 100).
# VEER_LOG_OPT is veer's log option (default -v; empty: info, as benchmarks want).
veer_dp_try_start() {
    local veer="$build/app/veer/veer" lcores=(-l "0,1") log_opt=()
    [ -x "$veer" ] || fail "$veer not built (DPDK missing?)"
    [ -n "${VEER_EAL_LCORES:-}" ] && lcores=(--lcores "$VEER_EAL_LCORES")
    [ -n "${VEER_LOG_OPT--v}" ] && log_opt=("${VEER_LOG_OPT--v}")
    ip netns exec "$ns_gw" "$veer" "${lcores[@]}" --no-huge -m 512 --no-pci --file-prefix "$tag" \
        --log-level=lib.eal:error -- -c "$1" --state-file "$work/state" "${log_opt[@]}" \
        >"$work/veer.log" 2>&1 &
    veer_pid=$!
    wait_for "${VEER_START_WAIT:-100}" grep -q "veer running" "$work/veer.log"
}

# One more app/veer of the lab, named $1 (a few letters): in namespace $2 with
# configuration $3, its own --file-prefix ${tag}$1 (so its own telemetry
# socket: TEL_PREFIX=${tag}$1 for tel and the readers built on it), and log
# $work/$1.log, appended to across restarts, every line prefixed with the
# Unix time it was written (seconds, 3 decimals). EAL lcores $VEER_LCORES
# (default 0,1); veer's own options $VEER_OPTS (default: state file
# $work/$1.state and -v). Waits up to 10 s for a new "veer running" line;
# sets veer_pids[$1] (lab_cleanup stops it). Start it again after it stopped
# (veer_dp_kill) to restart it.
declare -gA veer_pids
veer_dp_start_as() {
    local name=$1 ns=$2 conf=$3 veer="$build/app/veer/veer" log="$work/$1.log" before
    [ -x "$veer" ] || fail "$veer not built (DPDK missing?)"
    local opts=(--state-file "$work/$name.state" -v)
    [ -n "${VEER_OPTS+set}" ] && read -ra opts <<<"$VEER_OPTS"
    before=$(grep -c "veer running" "$log" 2>/dev/null)
    ip netns exec "$ns" "$veer" -l "${VEER_LCORES:-0,1}" --no-huge -m 512 --no-pci \
        --file-prefix "$tag$name" --log-level=lib.eal:error -- -c "$conf" "${opts[@]}" \
        > >(lab_stamp >>"$log") 2>&1 &
    veer_pids[$name]=$!
    lab_pids+=("$!")
    wait_for 100 sh -c "[ \"\$(grep -c 'veer running' '$log')\" -gt ${before:-0} ]" ||
        fail "veer $name did not start: $(tail -5 "$log")"
}

# Stops app/veer $1 of veer_dp_start_as with signal $2 (TERM, KILL); fails
# unless it is gone within 10 s.
veer_dp_kill() {
    local pid=${veer_pids[$1]}
    kill -"$2" "$pid" 2>/dev/null
    # Reaped at once after KILL, so that bash reports no "Killed" job.
    [ "$2" = KILL ] && wait "$pid" 2>/dev/null
    wait_for 100 sh -c "! kill -0 $pid" || fail "veer $1 did not stop on SIG$2"
    wait "$pid" 2>/dev/null
    return 0
}

# Copies stdin to stdout, each line prefixed with the Unix time it was read.
lab_stamp() {
    perl -MTime::HiRes=time -ne '$| = 1; printf "%.3f %s", time, $_'
}

# The Unix time (seconds, 3 decimals) of the last line of log $1 (of
# veer_dp_start_as) that matches grep pattern $2; nothing when none does.
lab_stamp_of() { grep -- "$2" "$1" | tail -n 1 | cut -d' ' -f1; }

# One command on app/veer's telemetry socket through DPDK's own client; prints the JSON reply.
# The socket is the lab's app/veer's, or with TEL_PREFIX set, that --file-prefix's.
tel() {
    echo "$1" | dpdk-telemetry.py -f "${TEL_PREFIX:-$tag}" 2>/dev/null | grep -v '^Connecting\|^-->' |
        /usr/bin/python3 -c 'import json,sys
text = sys.stdin.read()
start = text.find("{\"")
print(json.dumps(json.loads(text[start:text.rfind("}") + 1])) if start >= 0 else "")'
}

# app/veer's worker counter $1 from telemetry (the first worker's: the labs run one).
wcount() { tel /veer/workers | sed -n "s/.*\"$1\": \[\([0-9]*\)\].*/\1/p"; }

# Fails step $1 unless every worker counter named after it is 0.
lab_expect_zero_wcounts() {
    local step=$1 c
    shift
    for c in "$@"; do
        [ "$(wcount "$c")" = 0 ] || fail "$step: $c is $(wcount "$c")"
    done
}

# veer-ike on the gateway with the given configuration; waits until it runs.
veer_start() {
    ip netns exec "$ns_gw" "$veer_ike" -c "$1" --state-file "$work/state" \
        --log-keys -v >"$work/veer.log" 2>&1 &
    veer_pid=$!
    wait_for 50 grep -q "veer-ike running" "$work/veer.log" || fail "veer-ike did not start"
}

# veer's counter $1 from its state file (0 when absent).
veer_counter() {
    local v
    v=$(sed -n "s/^counter $1=\([0-9]*\)$/\1/p" "$work/state" 2>/dev/null)
    echo "${v:-0}"
}

# TCP through the tunnel, checked end to end: $1 receiver namespace, $2 its
# address (IPv4 or IPv6), $3 sender namespace, $4 port, $5 bytes. Both ends print "BYTES SHA-256";
# succeeds when they agree. Leaves them in $work/rx.PORT and $work/tx.PORT.
lab_tcp_transfer() {
    local py=/usr/bin/python3
    [ -f "$work/tcp.py" ] || cat >"$work/tcp.py" <<'PY'
import hashlib, os, socket, sys, time
role, host, port, size = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
if role == "serve":
    s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, port)); s.listen(1); s.settimeout(30)
    c, _ = s.accept(); c.settimeout(30); h = hashlib.sha256(); n = 0
    while n < size:
        b = c.recv(65536)
        if not b: break
        h.update(b); n += len(b)
    print(n, h.hexdigest())
else:
    data = os.urandom(size)
    # The receiver may not listen yet on a loaded machine: refused means try again, for 10 s.
    for attempt in range(100):
        try:
            s = socket.create_connection((host, port), timeout=30)
            break
        except ConnectionRefusedError:
            if attempt == 99:
                raise
            time.sleep(0.1)
    s.sendall(data); s.close()
    print(size, hashlib.sha256(data).hexdigest())
PY
    ip netns exec "$1" timeout 60 "$py" "$work/tcp.py" serve "$2" "$4" "$5" >"$work/rx.$4" 2>&1 &
    local rx=$!
    sleep 0.5
    ip netns exec "$3" timeout 60 "$py" "$work/tcp.py" send "$2" "$4" "$5" >"$work/tx.$4" 2>&1
    wait "$rx"
    [ -s "$work/rx.$4" ] && [ "$(cat "$work/rx.$4")" = "$(cat "$work/tx.$4")" ]
}

# A PKI made with the openssl tool: $1 key kind (rsa: RSA-2048, ec: ECDSA P-256);
# makes $work/pki-$1/{ca,gw,client,rogue}.{pem,key}: gw.example and client.example
# (subjectAltName DNS, subject "O=veer lab, CN=...") under ca, and a rogue
# client.example under rogue-ca.
lab_make_pki() {
    command -v openssl >/dev/null || fail "openssl command not installed"
    local kind=$1 dir="$work/pki-$1" newkey
    case $kind in
    rsa) newkey=(-newkey rsa:2048) ;;
    ec) newkey=(-newkey ec -pkeyopt ec_paramgen_curve:P-256) ;;
    esac
    mkdir -p "$dir"
    (
        cd "$dir" || exit 1
        openssl req -x509 "${newkey[@]}" -nodes -keyout ca.key -out ca.pem -days 2 \
            -subj "/O=veer lab/CN=veer lab $kind CA" 2>/dev/null || exit 1
        openssl req -x509 "${newkey[@]}" -nodes -keyout rogue-ca.key -out rogue-ca.pem -days 2 \
            -subj "/O=veer lab/CN=rogue CA" 2>/dev/null || exit 1
        for who in gw client rogue; do
            local ca=ca
            [ "$who" = rogue ] && ca=rogue-ca
            local cn=$who.example
            [ "$who" = rogue ] && cn=client.example
            openssl req "${newkey[@]}" -nodes -keyout "$who.key" -out "$who.csr" \
                -subj "/O=veer lab/CN=$cn" 2>/dev/null || exit 1
            printf 'subjectAltName=DNS:%s\nkeyUsage=digitalSignature\n' "$cn" >"$who.ext"
            openssl x509 -req -in "$who.csr" -CA "$ca.pem" -CAkey "$ca.key" -CAcreateserial \
                -days 2 -extfile "$who.ext" -out "$who.pem" 2>/dev/null || exit 1
        done
        chmod 600 ./*.key
    ) || fail "openssl could not make the $kind PKI"
}

# Once app/veer runs on net_tap (lab_topology_tap): the TAP interface its PMD
# made becomes the client's link (the PMD keeps its queues), the client on
# 198.51.100.2, or with $1 = 6 on 2001:db8:1::2, its route to veer of MTU 1280.
lab_tap_to_client() {
    ip -n "$ns_gw" link set "$tap" netns "$ns_cl" || fail "cannot move $tap into the client namespace"
    if [ "${1:-}" = 6 ]; then
        ip -n "$ns_cl" -6 addr add 2001:db8:1::2/64 dev "$tap" nodad
        ip -n "$ns_cl" link set "$tap" up
        ip -n "$ns_cl" -6 route replace 2001:db8:1::1/128 dev "$tap" mtu lock 1280
    else
        ip -n "$ns_cl" addr add 198.51.100.2/24 dev "$tap"
        ip -n "$ns_cl" link set "$tap" up
        ip -n "$ns_cl" route replace 198.51.100.1/32 dev "$tap" mtu lock 1280
    fi
}

# app/veer's configuration for the tunnel lab (lab_topology_tunnel) in $work/veer.yaml, its
# PSK in $work/psk: two af_packet ports (outside 198.51.100.1, inside 10.2.0.1), one PSK
# road-warrior peer with AES-GCM. The caller may set, before calling:
#   TUN_LOCAL_TS   the peer's local_ts list (default "10.2.0.0/24")
#   TUN_CLIENT_TS  its remote_ts list (default "10.1.0.0/16")
#   TUN_ESP        its esp_proposals (default aes128gcm16)
#   TUN_TOP_EXTRA  top-level lines before `dataplane:` (gateway: ...)
#   TUN_DP_EXTRA   more `dataplane:` lines, indented by 2
#   TUN_OUTSIDE_DEVICE  the outside port's device (default af_packet on ${tag}g)
#   TUN_OUTSIDE_EXTRA, TUN_INSIDE_EXTRA  more lines of a port, indented by 6
#   TUN_PEER_NAME  the peer's name (default road-warriors)
#   TUN_PEER_AUTH  how the peer authenticates, indented by 4 (default the PSK)
#   TUN_REMOTE_ID  its remote_id (default client.example)
#   TUN_PEER_EXTRA more lines of the peer, indented by 4
lab_tunnel_veer_yaml() {
    lab_psk_file
    cat >"$work/veer.yaml" <<EOF
${TUN_TOP_EXTRA:-}
dataplane:
  workers: 1
  idle_sleep_us: 50
  mbufs: 8192
${TUN_DP_EXTRA:-}
  ports:
    - name: outside
      device: ${TUN_OUTSIDE_DEVICE:-net_af_packet0,iface=${tag}g}
      address: 198.51.100.1/24
${TUN_OUTSIDE_EXTRA:-}
    - name: inside
      device: net_af_packet1,iface=${tag}i
      address: 10.2.0.1/24
${TUN_INSIDE_EXTRA:-}
peers:
EOF
    lab_peer_yaml "${TUN_PEER_NAME:-road-warriors}" "${TUN_REMOTE_ID:-client.example}" \
        >>"$work/veer.yaml"
}

# The lab's PSK in $work/psk (owner-only), for veer's psk_file.
lab_psk_file() {
    printf 'labsecret-0123456789' >"$work/psk"
    chmod 600 "$work/psk"
}

# Prints one peer of veer's configuration (an item under `peers:`): $1 its name
# (default road-warriors), $2 its remote_id (default client.example), $3 its
# local_id (default gw.example); the PSK of lab_psk_file unless TUN_PEER_AUTH;
# TUN_ESP, TUN_LOCAL_TS, TUN_CLIENT_TS and TUN_PEER_EXTRA as for
# lab_tunnel_veer_yaml.
lab_peer_yaml() {
    cat <<EOF
  - name: ${1:-road-warriors}
${TUN_PEER_AUTH:-    psk_file: $work/psk}
    local_id: ${3:-gw.example}
    remote_id: ${2:-client.example}
    ike_proposals: [aes128gcm16-prfsha256-x25519]
    esp_proposals: [${TUN_ESP:-aes128gcm16}]
    local_ts: [${TUN_LOCAL_TS:-10.2.0.0/24}]
    remote_ts: [${TUN_CLIENT_TS:-10.1.0.0/16}]
EOF
    if [ -n "${TUN_PEER_EXTRA:-}" ]; then printf '%s\n' "$TUN_PEER_EXTRA"; fi
}

# Prints the `dataplane:` section of app/veer with one af_packet port, outside
# (198.51.100.1 on ${tag}g, as lab_topology_dpdk makes it); $1: more lines of
# the section (indented by 2) before the ports.
lab_dp_outside_yaml() {
    cat <<EOF
dataplane:
  workers: 1
  idle_sleep_us: 100
  mbufs: 4096
${1:-}
  ports:
    - name: outside
      device: net_af_packet0,iface=${tag}g
      address: 198.51.100.1/24
EOF
}

# After lab_topology_tunnel: the client's link to the gateway moves into a router
# namespace ($ns_rt), which takes the addresses given ($@, e.g. 198.51.100.254/24)
# on it; the client (192.168.77.2) reaches it over a link of its own (router
# 192.168.77.1) with a default route, and the router forwards. lab_cleanup
# removes it.
lab_client_behind_router() {
    ns_rt="${tag}rt"
    ip netns add "$ns_rt"
    ip -n "$ns_cl" link set "${tag}c" netns "$ns_rt"
    local a
    for a in "$@"; do ip -n "$ns_rt" addr add "$a" dev "${tag}c"; done
    ip -n "$ns_rt" link set "${tag}c" up
    ip -n "$ns_rt" link set lo up
    ip link add "${tag}p" type veth peer name "${tag}q"
    ip link set "${tag}p" netns "$ns_cl"
    ip link set "${tag}q" netns "$ns_rt"
    ip -n "$ns_cl" addr add 192.168.77.2/24 dev "${tag}p"
    ip -n "$ns_cl" link set "${tag}p" up
    ip -n "$ns_cl" route add default via 192.168.77.1
    ip -n "$ns_rt" addr add 192.168.77.1/24 dev "${tag}q"
    ip -n "$ns_rt" link set "${tag}q" up
    ip netns exec "$ns_rt" sysctl -qw net.ipv4.ip_forward=1
    # TX checksum offload off: af_packet would hand DPDK the partial checksums
    # the kernel leaves on veth frames.
    ip netns exec "$ns_rt" ethtool -K "${tag}c" tx off >/dev/null 2>&1
    ip netns exec "$ns_cl" ethtool -K "${tag}p" tx off >/dev/null 2>&1
}

# Two app/veer gateways in a row, each port an af_packet veth (run them with
# veer_dp_start_as in $ns_va and $ns_vb):
#
#   hostA 10.1.0.1 ($ns_ha) -- ${tag}ai veerA ${tag}ao == ${tag}bo veerB ${tag}bi -- hostB 10.2.0.2 ($ns_hb)
#
# hostA routes through 10.1.0.254 (veerA's inside), hostB through 10.2.0.1
# (veerB's). The links app/veer owns keep no address and no IPv6; the hosts'
# ends compute their checksums themselves (docs/lab.md).
lab_two_gateways() {
    ns_ha="${tag}ha" ns_va="${tag}va" ns_vb="${tag}vb" ns_hb="${tag}hb"
    local ns nsif
    for ns in "$ns_ha" "$ns_va" "$ns_vb" "$ns_hb"; do
        ip netns add "$ns" || fail "ip netns add $ns"
        lab_netns+=("$ns")
        ip -n "$ns" link set lo up
    done
    lab_dp_link "$ns_ha" "${tag}h" "$ns_va" "${tag}ai"
    lab_dp_link "$ns_va" "${tag}ao" "$ns_vb" "${tag}bo"
    lab_dp_link "$ns_vb" "${tag}bi" "$ns_hb" "${tag}k"
    ip -n "$ns_ha" addr add 10.1.0.1/24 dev "${tag}h"
    ip -n "$ns_ha" route add default via 10.1.0.254
    ip -n "$ns_hb" addr add 10.2.0.2/24 dev "${tag}k"
    ip -n "$ns_hb" route add default via 10.2.0.1
    for nsif in "$ns_ha:${tag}h" "$ns_hb:${tag}k"; do
        ip netns exec "${nsif%%:*}" ethtool -K "${nsif#*:}" tx off >/dev/null 2>&1 ||
            fail "ethtool -K tx off (package ethtool) failed"
    done
}

# A veth between two app/veer ports: NS_A IF_A NS_Z IF_Z.
lab_dp_link() {
    ip link add "$2" type veth peer name "$4" || fail "veth $2"
    ip link set "$2" netns "$1"
    ip link set "$4" netns "$3"
    ip netns exec "$1" sysctl -qw "net.ipv6.conf.$2.disable_ipv6=1"
    ip netns exec "$3" sysctl -qw "net.ipv6.conf.$4.disable_ipv6=1"
    ip -n "$1" link set "$2" up
    ip -n "$3" link set "$4" up
}

# One app/veer of lab_two_gateways: $1 the outside port
# (IFACE=ADDRESS/LEN[, ADDRESS/LEN...]), $2 the inside port (IFACE=ADDRESS/LEN),
# $3 the gateway section, then one peer (lab_peer_yaml's arguments and TUN_*).
lab_gateway_yaml() {
    local out=$1 in=$2 gw=$3
    shift 3
    printf '%s\n' "$gw"
    cat <<EOF
dataplane:
  workers: 1
  idle_sleep_us: 50
  mbufs: 4096
  ports:
    - name: outside
      device: net_af_packet0,iface=${out%%=*}
      addresses: [${out#*=}]
    - name: inside
      device: net_af_packet1,iface=${in%%=*}
      address: ${in#*=}
peers:
EOF
    lab_peer_yaml "$@"
}

# True when veer's state file ($work/state, or $1) lists no IKE SA.
veer_has_no_sa() { ! grep -q '^ike_sa' "${1:-$work/state}"; }

# app/veer's control-lcore counter $1 from telemetry (/veer/control).
ctrl_count() { tel /veer/control | sed -n "s/.*\"$1\": \([0-9]*\).*/\1/p"; }

# app/veer's IKE counter $1 from telemetry (/veer/ike/counters).
ike_count() { tel /veer/ike/counters | sed -n "s/.*\"$1\": \([0-9]*\).*/\1/p"; }

# veer-ike in the gateway namespace initiating to its peer $1 with configuration
# $work/veer.yaml; does not wait (see lab_wait_initiated).
veer_ike_initiate() {
    ip netns exec "$ns_gw" "$veer_ike" -c "$work/veer.yaml" --initiate "$1" \
        --state-file "$work/state" --log-keys -v >"$work/veer.log" 2>&1 &
    veer_pid=$!
}

# After veer_ike_initiate: waits for veer's IKE SA and strongSwan's Child SA;
# $1 prefixes the failures.
lab_wait_initiated() {
    wait_for 100 grep -q "state=ESTABLISHED" "$work/state" || fail "${1:-}veer: no IKE SA established"
    wait_for 50 swan_lists INSTALLED || fail "${1:-}strongSwan: no Child SA installed"
}

# Stops veer-ike with SIGTERM, which deletes its IKE SAs first; fails ($1
# prefixes) unless strongSwan drops its SA within 10 s.
lab_veer_ike_stop_deletes() {
    kill -TERM "$veer_pid"
    wait "$veer_pid" 2>/dev/null
    veer_pid=""
    wait_for 100 swan_lacks ESTABLISHED || fail "${1:-}strongSwan kept the SA after veer stopped"
}

# Stops app/veer with SIGTERM; fails unless it logs a clean stop within 5 s.
veer_dp_stop() {
    kill -TERM "$veer_pid"
    wait_for 50 grep -q "veer stopped" "$work/veer.log" || fail "veer did not stop cleanly on SIGTERM"
    veer_pid=""
}

# Ping through the tunnel both ways between the client and the server behind
# veer (10.1.0.1 and 10.2.0.2, or with $2 = 6 2001:db8:a::1 and 2001:db8:2::2):
# a first reply within 5 s, then 5 each way. $1 prefixes the failures; $3, if
# given, is the payload size of the 5 client -> server pings.
lab_ping_both_ways() {
    local pfx=${1:-} fam=() cl=10.1.0.1 srv=10.2.0.2 n=1 psize=()
    [ -n "${3:-}" ] && psize=(-s "$3")
    if [ "${2:-}" = 6 ]; then
        fam=(-6)
        cl=2001:db8:a::1
        srv=2001:db8:2::2
        n=3
    fi
    wait_for 50 ip netns exec "$ns_cl" ping "${fam[@]}" -c 1 -W 1 -I "$cl" "$srv" ||
        fail "${pfx}no ping${2:-} reply from the server through the tunnel: $(tel /veer/workers)"
    ip netns exec "$ns_cl" ping "${fam[@]}" -c 5 -i 0.2 -W 1 "${psize[@]}" -I "$cl" "$srv" >"$work/ping$n.out" 2>&1 ||
        fail "${pfx}ping${2:-} client -> server: $(tail -2 "$work/ping$n.out")"
    n=$((n + 1))
    ip netns exec "$ns_srv" ping "${fam[@]}" -c 5 -i 0.2 -W 1 "$cl" >"$work/ping$n.out" 2>&1 ||
        fail "${pfx}ping${2:-} server -> client: $(tail -2 "$work/ping$n.out")"
}

# The tunnel lab's two ends up (needs lab_topology_tunnel): app/veer with
# lab_tunnel_veer_yaml's configuration, strongSwan with lab_tunnel_swanctl_conf's
# (TUN_* as for both), Child SA c initiated by the client.
lab_tunnel_up() {
    lab_tunnel_veer_yaml
    veer_dp_start "$work/veer.yaml"
    CHARON_ROUTES=yes charon_start
    lab_tunnel_swanctl_conf
    lab_swan_load
    lab_swan_initiate
}

# $2 bytes of TCP through the tunnel each way, client 10.1.0.1 -> server 10.2.0.2
# on port 5001, then back on 5002 (lab_tcp_transfer); $1 names the step in the failures.
lab_tcp_both_ways() {
    lab_tcp_transfer "$ns_srv" 10.2.0.2 "$ns_cl" 5001 "$2" ||
        fail "$1: client -> server: sent $(cat "$work/tx.5001"), received $(cat "$work/rx.5001")"
    lab_tcp_transfer "$ns_cl" 10.1.0.1 "$ns_srv" 5002 "$2" ||
        fail "$1: server -> client: sent $(cat "$work/tx.5002"), received $(cat "$work/rx.5002")"
}

# After a small ping through the tunnel (within 5 s, else fails step $1), 5
# pings of 1400 bytes, DF clear, from the client to the server (veer reassembles
# the fragmented ESP, pre-fragments the replies); output in $work/ping.out,
# returns ping's status. Sets reass and frag: datagrams veer reassembled and
# replies it pre-fragmented meanwhile; reass_before: veer's reass_packets before.
# shellcheck disable=SC2034 # reass, frag, reass_before: for the caller
lab_ping_1400() {
    wait_for 50 ip netns exec "$ns_cl" ping -c 1 -W 1 -I 10.1.0.1 10.2.0.2 ||
        fail "$1: no small ping through the tunnel: $(tel /veer/workers)"
    local before_frag rc=0
    reass_before=$(wcount reass_packets)
    before_frag=$(wcount frag_packets)
    ip netns exec "$ns_cl" ping -c 5 -i 0.2 -W 2 -s 1372 -M dont -I 10.1.0.1 10.2.0.2 \
        >"$work/ping.out" 2>&1 || rc=$?
    reass=$(($(wcount reass_packets) - reass_before))
    frag=$(($(wcount frag_packets) - before_frag))
    return "$rc"
}

# 1 MiB of TCP each way (lab_tcp_both_ways, step $1), then no reassembly or
# fragmentation failure counted by veer's worker, and veer still running.
lab_tcp_mib_clean() {
    lab_tcp_both_ways "$1" $((1024 * 1024))
    lab_expect_zero_wcounts "$1" reass_invalid reass_timeouts reass_table_full reass_no_mbuf drop_too_big \
        drop_ip_fragment drop_esp_bad_icv
    kill -0 "$veer_pid" 2>/dev/null || fail "veer died"
}

# Fails with "$3: <reply>" unless app/veer's telemetry reply to command $1 matches grep pattern $2.
lab_expect_tel() {
    local out
    out=$(tel "$1")
    echo "$out" | grep -q "$2" || fail "$3: $out"
}

# True when app/veer's /veer/ike/sas shows exactly one IKE SA, ESTABLISHED with
# IKE SPIs $1 and $2, and its Child SAs listed as $3 ("in/out" as veer's state).
tel_one_sa() {
    local out
    out=$(tel /veer/ike/sas)
    echo "$out" | grep -q "\"total\": 1, .*\"spi_i\": \\[\"$1\"\\], \"spi_r\": \\[\"$2\"\\], \"state\": \\[\"ESTABLISHED\"\\]" &&
        echo "$out" | grep -q "\"child_sas\": \\[\"$3\"\\]"
}

# True when veer's state file counts exactly $2 for counter $1 (veer_counter).
veer_counter_is() { [ "$(veer_counter "$1")" = "$2" ]; }

# shellcheck source=tests/interop/lib_swan.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib_swan.sh"
