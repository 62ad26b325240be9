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
# shellcheck source=tests/interop/lib_flood.sh
source "$(dirname "$0")/lib_flood.sh"
lab_init "${1:?usage: $0 BUILD_DIR}" vf
flood_init
clients=${FLOOD_CLIENTS:-20}
flood_seconds=${FLOOD_SECONDS:-120} # an upper bound: it is stopped once the checks are done
flood_rate=${FLOOD_RATE:-0}       # requests per second, 0: as fast as the generator can send

lab_topology_tunnel
flood_link
flood_client_addrs "$clients"
flood_psk_file
{
    cat <<EOF
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
EOF
    flood_ports_yaml "net_af_packet2,iface=${tag}f"
    echo "peers:"
} >"$work/veer.yaml"
lab_peer_yaml road-warriors "'%any'" >>"$work/veer.yaml"
veer_dp_start "$work/veer.yaml"

# --- the flood: spoofed sources that never answer a cookie, on the CPU veer's control uses
flood_start "$ns_fl" "net_af_packet0,iface=${tag}F" --rate "$flood_rate" --duration "$flood_seconds"
flood_wait_started
sleep 3
rss_start=$(veer_rss_kb)
[ -n "$rss_start" ] || fail "cannot read veer's resident set (pid $veer_pid)"
gate_before=$(wcount gate_cookies)
[ "${gate_before:-0}" -gt 0 ] || fail "the flood is not reaching veer's gate: $(tail -3 "$work/flood.out")"

# --- the clients: one charon, one connection each
flood_clients_connect "$clients" 40 450 ""
kill -0 "$flood_pid" 2>/dev/null || fail "the flood ended before the clients were in; raise FLOOD_SECONDS"
pass "1. $clients strongSwan clients established while the flood went on"

# --- traffic through every client's tunnel, still under the flood
flood_clients_ping "$clients" "2: "
kill -0 "$flood_pid" 2>/dev/null || fail "the flood ended before the traffic check; raise FLOOD_SECONDS"
pass "2. a ping crossed each of the $clients tunnels under the flood"

# --- what the gate did, the ring, memory
rss_end=$(veer_rss_kb)
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

flood_stop
grep -q '^RESULT' "$work/flood.out" || fail "4: veer-flood printed no result: $(tail -3 "$work/flood.out")"
echo "flood: $(grep '^veer-flood total' "$work/flood.out")"
kill -0 "$veer_pid" 2>/dev/null || fail "4: veer died"
pass "4. veer kept running; the flood's own figures are above"
