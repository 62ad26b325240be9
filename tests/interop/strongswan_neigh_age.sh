#!/usr/bin/env bash
# Neighbour aging through app/veer (docs/neighbours.md "Aging"): a
# strongSwan client pings the server behind veer through the tunnel; then the
# server's MAC changes with nothing said on the link (arp_notify off, and a
# permanent entry for veer so the server never ARPs for it: veer cannot
# learn the new MAC from the server's own requests). With
# neighbour_reachable: 2 and neighbour_probes: 2:
#   1. right after the change pings are lost (veer sends to the old MAC);
#   2. veer's unicast probes go unanswered, the entry is removed, the worker
#      asks by broadcast, and pings resume within a few seconds;
#   3. telemetry: neigh_probes and neigh_expired counted, /veer/neighbours
#      shows the server at its new MAC, state reachable.
# Without aging step 2 never happens: nothing else replaces the old MAC
# (NEIGH_REACHABLE=0 runs the same test with neighbour_reachable: 0, to see
# it fail at 2; step 0's probe check is then skipped).
#
# Needs root (network namespaces) and DPDK. Cleans up on exit. Usage:
#   tests/interop/strongswan_neigh_age.sh BUILD_DIR
set -uo pipefail
# shellcheck source=tests/interop/lib.sh
source "$(dirname "$0")/lib.sh"
lab_init "${1:?usage: $0 BUILD_DIR}" vn
lab_topology_tunnel

reachable=${NEIGH_REACHABLE:-2}
TUN_DP_EXTRA="  neighbour_reachable: $reachable"$'\n  neighbour_probes: 2' lab_tunnel_up
ccount() { tel /veer/control | sed -n "s/.*\"$1\": \([0-9]*\).*/\1/p"; }
ping_server() { ip netns exec "$ns_cl" ping -c 1 -W 1 -I 10.1.0.1 10.2.0.2; }

wait_for 50 ping_server || fail "0: no ping reply from the server through the tunnel"
# Aging on: a server that answers keeps its entry through several reachable periods.
sleep 5
ip netns exec "$ns_cl" ping -c 5 -i 0.2 -W 1 -I 10.1.0.1 10.2.0.2 >"$work/ping0.out" 2>&1 ||
    fail "0: pings lost while the server answers probes: $(tail -2 "$work/ping0.out")"
[ "$reachable" = 0 ] || [ "$(ccount neigh_probes)" -gt 0 ] ||
    fail "0: no probe sent in 5 s: $(tel /veer/control)"
[ "$(ccount neigh_expired)" = 0 ] || fail "0: an answering neighbour expired: $(tel /veer/control)"

# --- the server's MAC changes silently
dev="${tag}s"
veer_mac=$(ip -n "$ns_srv" neigh show 10.2.0.1 dev "$dev" | sed -n 's/.*lladdr \([0-9a-f:]*\).*/\1/p')
[ -n "$veer_mac" ] || fail "the server has no ARP entry for veer: $(ip -n "$ns_srv" neigh)"
old_mac=$(ip netns exec "$ns_srv" cat "/sys/class/net/$dev/address")
new_mac=02:00:00:5e:00:42
ip netns exec "$ns_srv" sysctl -qw "net.ipv4.conf.$dev.arp_notify=0" || fail "sysctl arp_notify"
ip netns exec "$ns_srv" sysctl -qw "net.ipv6.conf.$dev.disable_ipv6=1" || fail "sysctl disable_ipv6"
ip -n "$ns_srv" link set dev "$dev" address "$new_mac" || fail "ip link set address"
# The kernel flushed its neighbours on the change: veer's entry back, permanent, so no ARP goes.
ip -n "$ns_srv" neigh replace 10.2.0.1 lladdr "$veer_mac" dev "$dev" nud permanent ||
    fail "ip neigh replace"
expired0=$(ccount neigh_expired)

# --- 1. lost at first: veer still sends to the old MAC
if ping_server >/dev/null 2>&1; then
    fail "1: a ping went through right after the MAC change: veer learnt it another way"
fi
pass "1. right after the server's MAC changed ($old_mac -> $new_mac) pings through the tunnel are lost"

# --- 2. resumed once the old entry expired (2 s reachable + 2 probes 1 s apart + 1 s)
start=$(date +%s)
resumed=no
for _ in $(seq 15); do # a lost ping takes its 1 s timeout: about 15 s at most
    if ping_server >/dev/null 2>&1; then resumed=yes && break; fi
done
[ "$resumed" = yes ] ||
    fail "2: pings did not resume in 15 s: $(tel /veer/control) $(tel /veer/neighbours)"
took=$(($(date +%s) - start))
[ "$(ccount neigh_expired)" -gt "$expired0" ] || fail "2: resumed without an expiry: $(tel /veer/control)"
ip netns exec "$ns_cl" ping -c 5 -i 0.2 -W 1 -I 10.1.0.1 10.2.0.2 >"$work/ping2.out" 2>&1 ||
    fail "2: $(tail -2 "$work/ping2.out")"
pass "2. pings resumed after about $took s more (the entry expired, the worker asked by broadcast)"

# --- 3. telemetry
out=$(tel /veer/neighbours)
echo "$out" | /usr/bin/python3 -c '
import json, sys
t = json.load(sys.stdin)["/veer/neighbours"]
i = t["address"].index("10.2.0.2")
assert t["mac"][i].lower() == sys.argv[1], t
assert t["state"][i] == "reachable", t
' "$new_mac" || fail "3: /veer/neighbours: $out"
pass "3. neigh_probes=$(ccount neigh_probes) neigh_expired=$(ccount neigh_expired); /veer/neighbours shows 10.2.0.2 at $new_mac, reachable"
echo "strongswan_neigh_age: all checks passed"
