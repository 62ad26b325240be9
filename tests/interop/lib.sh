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
#   swan --load-all --file ...; swan --initiate ...
#   lab_make_pki rsa|ec            # a CA and certificates made with openssl
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
    trap lab_cleanup EXIT
    [ "$(id -u)" = 0 ] || fail "needs root for network namespaces"
    [ -x "$veer_ike" ] || fail "$veer_ike not built"
    [ -x /usr/lib/ipsec/charon ] || fail "strongSwan (strongswan-charon) not installed"
}

lab_cleanup() {
    [ -n "$charon_pid" ] && kill "$charon_pid" 2>/dev/null
    [ -n "$veer_pid" ] && kill "$veer_pid" 2>/dev/null
    [ -n "${b_pid:-}" ] && kill "$b_pid" 2>/dev/null
    wait 2>/dev/null
    ip netns del "$ns_cl" 2>/dev/null
    ip netns del "$ns_gw" 2>/dev/null
    [ -n "${ns_srv:-}" ] && ip netns del "$ns_srv" 2>/dev/null
    [ -n "${ns_rt:-}" ] && ip netns del "$ns_rt" 2>/dev/null
    [ -n "${ns_b:-}" ] && ip netns del "$ns_b" 2>/dev/null
    if [ "${KEEP_WORK:-0}" = 1 ]; then echo "work dir kept: $work"; else rm -rf "$work"; fi
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
    fi
    exit 1
}

pass() { echo "PASS: $*"; }

# Bounded wait: up to $1 tenths of a second for a command to succeed.
wait_for() {
    local tenths=$1
    shift
    for _ in $(seq "$tenths"); do
        if "$@" >/dev/null 2>&1; then return 0; fi
        sleep 0.1
    done
    return 1
}

lab_topology() {
    ip netns add "$ns_cl"
    ip netns add "$ns_gw"
    ip link add "${tag}c" type veth peer name "${tag}g"
    ip link set "${tag}c" netns "$ns_cl"
    ip link set "${tag}g" netns "$ns_gw"
    ip -n "$ns_cl" addr add 198.51.100.2/24 dev "${tag}c"
    ip -n "$ns_gw" addr add 198.51.100.1/24 dev "${tag}g"
    ip -n "$ns_cl" link set "${tag}c" up
    ip -n "$ns_gw" link set "${tag}g" up
    ip -n "$ns_cl" link set lo up
    ip -n "$ns_gw" link set lo up
    # The client needs an address inside its own traffic selector (lab notes).
    ip -n "$ns_cl" addr add 10.1.0.1/32 dev lo
}

# Like lab_topology, but the gateway end of the link is a DPDK port of app/veer:
# it keeps no address (the kernel must not answer for veer), and the client's
# end computes its checksums itself, since af_packet hands DPDK whatever the
# kernel left partial (lab notes).
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

# Gateway B for the redirect tests: veer-ike with configuration $1 in its own
# namespace ($ns_b) on 203.0.113.1, reached by the client (203.0.113.2) over a
# second link. Waits until it runs; its log and state are $work/b.log and
# $work/b.state. Sets b_pid; lab_cleanup stops it and removes the namespace.
lab_gateway_b() {
    ns_b="${tag}b"
    ip netns add "$ns_b"
    ip link add "${tag}x" type veth peer name "${tag}y"
    ip link set "${tag}x" netns "$ns_cl"
    ip link set "${tag}y" netns "$ns_b"
    ip -n "$ns_cl" addr add 203.0.113.2/24 dev "${tag}x"
    ip -n "$ns_b" addr add 203.0.113.1/24 dev "${tag}y"
    ip -n "$ns_cl" link set "${tag}x" up
    ip -n "$ns_b" link set "${tag}y" up
    ip -n "$ns_b" link set lo up
    ip netns exec "$ns_b" "$veer_ike" -c "$1" --state-file "$work/b.state" -v \
        >"$work/b.log" 2>&1 &
    b_pid=$!
    wait_for 50 grep -q "veer-ike running" "$work/b.log" || fail "veer-ike B did not start"
}

# app/veer in the gateway namespace on af_packet over the link; $1 is its config
# (whose port device must be net_af_packet0,iface=${tag}g). Waits until it runs.
veer_dp_start() {
    local veer="$build/app/veer/veer"
    [ -x "$veer" ] || fail "$veer not built (DPDK missing?)"
    ip netns exec "$ns_gw" "$veer" -l 0,1 --no-huge -m 512 --no-pci --file-prefix "$tag" \
        --log-level=lib.eal:error -- -c "$1" --state-file "$work/state" -v \
        >"$work/veer.log" 2>&1 &
    veer_pid=$!
    wait_for 100 grep -q "veer running" "$work/veer.log" || fail "veer did not start"
}

# One command on app/veer's telemetry socket through DPDK's own client; prints the JSON reply.
tel() {
    echo "$1" | dpdk-telemetry.py -f "$tag" 2>/dev/null | grep -v '^Connecting\|^-->' |
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

# A strongSwan charon in the client namespace with its own /run; $1 adds charon options.
charon_start() {
    mkdir -p "$work/cl"
    cat >"$work/cl/strongswan.conf" <<EOF
charon {
  load_modular = no
  load = random nonce kdf openssl pem pkcs1 pkcs8 x509 pubkey kernel-libipsec kernel-netlink socket-default vici ${CHARON_PLUGINS:-}
  install_routes = ${CHARON_ROUTES:-no}
  ${1:-}
  plugins {
    vici { socket = unix://$work/cl/vici }
    kernel-libipsec { allow_peer_ts = yes }
  }
  filelog {
    cl {
      path = $work/charon.log
      flush_line = yes
      default = 1
      ike = 2
      chd = 4
      cfg = 2
    }
  }
}
EOF
    ip netns exec "$ns_cl" unshare -m sh -c "mount -t tmpfs tmpfs /run && \
        STRONGSWAN_CONF=$work/cl/strongswan.conf exec /usr/lib/ipsec/charon" \
        >"$work/charon.out" 2>&1 &
    charon_pid=$!
    wait_for 100 swan --stats || fail "charon did not start"
}

swan() { ip netns exec "$ns_cl" swanctl "$@" --uri "unix://$work/cl/vici"; }

# strongSwan's IKE SPIs of its first SA: "<spi_i> <spi_r>" (from `swan --list-sas` output in $1).
swan_ike_spis() {
    sed -n 's/.*IKEv2, \([0-9a-f]*\)_i\*\? \([0-9a-f]*\)_r.*/\1 \2/p' "$1" | head -n1
}

# strongSwan's Child SA SPIs "<in> <out>" of the first INSTALLED Child SA in $1.
swan_child_spis() {
    local in out
    in=$(sed -n 's/^ *in  \([0-9a-f]\{8\}\).*/\1/p' "$1" | head -n1)
    out=$(sed -n 's/^ *out \([0-9a-f]\{8\}\).*/\1/p' "$1" | head -n1)
    echo "$in $out"
}

# Every Child SA key pair strongSwan logged (chd level 4), one "<i->r key> <r->i key>" per
# line in order: the i->r key is the one sent by the initiator of the exchange that made it.
swan_key_pairs() {
    awk '
        function flush() {
            if (which == "i") ki = tolower(key)
            else if (which == "r") print ki, tolower(key)
            which = ""
        }
        /encryption initiator key/ { flush(); which = "i"; key = ""; next }
        /encryption responder key/ { flush(); which = "r"; key = ""; next }
        which != "" && /\[CHD\] +[0-9]+: / {
            line = $0; sub(/.*\[CHD\] +[0-9]+: /, "", line); sub(/  .*/, "", line)
            gsub(/ /, "", line); key = key line; next
        }
        which != "" { flush() }
        END { flush() }' "$work/charon.log"
}

# Every Child SA key pair veer logged: "<in key> <out key>" per install, in order.
veer_key_pairs() {
    sed -n 's/.*child-sa install .*encr_in=\([0-9a-f]*\).*encr_out=\([0-9a-f]*\).*/\1 \2/p' \
        "$work/veer.log"
}

# True when veer's Child SA with inbound SPI $1 has the same keys as one strongSwan logged.
keys_match_child() {
    local spi_in=$1 vin vout
    read -r vin vout < <(sed -n "s/.*child-sa install spi_in=$spi_in .*encr_in=\([0-9a-f]*\).*encr_out=\([0-9a-f]*\).*/\1 \2/p" \
        "$work/veer.log" | tail -n1)
    [ -n "$vin" ] || return 1
    swan_key_pairs | grep -q -x -e "$vin $vout" -e "$vout $vin"
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
import hashlib, os, socket, sys
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
    s = socket.create_connection((host, port), timeout=30); s.sendall(data); s.close()
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

# The client's swanctl directory $work/cl/swanctl, set in $sw, for
# SWANCTL_DIR="$sw" swan --load-all: the CA of lab_make_pki's directory $1, and
# with $2 = client the client's certificate and key too.
lab_client_swanctl_dir() {
    sw="$work/cl/swanctl"
    mkdir -p "$sw/x509ca"
    cp "$1/ca.pem" "$sw/x509ca/ca.pem"
    if [ "${2:-}" = client ]; then
        mkdir -p "$sw/x509" "$sw/private"
        cp "$1/client.pem" "$sw/x509/client.pem"
        cp "$1/client.key" "$sw/private/client.key"
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
    printf 'labsecret-0123456789' >"$work/psk"
    chmod 600 "$work/psk"
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
  - name: ${TUN_PEER_NAME:-road-warriors}
${TUN_PEER_AUTH:-    psk_file: $work/psk}
    local_id: gw.example
    remote_id: ${TUN_REMOTE_ID:-client.example}
    ike_proposals: [aes128gcm16-prfsha256-x25519]
    esp_proposals: [${TUN_ESP:-aes128gcm16}]
    local_ts: [${TUN_LOCAL_TS:-10.2.0.0/24}]
    remote_ts: [${TUN_CLIENT_TS:-10.1.0.0/16}]
${TUN_PEER_EXTRA:-}
EOF
}

# The strongSwan client's side of the tunnel lab in $work/cl/swanctl.conf: connection gw
# (PSK) with Child SA c from 10.1.0.1. The caller may set:
#   TUN_GW_ADDR     the gateway's address (default 198.51.100.1)
#   TUN_REMOTE_TS   the Child SA's remote_ts (default 10.2.0.0/24)
#   TUN_ESP         its esp_proposals (default aes128gcm16)
#   TUN_CONN_EXTRA  more lines of the connection, TUN_CHILD_EXTRA of the Child SA
lab_tunnel_swanctl_conf() {
    cat >"$work/cl/swanctl.conf" <<EOF
connections {
  gw {
    remote_addrs = ${TUN_GW_ADDR:-198.51.100.1}
    version = 2
    proposals = aes128gcm16-prfsha256-x25519
    ${TUN_CONN_EXTRA:-}
    local {
      auth = psk
      id = client.example
    }
    remote {
      auth = psk
      id = gw.example
    }
    children {
      c {
        local_ts = 10.1.0.1/32
        remote_ts = ${TUN_REMOTE_TS:-10.2.0.0/24}
        esp_proposals = ${TUN_ESP:-aes128gcm16}
        ${TUN_CHILD_EXTRA:-}
      }
    }
  }
}
secrets {
  ike-gw {
    id-1 = client.example
    id-2 = gw.example
    secret = "labsecret-0123456789"
  }
}
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
    # af_packet hands DPDK what the kernel left with partial checksums (lab notes).
    ip netns exec "$ns_rt" ethtool -K "${tag}c" tx off >/dev/null 2>&1
    ip netns exec "$ns_cl" ethtool -K "${tag}p" tx off >/dev/null 2>&1
}
