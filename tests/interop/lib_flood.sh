# shellcheck shell=bash disable=SC2154 # build, tag, ns_*, work, veer_pid: lib.sh's
# What the flood tests (strongswan_flood.sh, strongswan_flood_memif.sh,
# strongswan_workers.sh) share: app/veer-flood, its link and its process,
# the 20 strongSwan clients that connect under the flood, veer's resident set;
# the soak (lib_soak.sh) takes its link and ports. Sourced after lib.sh;
# flood_init after lab_init.

# veer-flood in $flood (fails when not built); flood_cleanup on exit.
flood_init() {
    flood="$build/app/veer-flood/veer-flood"
    [ -x "$flood" ] || fail "$flood not built (DPDK missing?)"
    flood_pid=""
    trap flood_cleanup EXIT
}

flood_cleanup() {
    [ -n "$flood_pid" ] && kill "$flood_pid" 2>/dev/null
    lab_cleanup
    rm -rf "/var/run/dpdk/${tag}fl" # veer-flood's, should it not have stopped cleanly
}

# The flood's own link: veer's port ${tag}f in $ns_gw, veer-flood's ${tag}F in $ns_fl.
flood_link() {
    ns_fl="${tag}fl"
    ip netns add "$ns_fl"
    lab_netns+=("$ns_fl")
    ip link add "${tag}f" type veth peer name "${tag}F"
    ip link set "${tag}f" netns "$ns_gw"
    ip link set "${tag}F" netns "$ns_fl"
    ip -n "$ns_gw" link set "${tag}f" up
    ip -n "$ns_fl" link set "${tag}F" up
}

# veer-flood in namespace $1 on CPU 0 (the one veer's control lcore uses),
# spoofed IKE_SA_INITs from 203.0.113.0/25 to veer's flood port; $2 its
# --device, then more of its options; its output in $flood_out (default
# $work/flood.out). Does not wait: flood_wait_started does.
flood_start() {
    local ns=$1 device=$2
    shift 2
    flood_out=${flood_out:-$work/flood.out}
    ip netns exec "$ns" taskset -c 0 "$flood" -l 0 --no-huge -m 256 --no-pci \
        --file-prefix "${tag}fl" --log-level=lib.eal:error -- \
        --device "$device" --local 203.0.113.254/24 --dst 203.0.113.1 --src 203.0.113.0/25 \
        --stats 5 "$@" >"$flood_out" 2>&1 &
    flood_pid=$!
}

flood_wait_started() {
    wait_for 100 grep -q "gateway is at" "$flood_out" ||
        fail "veer-flood did not start: $(tail -3 "$flood_out")"
}

flood_stop() {
    kill -TERM "$flood_pid" 2>/dev/null
    wait "$flood_pid"
    flood_pid=""
}

# veer's resident set in KiB.
veer_rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$veer_pid/status"; }

# $1 clients in $ns_cl: client i at 198.51.100.(10+i) outside, 10.1.0.(10+i) behind it.
flood_client_addrs() {
    local i
    for i in $(seq 0 $(($1 - 1))); do
        ip -n "$ns_cl" addr add "198.51.100.$((10 + i))/24" dev "${tag}c"
        ip -n "$ns_cl" addr add "10.1.0.$((10 + i))/32" dev lo
    done
}

# $1 clients in one charon, a PSK connection each (c0..), all initiated at
# once, each given $2 s; waits up to $3 tenths of a second for all of them.
# $4: what a failure message starts with (a check number).
flood_clients_connect() {
    local n=$1 timeout=$2 tenths=$3 i
    flood_clients_load "$n" "retransmit_timeout = 2.0
  retransmit_tries = 4"
    for i in $(seq 0 $((n - 1))); do
        swan --initiate --child "c$i" --timeout "$timeout" >"$work/initiate.$i" 2>&1 &
    done
    wait_for "$tenths" sh -c "[ \$(ip netns exec $ns_cl swanctl --list-sas --uri unix://$work/cl/vici 2>/dev/null | grep -c ESTABLISHED) -ge $n ]" ||
        fail "$4only $(swan --list-sas 2>/dev/null | grep -c 'ESTABLISHED') of $n clients established under the flood"
}

# The charon of $1 clients (charon_start, $2: more charon options) with
# their connections c0.. to veer (PSK; client i from flood_client_addrs's
# 198.51.100.(10+i), Child SA from 10.1.0.(10+i)) loaded, none initiated.
# Also what scripts/bench-flood-memif.sh starts its clients with.
flood_clients_load() {
    local n=$1 i
    # Each blocking `swanctl --initiate` holds one of charon's threads until it is done:
    # give it enough that 20 of them leave some to process the replies.
    CHARON_ROUTES=yes charon_start "threads = $((n + 16))
  ${2:-}"
    {
        echo "connections {"
        for i in $(seq 0 $((n - 1))); do
            cat <<EOF
  c$i {
    local_addrs = 198.51.100.$((10 + i))
    remote_addrs = 198.51.100.1
    version = 2
    proposals = aes128gcm16-prfsha256-x25519
    local {
      auth = psk
      id = client$i.example
    }
    remote {
      auth = psk
      id = gw.example
    }
    children {
      c$i {
        local_ts = 10.1.0.$((10 + i))/32
        remote_ts = 10.2.0.0/24
        esp_proposals = aes128gcm16
      }
    }
  }
EOF
        done
        echo "}"
        echo "secrets { ike-all { secret = \"floodsecret-0123456789\" } }"
    } >"$work/cl/swanctl.conf"
    swan --load-all --file "$work/cl/swanctl.conf" >"$work/load.out" 2>&1 ||
        fail "swan --load-all: $(tail -3 "$work/load.out")"
}

# A ping through each of the $1 clients' tunnels to the server behind veer;
# $2: what a failure message starts with.
flood_clients_ping() {
    local bad="" i
    for i in $(seq 0 $(($1 - 1))); do
        wait_for 30 ip netns exec "$ns_cl" ping -c 1 -W 1 -I "10.1.0.$((10 + i))" 10.2.0.2 || bad="$bad $i"
    done
    [ -z "$bad" ] || fail "$2no ping through the tunnels of clients$bad: $(tel /veer/workers)"
}

# The PSK of flood_clients_connect in $work/psk, for veer's psk_file.
flood_psk_file() {
    printf 'floodsecret-0123456789' >"$work/psk"
    chmod 600 "$work/psk"
}

# Prints the `ports:` of veer's dataplane section: outside and inside as
# lab_topology_tunnel makes them, then the flood port on device $1; $2 is
# added to the outside and inside devices (e.g. ",qpairs=2").
flood_ports_yaml() {
    cat <<EOF
  ports:
    - name: outside
      device: net_af_packet0,iface=${tag}g${2:-}
      address: 198.51.100.1/24
    - name: inside
      device: net_af_packet1,iface=${tag}i${2:-}
      address: 10.2.0.1/24
    - name: flood
      device: $1
      address: 203.0.113.1/24
EOF
}
