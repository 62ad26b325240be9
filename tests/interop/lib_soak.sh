# shellcheck shell=bash disable=SC2154 # work, tag, ns_*, build, veer_ike: lib.sh's
# The soak's lab (scripts/soak.sh; source it after lib.sh and lib_flood.sh, call it after lab_init):
#
#   server 10.2.0.2 ($ns_srv) -- inside: app/veer ($ns_gw) :outside -- router/NAT ($ns_rt)
#                                          :flood                       |-- $ns_cl: charon
#                                   veer-flood ($ns_fl)                 |-- $ns_nc: NATed crowds
#
#   - the router's own addresses 198.51.100.20.. hold the crowds without a NAT;
#   - behind its nftables NAT (198.51.100.2, or 198.51.100.3 with other ports
#     after soak_nat_rebind): the strongSwan clients (192.168.77.10..,
#     inner 10.1.0.10..) and the NATed crowds (192.168.78.10..);
#   - a crowd is one veer-ike --initiate gw --count N (soak_crowd_start):
#     identity crowdK.example, a virtual IP from veer's pool, liveness
#     checks every 5 s, start_action start (it comes back when an SA is lost).
#
#   soak_lab                         # the namespaces, links, NAT
#   soak_veer_yaml CROWDS SWANS      # $work/gw.yaml
#   soak_crowd_start K SIZE | soak_crowd_stop K TERM|KILL
#   soak_swan_start SWANS | soak_swan_kill | soak_swan_cycle I
#   soak_nat_rebind                  # the NAT's next mapping
#   soak_flood_start RATE SECONDS | soak_flood_stop
#
# Every wait is bounded; failures go through lib.sh's fail.

declare -gA crowd_pids
soak_nat_public=198.51.100.2
flood_pid=""
ns_fl="" ns_nc=""

soak_lab() {
    lab_topology_tunnel
    lab_client_behind_router 198.51.100.2/24 198.51.100.3/24
    # The crowds without a NAT live on the router itself.
    local k
    for k in $(seq 0 15); do ip -n "$ns_rt" addr add "198.51.100.$((20 + k))/24" dev "${tag}c"; done
    # The NATed crowds: a namespace of their own behind the router.
    ns_nc="${tag}nc"
    ip netns add "$ns_nc"
    lab_netns+=("$ns_nc")
    lab_veth "${tag}n" "$ns_nc" 192.168.78.2/24 "${tag}N" "$ns_rt" 192.168.78.1/24
    ip -n "$ns_nc" link set lo up
    ip -n "$ns_nc" route add default via 192.168.78.1
    ip netns exec "$ns_nc" ethtool -K "${tag}n" tx off >/dev/null 2>&1 || fail "ethtool -K tx off"
    for k in $(seq 0 15); do ip -n "$ns_nc" addr add "192.168.78.$((10 + k))/24" dev "${tag}n"; done
    soak_nat_rules 198.51.100.2 "" || fail "nft: cannot set up the NAT"
    flood_link # veer's third port, veer-flood's DPDK port at the other end
}

# The NAT: UDP from the private side leaves as $1 (ports $2 when given, e.g. 30000-30999).
soak_nat_rules() {
    ip netns exec "$ns_rt" nft -f - <<EOF
flush ruleset
table ip nat {
  chain post {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "${tag}c" ip saddr 192.168.0.0/16 ip protocol udp snat to $1${2:+:$2}
    oifname "${tag}c" ip saddr 192.168.0.0/16 snat to $1
  }
}
EOF
}

# The NAT forgets its mappings and makes new ones from its other address and
# port range: every NATed client's next message comes from elsewhere.
soak_nat_rebind() {
    if [ "$soak_nat_public" = 198.51.100.2 ]; then
        soak_nat_public=198.51.100.3
        soak_nat_rules 198.51.100.3 30000-30999
    else
        soak_nat_public=198.51.100.2
        soak_nat_rules 198.51.100.2 ""
    fi
    ip netns exec "$ns_rt" conntrack -F >/dev/null 2>&1
}

# Lifetimes short enough that every SA rekeys several times; liveness checks
# every 5 s, dead after 3 unanswered sends (0.5 + 1 + 2 s).
soak_peer_common() {
    cat <<EOF
    psk_file: $work/psk
    local_id: gw.example
    remote_id: $1
    ike_proposals: [aes128gcm16-prfsha256-x25519]
    esp_proposals: [aes128gcm16]
    local_ts: [10.2.0.0/24]
    ike_rekey_time: ${SOAK_IKE_REKEY:-60s}
    child_rekey_time: ${SOAK_CHILD_REKEY:-20s}
    dpd_delay: 5s
EOF
}

# app/veer's configuration in $work/gw.yaml: $1 crowds (peers crowdK.example,
# virtual IPs from pool soak) and $2 strongSwan clients (swanI.example).
soak_veer_yaml() {
    lab_psk_file
    {
        cat <<EOF
gateway:
  half_open_timeout: 10
  retransmit_tries: 3
  cookie_threshold: 200
pools:
  - name: soak
    addresses: 10.9.0.0/24
    hold: 10s
dataplane:
  workers: 1
  idle_sleep_us: 50
  mbufs: 8192
  admission:
    mode: auto
    rate: 100
EOF
        flood_ports_yaml "net_af_packet2,iface=${tag}f"
        echo "peers:"
        local k
        for k in $(seq 0 $(($1 - 1))); do
            echo "  - name: crowd$k"
            soak_peer_common "crowd$k.example"
            echo "    pools: [soak]"
        done
        for k in $(seq 0 $(($2 - 1))); do
            echo "  - name: swan$k"
            soak_peer_common "swan$k.example"
            echo "    remote_ts: [10.1.0.$((10 + k))/32]"
        done
    } >"$work/gw.yaml"
}

# Crowd $1's address and namespace: even ones on the router (no NAT), odd ones behind the NAT.
soak_crowd_ns() { if [ $(($1 % 2)) = 0 ]; then echo "$ns_rt"; else echo "$ns_nc"; fi; }
soak_crowd_addr() {
    if [ $(($1 % 2)) = 0 ]; then echo "198.51.100.$((20 + $1 / 2))"; else echo "192.168.78.$((10 + $1 / 2))"; fi
}

# Crowd $1: veer-ike with $2 IKE SAs to app/veer, 50 started a second.
soak_crowd_start() {
    local k=$1
    cat >"$work/crowd$k.yaml" <<EOF
gateway:
  listen: [$(soak_crowd_addr "$k")]
  retransmit_base_ms: 500
peers:
  - name: gw
    psk_file: $work/psk
    local_id: crowd$k.example
    remote_id: gw.example
    remote: 198.51.100.1
    start_action: start
    qcd: off
    dpd_delay: 5s
    vips: [0.0.0.0]
    ike_proposals: [aes128gcm16-prfsha256-x25519]
    esp_proposals: [aes128gcm16]
    remote_ts: [10.2.0.0/24]
EOF
    ip netns exec "$(soak_crowd_ns "$k")" "$veer_ike" -c "$work/crowd$k.yaml" --initiate gw \
        --count "$2" --rate 50 --state-file "$work/crowd$k.state" -q \
        >"$work/crowd$k.out" 2>>"$work/crowd$k.log" &
    crowd_pids[$k]=$!
    lab_pids+=("$!")
}

# Crowd $1 leaves: TERM (veer-ike deletes its SAs first, up to 2 s) or KILL (it vanishes).
soak_crowd_stop() {
    local pid=${crowd_pids[$1]:-}
    [ -n "$pid" ] || return 0
    kill -"$2" "$pid" 2>/dev/null
    # Reaped at once after KILL, so that bash reports no "Killed" job.
    [ "$2" = KILL ] && wait "$pid" 2>/dev/null
    wait_for 100 sh -c "! kill -0 $pid" || kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    crowd_pids[$1]=""
    return 0
}

# The strongSwan clients: one charon behind the NAT with $1 connections sI
# (from 192.168.77.10+I, inner 10.1.0.10+I, liveness checks every 5 s), all
# initiated; a ping every 0.5 s through each tunnel for the whole run
# ($work/pingI.out).
soak_swan_start() {
    soak_swans=$1
    local i
    if [ ! -f "$work/cl/swanctl.conf" ]; then
        for i in $(seq 0 $((soak_swans - 1))); do
            ip -n "$ns_cl" addr add "192.168.77.$((10 + i))/24" dev "${tag}p"
            ip -n "$ns_cl" addr add "10.1.0.$((10 + i))/32" dev lo
        done
    fi
    CHARON_ROUTES=yes charon_start "retransmit_timeout = 2.0
  retransmit_tries = 3"
    {
        echo "connections {"
        for i in $(seq 0 $((soak_swans - 1))); do
            TUN_CONN_EXTRA="local_addrs = 192.168.77.$((10 + i))
    dpd_delay = 5s
    mobike = no" TUN_SWAN_LOCAL_TS="10.1.0.$((10 + i))/32" lab_swan_conn "s$i" "local {
      auth = psk
      id = swan$i.example
    }" psk "s$i"
        done
        echo "}"
        echo "secrets { ike-all { secret = \"labsecret-0123456789\" } }"
    } >"$work/cl/swanctl.conf"
    lab_swan_load "strongSwan: "
    for i in $(seq 0 $((soak_swans - 1))); do
        swan --initiate --child "s$i" --timeout 20 >"$work/initiate.$i" 2>&1 &
    done
}

# Starts the pings (once: they go on across charon's restarts).
soak_pings_start() {
    local i
    for i in $(seq 0 $((soak_swans - 1))); do
        ip netns exec "$ns_cl" ping -i 0.5 -W 1 -I "10.1.0.$((10 + i))" 10.2.0.2 \
            >"$work/ping$i.out" 2>&1 &
        lab_pids+=("$!")
        soak_ping_pids+=("$!")
    done
}

# The pings stopped (SIGINT: each prints its summary).
soak_pings_stop() {
    local p
    for p in "${soak_ping_pids[@]}"; do kill -INT "$p" 2>/dev/null; done
    for p in "${soak_ping_pids[@]}"; do wait "$p" 2>/dev/null; done
    soak_ping_pids=()
}

# charon vanishes: kill -9, no delete sent.
soak_swan_kill() {
    [ -n "$charon_pid" ] || return 0
    kill -9 "$charon_pid" 2>/dev/null
    wait "$charon_pid" 2>/dev/null
    charon_pid=""
}

# strongSwan client $1 deletes its IKE SA and initiates again.
soak_swan_cycle() {
    swan --terminate --ike "s$1" --timeout 10 >/dev/null 2>&1
    swan --initiate --child "s$1" --timeout 20 >"$work/initiate.$1" 2>&1 &
}

# veer-flood: $1 spoofed IKE_SA_INITs a second from 203.0.113.0/25, for at most $2 s.
soak_flood_start() {
    local flood="$build/app/veer-flood/veer-flood"
    [ -x "$flood" ] || fail "$flood not built (DPDK missing?)"
    # veer-flood writes line-buffered: "gateway is at" shows before the first figures, 60 s on.
    ip netns exec "$ns_fl" "$flood" -l 0 --no-huge -m 256 --no-pci \
        --file-prefix "${tag}fl" --log-level=lib.eal:error -- \
        --device "net_af_packet0,iface=${tag}F" --local 203.0.113.254/24 --dst 203.0.113.1 \
        --src 203.0.113.0/25 --rate "$1" --duration "$2" --stats 60 >"$work/flood.out" 2>&1 &
    flood_pid=$!
    lab_pids+=("$flood_pid")
    wait_for 300 grep -q "gateway is at" "$work/flood.out" ||
        fail "veer-flood did not start: $(tail -3 "$work/flood.out")"
}

soak_flood_stop() {
    [ -n "$flood_pid" ] || return 0
    kill -TERM "$flood_pid" 2>/dev/null
    wait "$flood_pid" 2>/dev/null
    flood_pid=""
}
