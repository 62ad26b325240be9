#!/usr/bin/env bash
# IPv6 through the DPDK dataplane: app/veer with dual-stack af_packet ports
# (outside 198.51.100.1/24 + 2001:db8:1::1/64, inside 10.2.0.1/24 +
# 2001:db8:2::1/64) between a strongSwan 5.9 client (kernel-libipsec, so ESP
# in UDP/4500) that talks to veer over IPv6 only, and a dual-stack server.
#   1. neighbour discovery: the client resolves veer's IPv6 address (NS/NA
#      answered by veer's control lcore), veer counts the advertisements;
#   2. IKE over IPv6: IKE_SA_INIT on 500, IKE_AUTH moved to 4500 (NAT-T over
#      IPv6), SPIs agree, the Child SA carries IPv4 and IPv6 selectors;
#   3. ping and ping6 cross the tunnel both ways to the server (IPv4 inner in
#      IPv6 outer, IPv6 in IPv6); veer found the server by neighbour
#      solicitation from a worker, and the first ping and ping6 are not lost
#      meanwhile (held, lib/dp/neigh/neigh_hold.c);
#   4. hop limit 1 from the server, and from the client through the tunnel:
#      ICMPv6 Time Exceeded from veer (back into the tunnel); a ping6
#      too big for the tunnel from the server: ICMPv6 Packet Too Big with the
#      tunnel's inner MTU, and packets of that size cross;
#   5. telemetry: /veer/ports shows address6, /veer/control the ND counters,
#      /veer/neighbours the client and the server.
#
# Needs root (network namespaces) and DPDK. Cleans up on exit. Usage:
#   tests/interop/strongswan_ipv6.sh BUILD_DIR
set -uo pipefail
# shellcheck source=tests/interop/lib.sh
source "$(dirname "$0")/lib.sh"
lab_init "${1:?usage: $0 BUILD_DIR}" v6
lab_topology_tunnel

# IPv6 beside the IPv4 lab: no duplicate address detection (addresses usable at
# once), and the gateway's kernel keeps off the links veer owns.
ip netns exec "$ns_gw" sysctl -qw "net.ipv6.conf.${tag}g.disable_ipv6=1" \
    "net.ipv6.conf.${tag}i.disable_ipv6=1" || fail "sysctl disable_ipv6"
ip -n "$ns_cl" -6 addr add 2001:db8:1::2/64 dev "${tag}c" nodad
ip -n "$ns_cl" -6 addr add 2001:db8:a::1/128 dev lo nodad
ip -n "$ns_srv" -6 addr add 2001:db8:2::2/64 dev "${tag}s" nodad
ip -n "$ns_srv" -6 route add default via 2001:db8:2::1

TUN_OUTSIDE_EXTRA="      address6: 2001:db8:1::1/64" TUN_INSIDE_EXTRA="      address6: 2001:db8:2::1/64" \
    TUN_LOCAL_TS="10.2.0.0/24, 2001:db8:2::/64" TUN_CLIENT_TS="10.1.0.0/16, 2001:db8:a::/64" \
    lab_tunnel_veer_yaml
veer_dp_start "$work/veer.yaml"
grep -q "port outside: .*IPv6" "$work/veer.log" || fail "veer did not bring up IPv6 on outside"

# --- 1. neighbour discovery: the client's kernel solicits veer's address
ip netns exec "$ns_cl" ping -6 -c 1 -W 1 2001:db8:1::1 >/dev/null 2>&1 # the first one waits for ND
wait_for 30 sh -c "ip -n $ns_cl -6 neigh show 2001:db8:1::1 | grep -q lladdr" ||
    fail "1: the client never learnt veer's MAC by neighbour discovery: $(tel /veer/control)"
veer_mac=$(tel /veer/ports | sed -n 's/.*"mac": \["\([0-9a-fA-F:]*\)".*/\1/p' | tr 'A-F' 'a-f')
ip -n "$ns_cl" -6 neigh show 2001:db8:1::1 | grep -qi "lladdr $veer_mac" ||
    fail "1: the client has $(ip -n "$ns_cl" -6 neigh show 2001:db8:1::1), veer's MAC is $veer_mac"
[ "$(ctrl_count nd_adverts)" -ge 1 ] || fail "1: veer counted no advertisement: $(tel /veer/control)"
ip netns exec "$ns_cl" ping -6 -c 3 -i 0.2 -W 1 2001:db8:1::1 >"$work/ping6-gw.out" 2>&1 ||
    fail "1: veer did not answer ping6: $(cat "$work/ping6-gw.out")"
pass "1. neighbour discovery: the client resolved 2001:db8:1::1 to $veer_mac ($(ctrl_count nd_adverts) NA sent by veer); ping6 to it answered"

# --- 2. IKE over IPv6
CHARON_ROUTES=yes charon_start
TUN_GW_ADDR=2001:db8:1::1 TUN_CONN_EXTRA="local_addrs = 2001:db8:1::2" \
    TUN_SWAN_LOCAL_TS="10.1.0.1/32, 2001:db8:a::1/128" TUN_REMOTE_TS="10.2.0.0/24, 2001:db8:2::/64" \
    lab_tunnel_swanctl_conf
lab_swan_load
lab_swan_initiate "2: "
lab_expect_sa_agree "2: " 20
grep -q "2001:db8:1::1\[4500\]" "$work/sas.out" ||
    fail "2: strongSwan is not on [2001:db8:1::1]:4500: $(cat "$work/sas.out")"
grep -q "natt=yes" "$work/state" || fail "2: veer did not move to port 4500"
grep -q "2001:db8:2::/64" "$work/sas.out" || fail "2: no IPv6 selector in the Child SA: $(cat "$work/sas.out")"
grep -q "10.2.0.0/24" "$work/sas.out" || fail "2: no IPv4 selector in the Child SA"
[ "$(ctrl_count rx_bad_udp6_checksum)" = 0 ] || fail "2: veer refused UDP checksums: $(tel /veer/control)"
pass "2. IKE over IPv6 with NAT-T on 4500: IKE SA $swan_spi_i/$swan_spi_r, Child SA $swan_in/$swan_out with IPv4 and IPv6 selectors"

# --- 3. ping and ping6 through the tunnel, both ways; the first of each is
# answered although veer has to ask for the server's MAC first
ip netns exec "$ns_cl" ping -c 1 -W 3 -I 10.1.0.1 10.2.0.2 >"$work/first4.out" 2>&1 ||
    fail "3: the first ping through the tunnel was lost: $(tel /veer/workers)"
ip netns exec "$ns_cl" ping -6 -c 1 -W 3 -I 2001:db8:a::1 2001:db8:2::2 >"$work/first6.out" 2>&1 ||
    fail "3: the first ping6 through the tunnel was lost: $(tel /veer/workers)"
lab_ping_both_ways "3: "
lab_ping_both_ways "3: " 6
[ "$(wcount nd_solicits)" -ge 1 ] || fail "3: the worker never solicited the server: $(tel /veer/workers)"
lab_expect_zero_wcounts 3 drop_no_neighbour drop_neigh_hold_full drop_neigh_hold_total \
    drop_neigh_hold_expired
pass "3. ping and ping6 through the tunnel both ways ($(wcount esp_encrypted) encrypted, $(wcount esp_decrypted) decrypted, $(wcount nd_solicits) NS from the worker)"

# --- 4. ICMPv6 errors: hop limit and Packet Too Big
ip netns exec "$ns_srv" ping -6 -c 1 -W 2 -t 1 2001:db8:a::1 >"$work/hop.out" 2>&1
grep -qi "time exceeded" "$work/hop.out" ||
    fail "4: no Time Exceeded for hop limit 1: $(cat "$work/hop.out") $(tel /veer/workers)"
# The same for a decrypted packet: the error goes back into the tunnel to the client.
ip netns exec "$ns_cl" ping -6 -c 1 -W 2 -t 1 -I 2001:db8:a::1 2001:db8:2::2 >"$work/hop2.out" 2>&1
grep -qi "time exceeded" "$work/hop2.out" ||
    fail "4: no Time Exceeded through the tunnel for hop limit 1: $(cat "$work/hop2.out")"
[ "$(wcount icmp6_time_exceeded)" -ge 2 ] || fail "4: icmp6_time_exceeded not counted twice"
ip netns exec "$ns_srv" ping -6 -c 1 -W 2 -M do -s 1452 2001:db8:a::1 >"$work/ptb.out" 2>&1
mtu=$(sed -n 's/.*[Pp]acket too big: mtu=\([0-9]*\).*/\1/p' "$work/ptb.out" | head -n1)
[ -n "$mtu" ] ||
    fail "4: no Packet Too Big for 1500 bytes into the tunnel: $(cat "$work/ptb.out") $(tel /veer/workers)"
[ "$mtu" -lt 1500 ] && [ "$mtu" -ge 1280 ] || fail "4: Packet Too Big says mtu=$mtu"
ip netns exec "$ns_srv" ping -6 -c 2 -i 0.3 -W 2 -s $((mtu - 48)) 2001:db8:a::1 >"$work/fit.out" 2>&1 ||
    fail "4: a ping6 of the advertised MTU ($mtu) did not cross: $(tail -2 "$work/fit.out")"
pass "4. hop limit 1 both ways: Time Exceeded from veer; Packet Too Big with mtu=$mtu, and $mtu-byte packets cross"

# --- 5. telemetry
lab_expect_tel /veer/ports '"address6": \["2001:db8:1::1/64", "2001:db8:2::1/64"\]' "5: /veer/ports"
lab_expect_tel /veer/control '"rx_nd": [1-9]' "5: /veer/control"
lab_expect_tel /veer/neighbours '"address": \[.*"2001:db8:1::2".*"2001:db8:2::2"' \
    "5: /veer/neighbours lacks the client or the server"
pass "5. telemetry: /veer/ports shows address6, /veer/control the ND counters, /veer/neighbours both IPv6 neighbours"

veer_dp_stop
echo "strongswan_ipv6: all checks passed"
