#!/usr/bin/env bash
# Routes changed at run time through the telemetry socket, with a real tunnel
# up: a strongSwan client (kernel-libipsec) reaches, through app/veer, a
# subnet 10.9.0.0/24 that lies behind the server 10.2.0.2 and is reachable
# only by a static route veer does not have at first.
#   1. without the route, pings to 10.9.0.1 are dropped and counted as drop_no_route;
#   2. /veer/routes/add,10.9.0.0/24,10.2.0.2 makes them cross; /veer/routes shows it;
#   3. malformed and impossible route commands get error objects, change nothing;
#   4. 20 deletes and adds while a ping stream runs: veer keeps forwarding;
#   5. /veer/routes/del cuts the subnet off again.
#
# Needs root (network namespaces) and DPDK. Cleans up on exit. Usage:
#   tests/interop/strongswan_routes.sh BUILD_DIR
set -uo pipefail
# shellcheck source=tests/interop/lib.sh
source "$(dirname "$0")/lib.sh"
lab_init "${1:?usage: $0 BUILD_DIR}" vr
lab_topology_tunnel
# The subnet behind the server: only veer's static route leads there.
ip -n "$ns_srv" addr add 10.9.0.1/24 dev lo

TUN_LOCAL_TS="10.2.0.0/24, 10.9.0.0/24" lab_tunnel_veer_yaml
veer_dp_start "$work/veer.yaml"

CHARON_ROUTES=yes charon_start
TUN_REMOTE_TS=10.2.0.0/24,10.9.0.0/24 lab_tunnel_swanctl_conf
lab_swan_load
lab_swan_initiate
ping_subnet() { ip netns exec "$ns_cl" ping -c "${1:-1}" -i 0.2 -W 1 -I 10.1.0.1 10.9.0.1 >/dev/null 2>&1; }

wait_for 50 ip netns exec "$ns_cl" ping -c 1 -W 1 -I 10.1.0.1 10.2.0.2 ||
    fail "no ping reply from the server through the tunnel: $(tel /veer/workers)"

# --- 1. no route yet
before=$(wcount drop_no_route)
ping_subnet 3 && fail "1: 10.9.0.1 answered without a route"
after=$(wcount drop_no_route)
[ "${after:-0}" -ge $((${before:-0} + 3)) ] || fail "1: drop_no_route $before -> $after"
pass "1. without a route the pings to 10.9.0.1 are dropped (drop_no_route $before -> $after)"

# --- 2. add it
out=$(tel /veer/routes/add,10.9.0.0/24,10.2.0.2)
echo "$out" | grep -q '"routes": 1, .*"changes": 1, .*"to": \["10.9.0.0/24"\], "via": \["10.2.0.2"\], "port": \["(any)"\]' ||
    fail "2: /veer/routes/add: $out"
wait_for 30 ping_subnet || fail "2: 10.9.0.1 still unreachable after the route was added"
ping_subnet 5 || fail "2: pings to 10.9.0.1 lost after the route was added"
out=$(tel /veer/routes)
echo "$out" | grep -q '"to": \["10.9.0.0/24"\]' || fail "2: /veer/routes: $out"
pass "2. /veer/routes/add made 10.9.0.0/24 reachable through the tunnel; /veer/routes shows it"

# --- 3. refusals
for bad in "/veer/routes/add,10.9.0.0/24" "/veer/routes/add,10.9.0.1/24,10.2.0.2" \
    "/veer/routes/add,10.8.0.0/16,192.0.2.1" "/veer/routes/add,10.9.0.0/24,10.2.0.3" \
    "/veer/routes/add,10.8.0.0/16,10.2.0.2,nowhere" "/veer/routes/add,10.8.0.0/16,10.2.0.2,a,b" \
    "/veer/routes/add,2001:db8::/32,10.2.0.2" "/veer/routes/del,10.7.0.0/16" "/veer/routes/del" \
    "/veer/routes/del,banana" "/veer/routes,x"; do
    out=$(tel "$bad")
    echo "$out" | grep -q '"error": "' || fail "3: $bad gave no error object: $out"
done
out=$(tel /veer/routes)
echo "$out" | grep -q '"routes": 1, .*"changes": 1,' || fail "3: refused commands changed the table: $out"
kill -0 "$veer_pid" 2>/dev/null || fail "3: veer died on malformed route commands"
pass "3. malformed, duplicate and off-link routes refused with error objects; the table unchanged"

# --- 4. changes under traffic
ip netns exec "$ns_cl" ping -c 400 -i 0.01 -W 1 -I 10.1.0.1 10.9.0.1 >"$work/stream.out" 2>&1 &
stream=$!
for i in $(seq 20); do
    tel /veer/routes/del,10.9.0.0/24 | grep -q '"routes": 0' || fail "4: delete $i"
    tel /veer/routes/add,10.9.0.0/24,10.2.0.2,inside | grep -q '"routes": 1' || fail "4: add $i"
done
wait "$stream"
received=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$work/stream.out")
kill -0 "$veer_pid" 2>/dev/null || fail "4: veer died while routes changed under traffic"
[ "${received:-0}" -gt 0 ] || fail "4: nothing crossed during the changes: $(tail -2 "$work/stream.out")"
ping_subnet 3 || fail "4: 10.9.0.1 unreachable after the changes"
out=$(tel /veer/routes)
echo "$out" | grep -q '"changes": 41, .*"port": \["inside"\]' || fail "4: /veer/routes: $out"
pass "4. 40 route changes under a ping stream ($received of 400 answered), forwarding goes on"

# --- 5. delete
tel /veer/routes/del,10.9.0.0/24 | grep -q '"routes": 0' || fail "5: delete"
ping_subnet 2 && fail "5: 10.9.0.1 still answers after the route was deleted"
ping_subnet_ok=$(ip netns exec "$ns_cl" ping -c 1 -W 1 -I 10.1.0.1 10.2.0.2 >/dev/null 2>&1 && echo yes)
[ "$ping_subnet_ok" = yes ] || fail "5: the connected subnet stopped working"
pass "5. /veer/routes/del cut 10.9.0.0/24 off again; the connected subnet still works"
echo "strongswan_routes: all checks passed"
