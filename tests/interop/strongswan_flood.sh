#!/usr/bin/env bash
# The flood test (the reason veer exists): while app/veer-flood sends spoofed
# new IKE_SA_INIT requests from 203.0.113.0/25, 20 strongSwan clients connect
# to app/veer and pass traffic.
#   - the flood is answered statelessly by the worker (COOKIE: no redirect
#     target is configured), and spoofed sources never return the cookie;
#   - the legitimate clients return theirs and are admitted ahead of the flood;
#   - every client's tunnel carries a ping to the server behind veer;
#   - no admitted request is lost to a full worker -> control ring;
#   - veer's memory stays flat (resident set growth bounded) while the flood goes on.
#
# The flood runs flat out (FLOOD_RATE=0): about 300,000 requests/s here, which
# is what one generator core pushes through af_packet and a veth, 5x what
# libreswan answers and 10x strongSwan's COOKIE rate on this machine. It runs
# on the CPU veer's control lcore uses; veer's worker has the other.
#
# Needs root (network namespaces) and DPDK. Cleans up on exit. Usage:
#   tests/interop/strongswan_flood.sh BUILD_DIR
set -uo pipefail
# shellcheck source=tests/interop/lib.sh
source "$(dirname "$0")/lib.sh"
lab_init "${1:?usage: $0 BUILD_DIR}" vf
flood="$build/app/veer-flood/veer-flood"
[ -x "$flood" ] || fail "$flood not built (DPDK missing?)"
clients=${FLOOD_CLIENTS:-20}
flood_seconds=${FLOOD_SECONDS:-120} # an upper bound: it is stopped once the checks are done
flood_rate=${FLOOD_RATE:-0}       # requests per second, 0: as fast as the generator can send
flood_pid=""
ns_fl="${tag}fl"
flood_cleanup() {
    [ -n "$flood_pid" ] && kill "$flood_pid" 2>/dev/null
    ip netns del "$ns_fl" 2>/dev/null
    lab_cleanup
}
trap flood_cleanup EXIT

lab_topology_tunnel
# The flood's own link: veer's third port, veer-flood's DPDK port at the other end.
ip netns add "$ns_fl"
ip link add "${tag}f" type veth peer name "${tag}F"
ip link set "${tag}f" netns "$ns_gw"
ip link set "${tag}F" netns "$ns_fl"
ip -n "$ns_gw" link set "${tag}f" up
ip -n "$ns_fl" link set "${tag}F" up
# The clients: 198.51.100.10.. outside, 10.1.0.10.. behind them.
for i in $(seq 0 $((clients - 1))); do
    ip -n "$ns_cl" addr add "198.51.100.$((10 + i))/24" dev "${tag}c"
    ip -n "$ns_cl" addr add "10.1.0.$((10 + i))/32" dev lo
done

printf 'floodsecret-0123456789' >"$work/psk"
chmod 600 "$work/psk"
cat >"$work/veer.yaml" <<EOF
gateway:
  # Half-open SAs are the flood's footprint: past this many the gate closes entirely.
  cookie_threshold: 200
dataplane:
  workers: 1
  idle_sleep_us: 50
  mbufs: 16384
  admission:
    # New IKE_SA_INITs reach the control lcore at 100/s at most; the rest get a COOKIE.
    mode: auto
    rate: 100
  ports:
    - name: outside
      device: net_af_packet0,iface=${tag}g
      address: 198.51.100.1/24
    - name: inside
      device: net_af_packet1,iface=${tag}i
      address: 10.2.0.1/24
    - name: flood
      device: net_af_packet2,iface=${tag}f
      address: 203.0.113.1/24
peers:
EOF
lab_peer_yaml road-warriors "'%any'" >>"$work/veer.yaml"
veer_dp_start "$work/veer.yaml"
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$veer_pid/status"; }

# --- the flood: spoofed sources that never answer a cookie, on the CPU veer's control uses
ip netns exec "$ns_fl" taskset -c 0 "$flood" -l 0 --no-huge -m 256 --no-pci \
    --file-prefix "${tag}fl" --log-level=lib.eal:error -- \
    --device "net_af_packet0,iface=${tag}F" --local 203.0.113.254/24 --dst 203.0.113.1 \
    --src 203.0.113.0/25 --rate "$flood_rate" --duration "$flood_seconds" --stats 5 >"$work/flood.out" 2>&1 &
flood_pid=$!
wait_for 100 grep -q "gateway is at" "$work/flood.out" ||
    fail "veer-flood did not start: $(tail -3 "$work/flood.out")"
sleep 3
rss_start=$(rss_kb)
[ -n "$rss_start" ] || fail "cannot read veer's resident set (pid $veer_pid)"
gate_before=$(wcount gate_cookies)
[ "${gate_before:-0}" -gt 0 ] || fail "the flood is not reaching veer's gate: $(tail -3 "$work/flood.out")"

# --- the clients: one charon, one connection each
# Each blocking `swanctl --initiate` holds one of charon's threads until it is done:
# give it enough that 20 of them leave some to process the replies.
CHARON_ROUTES=yes charon_start "threads = $((clients + 16))
  retransmit_timeout = 2.0
  retransmit_tries = 4"
{
    echo "connections {"
    for i in $(seq 0 $((clients - 1))); do
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
for i in $(seq 0 $((clients - 1))); do
    swan --initiate --child "c$i" --timeout 40 >"$work/initiate.$i" 2>&1 &
done
established() { swan --list-sas 2>/dev/null | grep -c 'ESTABLISHED'; }
wait_for 450 sh -c "[ \$(ip netns exec $ns_cl swanctl --list-sas --uri unix://$work/cl/vici 2>/dev/null | grep -c ESTABLISHED) -ge $clients ]" ||
    fail "only $(established) of $clients clients established under the flood"
kill -0 "$flood_pid" 2>/dev/null || fail "the flood ended before the clients were in; raise FLOOD_SECONDS"
pass "1. $clients strongSwan clients established while the flood went on"

# --- traffic through every client's tunnel, still under the flood
bad=""
for i in $(seq 0 $((clients - 1))); do
    wait_for 30 ip netns exec "$ns_cl" ping -c 1 -W 1 -I "10.1.0.$((10 + i))" 10.2.0.2 || bad="$bad $i"
done
[ -z "$bad" ] || fail "2: no ping through the tunnels of clients$bad: $(tel /veer/workers)"
kill -0 "$flood_pid" 2>/dev/null || fail "the flood ended before the traffic check; raise FLOOD_SECONDS"
pass "2. a ping crossed each of the $clients tunnels under the flood"

# --- what the gate did, the ring, memory
rss_end=$(rss_kb)
[ -n "$rss_end" ] || fail "3: cannot read veer's resident set (pid $veer_pid)"
cookies=$(wcount gate_cookies)
returned=$(wcount gate_cookie_admitted)
ring_full=$(wcount drop_ring_full)
[ "$ring_full" = 0 ] || fail "3: $ring_full admitted requests lost to a full control ring"
[ "$returned" -ge "$clients" ] || fail "3: only $returned requests came back with a cookie (clients: $clients)"
growth=$((rss_end - rss_start))
[ "$growth" -lt 16384 ] || fail "3: veer's resident set grew by $growth KiB under the flood"
adm=$(tel /veer/admission)
echo "$adm" | grep -q '"control_busy_pct"' || fail "3: /veer/admission shows no control-lcore load: $adm"
echo "admission under the flood: $adm"
pass "3. gate: $cookies COOKIE replies, $returned returned cookies admitted, $(wcount gate_admitted) admitted by rate; ring drops 0; RSS $rss_start -> $rss_end KiB"

kill -TERM "$flood_pid"
wait "$flood_pid"
flood_pid=""
grep -q '^RESULT' "$work/flood.out" || fail "4: veer-flood printed no result: $(tail -3 "$work/flood.out")"
echo "flood: $(grep '^veer-flood total' "$work/flood.out")"
kill -0 "$veer_pid" 2>/dev/null || fail "4: veer died"
pass "4. veer kept running; the flood's own figures are above"
