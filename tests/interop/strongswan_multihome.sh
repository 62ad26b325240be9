#!/usr/bin/env bash
# A multihomed app/veer: two uplink ports, the first with two addresses
# (198.51.100.1 and 198.51.100.11), the second with 203.0.113.1, and the
# protected side on a third. One strongSwan client namespace with a link to
# each uplink runs two connections:
#   1. /veer/port/addresses lists every address of every port;
#   2. connection gw1 to 198.51.100.11 (the first port's second address) and
#      gw2 to 203.0.113.1 (the second port) are both established, each with
#      that address as veer's end; pings cross both tunnels both ways;
#   3. /veer/port/address_add,outside,198.51.100.12/24 at run time: veer
#      announces it (gratuitous ARP) and answers ARP for it;
#      /veer/port/address_del removes it and ARP for it goes unanswered;
#   4. malformed and impossible address commands get error objects and change
#      nothing; both tunnels still carry pings.
#
# Needs root (network namespaces) and DPDK. Cleans up on exit. About 20 s. Usage:
#   tests/interop/strongswan_multihome.sh BUILD_DIR
set -uo pipefail
# shellcheck source=tests/interop/lib.sh
source "$(dirname "$0")/lib.sh"
lab_init "${1:?usage: $0 BUILD_DIR}" vm
lab_topology_tunnel
# The second uplink: the client's 203.0.113.2 on ${tag}x, veer's DPDK port on ${tag}u.
lab_veth "${tag}x" "$ns_cl" 203.0.113.2/24 "${tag}u" "$ns_gw" 203.0.113.9/24
ip -n "$ns_gw" addr flush dev "${tag}u"
ip netns exec "$ns_cl" ethtool -K "${tag}x" tx off >/dev/null 2>&1 || fail "ethtool -K tx off"
# The second connection's inner address.
ip -n "$ns_cl" addr add 10.3.0.1/32 dev lo

lab_psk_file
{
    cat <<YAML
dataplane:
  workers: 1
  idle_sleep_us: 50
  mbufs: 8192
  ports:
    - name: outside
      device: net_af_packet0,iface=${tag}g
      address: 198.51.100.1/24
      addresses: [198.51.100.11/24]
    - name: inside
      device: net_af_packet1,iface=${tag}i
      address: 10.2.0.1/24
    - name: outside2
      device: net_af_packet2,iface=${tag}u
      addresses: [203.0.113.1/24]
peers:
YAML
    TUN_CLIENT_TS=10.1.0.0/16 lab_peer_yaml rw1 client.example
    TUN_CLIENT_TS=10.3.0.0/16 lab_peer_yaml rw2 client2.example
} >"$work/veer.yaml"
"$build/app/veer/veer" --check "$work/veer.yaml" >"$work/check.out" 2>&1 ||
    fail "veer --check: $(cat "$work/check.out")"
veer_dp_start "$work/veer.yaml"

# --- 1. the addresses as configured
out=$(tel /veer/port/addresses)
echo "$out" | grep -q '"addresses": 4, .*"port": \["outside", "outside", "inside", "outside2"\], "address": \["198.51.100.1/24", "198.51.100.11/24", "10.2.0.1/24", "203.0.113.1/24"\]' ||
    fail "1: /veer/port/addresses: $out"
pass "1. /veer/port/addresses lists the four addresses of three ports"

# --- 2. one tunnel to each address
CHARON_ROUTES=yes charon_start
mkdir -p "$work/cl"
{
    echo "connections {"
    TUN_GW_ADDR=198.51.100.11 lab_swan_conn gw1 "" psk c
    TUN_GW_ADDR=203.0.113.1 TUN_SWAN_LOCAL_TS=10.3.0.1/32 lab_swan_conn gw2 "local {
      auth = psk
      id = client2.example
    }" psk c2
    echo "}"
    lab_swan_secrets client.example client2.example gw.example
} >"$work/cl/swanctl.conf"
lab_swan_load
for child in c c2; do
    swan --initiate --child "$child" --timeout 20 >"$work/initiate-$child.out" 2>&1 || {
        cat "$work/initiate-$child.out"
        fail "2: swan --initiate --child $child: $(tel /veer/control)"
    }
done
swan --list-sas >"$work/sas.out" 2>/dev/null
{ grep -q "gw1: .*ESTABLISHED" "$work/sas.out" && grep -q "gw2: .*ESTABLISHED" "$work/sas.out"; } ||
    fail "2: not both IKE SAs established: $(cat "$work/sas.out")"
grep -A2 "^gw1:" "$work/sas.out" | grep -q "198.51.100.11\[4500\]" ||
    fail "2: gw1 is not with 198.51.100.11: $(cat "$work/sas.out")"
grep -A2 "^gw2:" "$work/sas.out" | grep -q "203.0.113.1\[4500\]" ||
    fail "2: gw2 is not with 203.0.113.1: $(cat "$work/sas.out")"
ping_from() { ip netns exec "$ns_cl" ping -c "${2:-1}" -i 0.2 -W 1 -I "$1" 10.2.0.2 >/dev/null 2>&1; }
for inner in 10.1.0.1 10.3.0.1; do
    wait_for 50 ping_from "$inner" || fail "2: no ping reply from $inner: $(tel /veer/workers)"
    ping_from "$inner" 5 || fail "2: pings from $inner lost"
    ip netns exec "$ns_srv" ping -c 5 -i 0.2 -W 1 "$inner" >/dev/null 2>&1 ||
        fail "2: server -> $inner lost"
done
pass "2. tunnels to 198.51.100.11 (outside's second address) and 203.0.113.1 (outside2), pings both ways"

# --- 3. an address added and removed at run time
# Asks for 198.51.100.12 on the client's first link: prints the MAC the client learnt, if any.
arp_for_12() {
    ip -n "$ns_cl" neigh del 198.51.100.12 dev "${tag}c" 2>/dev/null
    ip netns exec "$ns_cl" ping -c 1 -W 1 198.51.100.12 >/dev/null 2>&1
    ip -n "$ns_cl" neigh show 198.51.100.12 dev "${tag}c" | sed -n 's/.*lladdr \([0-9a-f:]*\).*/\1/p'
}
[ -z "$(arp_for_12)" ] || fail "3: 198.51.100.12 answered ARP before it was added"
requests=$(ctrl_count arp_requests)
out=$(tel /veer/port/address_add,outside,198.51.100.12/24)
echo "$out" | grep -q '"addresses": 5, .*"changes": 1,.*"198.51.100.12/24"' ||
    fail "3: /veer/port/address_add: $out"
wait_for 20 grep -q "addresses changed" "$work/veer.log" || fail "3: the control lcore saw no change"
[ "$(ctrl_count arp_requests)" -gt "$requests" ] || fail "3: no gratuitous ARP for the new address"
mac=$(arp_for_12)
[ -n "$mac" ] || fail "3: 198.51.100.12 did not answer ARP after address_add: $(tel /veer/control)"
out=$(tel /veer/port/address_del,outside,198.51.100.12)
echo "$out" | grep -q '"addresses": 4, .*"changes": 2,' || fail "3: /veer/port/address_del: $out"
wait_for 20 sh -c "[ -z \"\$(ip -n $ns_cl neigh del 198.51.100.12 dev ${tag}c 2>/dev/null;
    ip netns exec $ns_cl ping -c 1 -W 1 198.51.100.12 >/dev/null 2>&1;
    ip -n $ns_cl neigh show 198.51.100.12 dev ${tag}c | grep lladdr)\" ]" ||
    fail "3: 198.51.100.12 still answers ARP after address_del"
pass "3. 198.51.100.12 added at run time: announced, ARP answered ($mac); deleted: unanswered"

# --- 4. refusals
for bad in "/veer/port/address_add,outside,198.51.100.11/24" \
    "/veer/port/address_add,outside2,198.51.100.11/24" "/veer/port/address_add,nowhere,192.0.2.1/24" \
    "/veer/port/address_add,outside,198.51.100.0/24" "/veer/port/address_add,outside,198.51.100.13/33" \
    "/veer/port/address_add,outside,banana" "/veer/port/address_add,outside" \
    "/veer/port/address_add,outside,192.0.2.1/24,x" "/veer/port/address_del,outside2,203.0.113.1" \
    "/veer/port/address_del,outside,203.0.113.1" "/veer/port/address_del,outside,nope" \
    "/veer/port/address_del" "/veer/port/addresses,x"; do
    out=$(tel "$bad")
    echo "$out" | grep -q '"error": "' || fail "4: $bad gave no error object: $out"
done
out=$(tel /veer/port/addresses)
echo "$out" | grep -q '"addresses": 4, .*"changes": 2,' || fail "4: refused commands changed the list: $out"
kill -0 "$veer_pid" 2>/dev/null || fail "4: veer died on malformed address commands"
for inner in 10.1.0.1 10.3.0.1; do
    ping_from "$inner" 3 || fail "4: pings from $inner lost after the changes"
done
pass "4. duplicate, foreign, malformed and last-address commands refused; both tunnels still up"
echo "strongswan_multihome: all checks passed"
