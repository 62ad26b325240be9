#!/usr/bin/env bash
# Virtual IPs from address pools through the DPDK dataplane: app/veer leases
# addresses from two pools (rw4: 10.3.0.0/30, two addresses; rw6:
# fd00:3::/112) to strongSwan 5.9 clients that ask with `vips = 0.0.0.0, ::`
# (a CFG_REQUEST in IKE_AUTH, RFC 7296 2.19). One charon, three identities
# (c1, c2, c3.example), each its own IKE SA:
#   1. c1 gets 10.3.0.1 and fd00:3::1 (and the pool's DNS server); ping and
#      ping6 from those addresses cross the tunnel both ways; /veer/pools and
#      /veer/pools/leases show the leases;
#   2. c2 gets 10.3.0.2; c3 finds the IPv4 pool empty: INTERNAL_ADDRESS_FAILURE,
#      no Child SA, counted;
#   3. c1 goes: its address is held for it, c3 still gets none; c1 comes back
#      and gets 10.3.0.1 again;
#   4. releasing an address in use is refused; c1 goes, the operator releases
#      its held lease, and c3 gets 10.3.0.1.
#
# Needs root (network namespaces) and DPDK. Cleans up on exit. Usage:
#   tests/interop/strongswan_vip.sh BUILD_DIR
set -uo pipefail
# shellcheck source=tests/interop/lib.sh
source "$(dirname "$0")/lib.sh"
lab_init "${1:?usage: $0 BUILD_DIR}" vv
lab_topology_dpdk
lab_server_behind_gateway 6

TUN_TOP_EXTRA="pools:
  - name: rw4
    addresses: 10.3.0.0/30
    dns: [10.2.0.53]
  - name: rw6
    addresses: fd00:3::/112" TUN_INSIDE_EXTRA="      address6: 2001:db8:2::1/64" \
    TUN_LOCAL_TS="10.2.0.0/24, 2001:db8:2::/64" TUN_REMOTE_ID="'%any'" \
    TUN_PEER_EXTRA="    pools: [rw4, rw6]" lab_tunnel_veer_yaml
veer_dp_start "$work/veer.yaml"
# strongSwan's resolve plugin writes the DNS servers it is given to a file of the lab's.
CHARON_ROUTES=yes CHARON_PLUGINS=resolve charon_start "plugins { resolve { file = $work/resolv.conf } }"

{
    echo "connections {"
    for c in c1 c2 c3; do
        TUN_CONN_EXTRA="vips = 0.0.0.0, ::" TUN_SWAN_LOCAL_TS=dynamic \
            TUN_REMOTE_TS="10.2.0.0/24, 2001:db8:2::/64" lab_swan_conn "$c" "local {
      auth = psk
      id = $c.example
    }" psk "$c"
    done
    echo "}"
    lab_swan_secrets c1.example c2.example c3.example gw.example
} >"$work/cl/swanctl.conf"
lab_swan_load

# The virtual IPs strongSwan lists for connection $1 ("10.3.0.1 fd00:3::1"), or nothing.
vips_of() {
    swan --list-sas --ike "$1" 2>/dev/null |
        sed -n 's/^ *local .*\[[0-9]*\] \[\(.*\)\]$/\1/p' | head -n1
}
connect() { swan --initiate --child "$1" --timeout 20 >"$work/initiate-$1.out" 2>&1; }
terminate() {
    swan --terminate --ike "$1" --timeout 10 >/dev/null 2>&1
    wait_for 50 sh -c "! ip netns exec $ns_cl swanctl --list-sas --ike $1 --uri unix://$work/cl/vici 2>/dev/null | grep -q ESTABLISHED" ||
        fail "strongSwan kept $1's SA after terminating it"
}
pool_col() { # pool_col NAME COLUMN: that pool's figure from /veer/pools
    tel /veer/pools | /usr/bin/python3 -c "import json,sys
d=json.load(sys.stdin)['/veer/pools']; print(d['$2'][d['name'].index('$1')])"
}

# --- 1. c1 gets an address of each family, and traffic flows from them
connect c1 || fail "1: c1 did not connect: $(cat "$work/initiate-c1.out")"
vips=$(vips_of c1)
[ "$vips" = "10.3.0.1 fd00:3::1" ] || fail "1: c1's virtual IPs are \"$vips\", not 10.3.0.1 and fd00:3::1"
wait_for 30 grep -q "nameserver 10.2.0.53" "$work/resolv.conf" ||
    fail "1: strongSwan did not take the pool's DNS server: $(cat "$work/resolv.conf" 2>&1)"
wait_for 50 ip netns exec "$ns_cl" ping -c 1 -W 1 -I 10.3.0.1 10.2.0.2 >/dev/null 2>&1 ||
    fail "1: no ping from 10.3.0.1 through the tunnel: $(tel /veer/workers)"
ip netns exec "$ns_cl" ping -c 3 -i 0.2 -W 1 -I 10.3.0.1 10.2.0.2 >"$work/ping1.out" 2>&1 ||
    fail "1: ping from 10.3.0.1: $(tail -2 "$work/ping1.out")"
ip netns exec "$ns_srv" ping -c 3 -i 0.2 -W 1 10.3.0.1 >"$work/ping2.out" 2>&1 ||
    fail "1: ping from the server to 10.3.0.1: $(tail -2 "$work/ping2.out")"
wait_for 50 ip netns exec "$ns_cl" ping -6 -c 1 -W 1 -I fd00:3::1 2001:db8:2::2 >/dev/null 2>&1 ||
    fail "1: no ping6 from fd00:3::1 through the tunnel: $(tel /veer/workers)"
ip netns exec "$ns_srv" ping -6 -c 3 -i 0.2 -W 1 fd00:3::1 >"$work/ping3.out" 2>&1 ||
    fail "1: ping6 from the server to fd00:3::1: $(tail -2 "$work/ping3.out")"
[ "$(pool_col rw4 used)" = 1 ] && [ "$(pool_col rw6 used)" = 1 ] &&
    [ "$(pool_col rw4 size)" = 2 ] || fail "1: /veer/pools: $(tel /veer/pools)"
lab_expect_tel /veer/pools/leases,rw4 '"address": \["10.3.0.1"\], "owner": \["c1.example"\], "state": \["online"\]' \
    /veer/pools/leases
pass "1. c1 got 10.3.0.1 and fd00:3::1; ping and ping6 from them cross the tunnel both ways; /veer/pools shows the leases"

# --- 2. the IPv4 pool runs out at the third client
connect c2 || fail "2: c2 did not connect: $(cat "$work/initiate-c2.out")"
[ "$(vips_of c2)" = "10.3.0.2 fd00:3::2" ] || fail "2: c2's virtual IPs are \"$(vips_of c2)\""
connect c3 && fail "2: c3 connected although the IPv4 pool is empty"
grep -q "INTERNAL_ADDRESS_FAILURE" "$work/charon.log" ||
    fail "2: strongSwan saw no INTERNAL_ADDRESS_FAILURE"
[ "$(ike_count cp_address_failure)" -ge 1 ] && [ "$(pool_col rw4 exhausted)" -ge 1 ] ||
    fail "2: cp_address_failure=$(ike_count cp_address_failure), /veer/pools: $(tel /veer/pools)"
pass "2. c2 got 10.3.0.2; c3 was refused with INTERNAL_ADDRESS_FAILURE ($(ike_count cp_address_failure) counted)"

# --- 3. a held address stays its owner's
terminate c3 # its IKE SA, if strongSwan kept one without a Child SA
terminate c1
held_one() { [ "$(pool_col rw4 held)" = 1 ]; }
wait_for 50 held_one || fail "3: c1's lease is not held: $(tel /veer/pools)"
connect c3 && fail "3: c3 got c1's held address"
terminate c3
connect c1 || fail "3: c1 did not reconnect: $(cat "$work/initiate-c1.out")"
[ "$(vips_of c1)" = "10.3.0.1 fd00:3::1" ] || fail "3: c1 came back with \"$(vips_of c1)\""
pass "3. c1's address was held for it (c3 refused again), and c1 got 10.3.0.1 back"

# --- 4. the operator releases a held lease
out=$(tel /veer/pools/release,rw4,10.3.0.1)
echo "$out" | grep -q '"error": ".*in use' || fail "4: releasing an address in use: $out"
terminate c1
wait_for 50 held_one || fail "4: c1's lease is not held: $(tel /veer/pools)"
lab_expect_tel /veer/pools/release,rw4,10.3.0.1 '"released": "yes"' /veer/pools/release
connect c3 || fail "4: c3 did not connect after the release: $(cat "$work/initiate-c3.out")"
[ "$(vips_of c3 | cut -d' ' -f1)" = 10.3.0.1 ] || fail "4: c3 got \"$(vips_of c3)\""
pass "4. an address in use cannot be released; c1's held one could, and c3 got 10.3.0.1"

veer_dp_stop
echo "strongswan_vip: all checks passed"
