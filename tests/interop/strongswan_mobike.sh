#!/usr/bin/env bash
# MOBIKE (RFC 4555) with veer-ike as the responder of a roaming strongSwan 5.9
# client (mobike = yes, strongSwan's default):
#   1. the IKE SA comes up from 198.51.100.2; both sides agree on MOBIKE;
#   2. the client's address changes on its link (198.51.100.3 added, .2
#      removed): strongSwan's kernel-netlink sees it and strongSwan sends
#      UPDATE_SA_ADDRESSES from the new address; veer-ike moves the IKE SA
#      and the Child SA there (state file, child-sa update in its log). The
#      IKE SA keeps its SPIs; strongSwan then rekeys the Child SA (its
#      kernel-libipsec cannot move an SA in place), and both sides agree on
#      the new one;
#   3. the client moves again, behind an nftables NAT (a router namespace,
#      public 203.0.113.2, linked to the gateway on a second link): veer
#      follows it to the NAT's mapping, ESP in UDP;
#   4. the NAT forgets its mapping and makes a new one (another port range):
#      veer does not follow the client's next DPD there by itself (RFC 4555
#      3.8) but answers its NAT detection, from which strongSwan learns of the
#      new mapping and sends UPDATE_SA_ADDRESSES; veer follows that;
#   5. a forged request for the SA from another address moves nothing
#      (tests/unit/test_mobike.c has forged and replayed updates in detail);
#      the client's delete, from behind the NAT, removes everything.
# veer-ike has no ESP dataplane: no traffic crosses (app/veer's turn comes
# later). strongSwan's kernel-libipsec forces ESP in UDP by faking its NAT
# detection, so veer sees a NAT on every path and ESP-in-UDP stays on
# (tests/unit/test_mobike.c switches it on and off); the kernel here has no
# ESP of its own for strongSwan to use instead.
#
# Needs root (network namespaces), nftables and conntrack. Cleans up on exit. Usage:
#   tests/interop/strongswan_mobike.sh BUILD_DIR
set -uo pipefail
# shellcheck source=tests/interop/lib.sh
source "$(dirname "$0")/lib.sh"
lab_init "${1:?usage: $0 BUILD_DIR}" vm
command -v nft >/dev/null || fail "nft (package nftables) not installed"
command -v conntrack >/dev/null || fail "conntrack (package conntrack) not installed"
lab_topology
# Removing an interface's first address must keep the others (the kernel drops
# the secondaries of a subnet with its primary otherwise).
ip netns exec "$ns_cl" sysctl -qw net.ipv4.conf.all.promote_secondaries=1
ip netns exec "$ns_cl" sysctl -qw "net.ipv4.conf.${tag}c.promote_secondaries=1"

lab_psk_file
{
    printf 'gateway:\n  listen: [198.51.100.1]\npeers:\n'
    lab_peer_yaml
} >"$work/veer.yaml"
veer_start "$work/veer.yaml"
charon_start
TUN_CONN_EXTRA="mobike = yes
    dpd_delay = 1s" lab_tunnel_swanctl_conf
lab_swan_load

# After a move of veer's Child SA with inbound SPI $1: both sides agree on one
# Child SA, the IKE SA's SPIs are those of step 1 ($ike) and veer's SA is at
# remote $2. When strongSwan's own address changed it rekeys the Child SA
# after the move (its kernel-libipsec cannot move one in place): then the one
# they agree on is the new one, once veer deleted $1.
settled() {
    veer_at "$2" && [ "$swan_spi_i/$swan_spi_r" = "$ike" ] &&
        { [ "$swan_out" = "$1" ] || grep -q "child-sa delete spi_in=$1 " "$work/veer.log"; }
}
# settled, and the Child SA $1 was replaced by strongSwan's rekey.
rekeyed() { settled "$@" && [ "$swan_out" != "$1" ]; }
# One line of veer's state file: its IKE SA.
sa_line() { grep '^ike_sa' "$work/state"; }
# True when veer's one IKE SA has strongSwan's SPIs, its remote matches $1 and its
# Child SA is still the one strongSwan has (swan_one_sa_agree).
veer_at() { swan_one_sa_agree && sa_line | grep -q " remote=$1 "; }
# strongSwan's view of its IKE SA's local address.
swan_local() { swan --list-sas 2>/dev/null | sed -n 's/^ *local .* @ \([0-9.]*\)\[.*/\1/p' | head -n1; }

# --- 1. up, with MOBIKE on both sides
lab_swan_initiate
lab_expect_sa_agree "1: " 20
ike="$swan_spi_i/$swan_spi_r"
spis="$ike in=$swan_in out=$swan_out"
sa_line | grep -q " mobike=yes .*remote=198.51.100.2:4500 " || fail "1: veer's SA: $(sa_line)"
[ "$(veer_counter mobike_negotiated)" = 1 ] || fail "1: mobike_negotiated=$(veer_counter mobike_negotiated)"
grep -q "parsed IKE_AUTH response .*N(MOBIKE_SUP) N(NO_ADD_ADDR)" "$work/charon.log" ||
    fail "1: veer's IKE_AUTH response had no MOBIKE_SUPPORTED, NO_ADDITIONAL_ADDRESSES"
pass "1. IKE SA $spis up from 198.51.100.2:4500, MOBIKE negotiated"

# --- 2. the client's address changes on its link
ip -n "$ns_cl" addr add 198.51.100.3/24 dev "${tag}c"
ip -n "$ns_cl" addr del 198.51.100.2/24 dev "${tag}c"
wait_for 150 grep -q "child-sa update spi_in=$swan_out spi_out=$swan_in local=198.51.100.1:4500 remote=198.51.100.3:4500 encap=udp" \
    "$work/veer.log" || fail "2: the Child SA did not move: $(grep child-sa "$work/veer.log")"
grep -q "generating INFORMATIONAL request .*N(UPD_SA_ADDR)" "$work/charon.log" ||
    fail "2: strongSwan sent no UPDATE_SA_ADDRESSES"
grep -q "parsed INFORMATIONAL response .*N(NATD_S_IP) N(NATD_D_IP) N(COOKIE2)" "$work/charon.log" ||
    fail "2: veer's answer lacks NAT detection or COOKIE2"
wait_for 20 veer_counter_is mobike_updates 1 || fail "2: mobike_updates=$(veer_counter mobike_updates)"
[ "$(veer_counter peer_address_updated)" = 1 ] ||
    fail "2: peer_address_updated=$(veer_counter peer_address_updated)"
wait_for 100 rekeyed "$swan_out" "198.51.100.3:4500" || fail "2: the SAs do not agree: $(sa_line)"
[ "$(swan_local)" = 198.51.100.3 ] || fail "2: strongSwan's SA is at $(swan_local)"
# The Child SA moved only once strongSwan echoed veer's COOKIE2 from there (RFC 4555 3.7).
wait_for 50 veer_counter_is mobike_checks_passed 1 ||
    fail "2: no return routability check passed ($(veer_counter mobike_checks) sent)"
pass "2. client moved to 198.51.100.3: UPDATE_SA_ADDRESSES taken, its new address checked (COOKIE2), IKE SA $ike and Child SA moved"
pass "2. strongSwan rekeyed the moved Child SA: now in=$swan_in out=$swan_out on both sides"

# --- 3. the client moves again, behind a NAT: a router namespace with a link
# to the client (192.168.77.0/24) and one to the gateway (203.0.113.0/24),
# masquerading the client as 203.0.113.2.
ns_rt="${tag}rt"
ip netns add "$ns_rt"
ip -n "$ns_rt" link set lo up
lab_veth "${tag}y" "$ns_rt" 203.0.113.2/24 "${tag}z" "$ns_gw" 203.0.113.1/24
lab_veth "${tag}p" "$ns_cl" 192.168.77.2/24 "${tag}q" "$ns_rt" 192.168.77.1/24
ip netns exec "$ns_rt" sysctl -qw net.ipv4.ip_forward=1
ip -n "$ns_rt" route add 198.51.100.0/24 via 203.0.113.1
nat_ports() { # $1: the UDP source ports the NAT maps the client to
    ip netns exec "$ns_rt" nft -f - <<EOF
flush ruleset
table ip nat {
  chain post {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "${tag}y" ip saddr 192.168.77.0/24 ip protocol udp masquerade to :$1
  }
}
EOF
}
nat_ports 20000-20999 || fail "3: nft: cannot set up the NAT"
ip -n "$ns_cl" route add 198.51.100.1/32 via 192.168.77.1 metric 100
ip -n "$ns_cl" addr del 198.51.100.3/24 dev "${tag}c"
# strongSwan may rekey the Child SA before veer's return routability check
# passes: then the new one, not the old, is what moves (the old is deleted).
wait_for 150 grep -q "child-sa update spi_in=[0-9a-f]* spi_out=[0-9a-f]* local=198.51.100.1:4500 remote=203.0.113.2:20[0-9]* encap=udp" \
    "$work/veer.log" || fail "3: the Child SA did not move: $(grep child-sa "$work/veer.log")"
wait_for 20 veer_counter_is mobike_updates 2 || fail "3: mobike_updates=$(veer_counter mobike_updates)"
wait_for 100 rekeyed "$swan_out" "203.0.113.2:20[0-9]*" || fail "3: the SAs do not agree: $(sa_line)"
mapped=$(sa_line | sed -n 's/.* remote=\(203\.0\.113\.2:[0-9]*\) .*/\1/p')
sa_line | grep -q " encap=udp " || fail "3: ESP not in UDP: $(sa_line)"
[ "$(swan_local)" = 192.168.77.2 ] || fail "3: strongSwan's SA is at $(swan_local)"
pass "3. client moved behind the NAT (192.168.77.2, seen as $mapped): veer followed, IKE SA $ike"
pass "3. Child SA moved and rekeyed by strongSwan: in=$swan_in out=$swan_out on both sides"

# --- 4. the NAT rebinds; strongSwan's DPD finds out from veer's NAT detection
# strongSwan compares NAT detection with its previous DPD's answer: one must come first.
dpd_answers() { grep -c "parsed INFORMATIONAL response [0-9]* \[ N(NATD_S_IP) N(NATD_D_IP) \]" "$work/charon.log"; }
dpd_answered_since() { [ "$(dpd_answers)" -gt "$1" ]; }
n=$(dpd_answers)
wait_for 50 dpd_answered_since "$n" || fail "4: no DPD with NAT detection answered"
ignored=$(veer_counter peer_address_ignored)
nat_ports 30000-30999 || fail "4: nft"
ip netns exec "$ns_rt" conntrack -F >/dev/null 2>&1
wait_for 100 grep -q "child-sa update spi_in=$swan_out spi_out=$swan_in local=198.51.100.1:4500 remote=203.0.113.2:30[0-9]* encap=udp" \
    "$work/veer.log" || fail "4: the Child SA did not move: $(grep child-sa "$work/veer.log" | tail -n3)"
grep -q "detected changes in NAT mappings" "$work/charon.log" ||
    fail "4: strongSwan did not see the new mapping in veer's NAT detection"
wait_for 20 veer_counter_is mobike_updates 3 || fail "4: mobike_updates=$(veer_counter mobike_updates)"
[ "$(veer_counter peer_address_ignored)" -gt "$ignored" ] || fail "4: veer saw no DPD from the new mapping"
wait_for 100 settled "$swan_out" "203.0.113.2:30[0-9]*" || fail "4: the SAs do not agree: $(sa_line)"
mapped=$(sa_line | sed -n 's/.* remote=\(203\.0\.113\.2:[0-9]*\) .*/\1/p')
pass "4. the NAT rebound: DPDs from the new mapping answered, not followed (RFC 4555 3.8)"
pass "4. strongSwan saw it in veer's NAT detection and updated: veer at $mapped, IKE SA $ike"
pass "4. Child SA in=$swan_in out=$swan_out moved, the same on both sides"

# --- 5. nothing else moves it; the client's delete ends it
# IKE messages veer threw away: out of sequence or unauthenticated.
refused() { echo $(($(veer_counter rx_bad_msg_id) + $(veer_counter rx_decrypt_failed))); }
refused_since() { [ "$(refused)" -gt "$1" ]; }
bad=$(refused)
# A forged INFORMATIONAL request for the SA from another address: junk in its SK payload.
read -r si sr < <(sa_line | sed -n 's/^ike_sa spi_i=\([0-9a-f]*\) spi_r=\([0-9a-f]*\) .*/\1 \2/p')
ip netns exec "$ns_rt" /usr/bin/python3 - "$si" "$sr" <<'EOF' || fail "5: could not send the forged request"
import socket, struct, sys
spi_i, spi_r = int(sys.argv[1], 16), int(sys.argv[2], 16)
body = bytes(8) + bytes(range(48)) + bytes(16)
sk = struct.pack("!BBH", 41, 0, 4 + len(body)) + body
hdr = struct.pack("!QQBBBBII", spi_i, spi_r, 46, 0x20, 37, 0x08, 1000, 28 + len(sk))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("203.0.113.2", 4777))
s.sendto(bytes(4) + hdr + sk, ("198.51.100.1", 4500))
EOF
wait_for 20 refused_since "$bad" ||
    fail "5: the forged request never reached veer's IKE"
sa_line | grep -q " remote=$mapped " || fail "5: the forged request moved the SA: $(sa_line)"
[ "$(veer_counter mobike_updates)" = 3 ] || fail "5: mobike_updates=$(veer_counter mobike_updates)"
pass "5. a forged request from 203.0.113.2:4777 moved nothing"
lab_swan_terminate "5: "
grep -q "child-sa delete spi_in=$swan_out" "$work/veer.log" || fail "5: veer did not delete the Child SA"
pass "5. the client's delete, from behind the NAT, removed the IKE SA and the Child SA"
echo "strongswan_mobike: all checks passed"
