#!/usr/bin/env bash
# A strongSwan client that is not on veer's subnet, as every client on the
# Internet: client 192.168.77.2 -- router (198.51.100.254, no NAT) -- app/veer
# (198.51.100.1, af_packet) -- server 10.2.0.2. veer reaches the client only
# through `dataplane.routes` (a default route via the router), for IKE sent
# by the control lcore and for ESP alike. The outside port's MTU is 576 and
# the client proposes MODP-4096, so veer's IKE_SA_INIT response (a 512-byte
# KE) is longer than the MTU and leaves as IPv4 fragments, which the
# client's kernel reassembles.
#   1. the IKE SA and Child SA come up through the router;
#   2. veer sent IKE through the route and fragmented (tx_ike_fragmented);
#   3. pings cross the tunnel both ways.
#
# Needs root (network namespaces) and DPDK. Cleans up on exit. Usage:
#   tests/interop/strongswan_routed.sh BUILD_DIR
set -uo pipefail
# shellcheck source=tests/interop/lib.sh
source "$(dirname "$0")/lib.sh"
lab_init "${1:?usage: $0 BUILD_DIR}" vo
lab_topology_tunnel
lab_client_behind_router 198.51.100.254/24

TUN_DP_EXTRA="  routes: [{to: 0.0.0.0/0, via: 198.51.100.254}]" lab_tunnel_veer_yaml
# The outside port's MTU down to 576: IKE_SA_INIT with MODP-4096 no longer fits.
sed -i 's|      address: 198.51.100.1/24|      address: 198.51.100.1/24\n      mtu: 576|' "$work/veer.yaml"
sed -i 's|aes128gcm16-prfsha256-x25519|aes128gcm16-prfsha256-modp4096|' "$work/veer.yaml"
veer_dp_start "$work/veer.yaml"

CHARON_ROUTES=yes charon_start
TUN_CONN_EXTRA="fragmentation = no" lab_tunnel_swanctl_conf
sed -i 's|aes128gcm16-prfsha256-x25519|aes128gcm16-prfsha256-modp4096|' "$work/cl/swanctl.conf"
swan --load-all --file "$work/cl/swanctl.conf" >"$work/load.out" 2>&1 || fail "swan --load-all"
swan --initiate --child c --timeout 30 >"$work/initiate.out" 2>&1 ||
    fail "1: swan --initiate: $(tail -3 "$work/initiate.out")"
wait_for 50 grep -q "state=ESTABLISHED" "$work/state" || fail "1: veer: IKE SA not ESTABLISHED"
grep -q "remote=198.51.100.254:\|remote=192.168.77.2:" "$work/state" ||
    fail "1: veer's SA: $(grep ^ike_sa "$work/state")"
pass "1. IKE SA and Child SA up with a client behind a router ($(sed -n 's/^ike_sa .* remote=\([0-9.:]*\) .*/\1/p' "$work/state"))"

frag=$(sed -n 's/^ctrl tx_ike_fragmented=//p' "$work/state")
noroute=$(sed -n 's/^ctrl tx_no_route=//p' "$work/state")
[ "${frag:-0}" -ge 1 ] || fail "2: tx_ike_fragmented=$frag (MODP-4096 IKE_SA_INIT over a 576-byte MTU)"
[ "${noroute:-1}" = 0 ] || fail "2: tx_no_route=$noroute"
pass "2. IKE left through the default route's router; $frag datagram(s) sent as IPv4 fragments"

wait_for 50 ip netns exec "$ns_cl" ping -c 1 -W 1 -I 10.1.0.1 10.2.0.2 ||
    fail "3: no ping reply from the server through the tunnel"
ip netns exec "$ns_cl" ping -c 3 -i 0.2 -W 1 -I 10.1.0.1 10.2.0.2 >/dev/null 2>&1 ||
    fail "3: client -> server pings lost"
ip netns exec "$ns_srv" ping -c 3 -i 0.2 -W 1 10.1.0.1 >/dev/null 2>&1 ||
    fail "3: server -> client pings lost"
pass "3. pings cross the tunnel both ways, ESP routed through the router"
echo "strongswan_routed: all checks passed"
