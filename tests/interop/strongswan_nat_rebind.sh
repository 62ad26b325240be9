#!/usr/bin/env bash
# A strongSwan client behind a NAT whose mapping changes under a live tunnel
# (RFC 7296 2.23): client (10.1.0.1, 192.168.77.2) -- NAT namespace (nftables
# masquerade, public 198.51.100.2) -- app/veer (af_packet) -- server 10.2.0.2.
#   1. the tunnel comes up through the NAT (NAT-T, ESP in UDP) and pings cross;
#   2. the NAT forgets its mappings and makes new ones from another address and
#      port range (198.51.100.3:30000-30999): veer's answers to the old mapping
#      die at the NAT until the client's next IKE message (a DPD request) comes
#      from the new one; veer then moves the IKE SA and the Child SA there
#      (peer_address_updated, child_sa_moved) and pings cross again;
#   3. /veer/ike/sas and the state file show the new remote address;
#   4. a forged IKE request from yet another address is refused and moves nothing
#      (tests/unit/test_nat_move.c covers forged ICVs and replays in detail).
# The client runs without MOBIKE: with it, only its UPDATE_SA_ADDRESSES may
# move the SA (RFC 4555 3.8; strongswan_mobike.sh has that case).
#
# Needs root (network namespaces), nftables and conntrack, and DPDK. Cleans up
# on exit. Usage: tests/interop/strongswan_nat_rebind.sh BUILD_DIR
set -uo pipefail
# shellcheck source=tests/interop/lib.sh
source "$(dirname "$0")/lib.sh"
lab_init "${1:?usage: $0 BUILD_DIR}" vn
command -v nft >/dev/null || fail "nft (package nftables) not installed"
command -v conntrack >/dev/null || fail "conntrack (package conntrack) not installed"
lab_topology_tunnel
# Put a NAT between the client and the gateway: the client's link moves into
# a private subnet behind the NAT namespace, which takes its public address.
lab_client_behind_router 198.51.100.2/24 198.51.100.3/24
ns_nat=$ns_rt
nat_rules() { # $1: public address, $2: UDP port range ("" to keep ports where free)
    ip netns exec "$ns_nat" nft -f - <<EOF
flush ruleset
table ip nat {
  chain post {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "${tag}c" ip saddr 192.168.77.0/24 ip protocol udp snat to $1${2:+:$2}
    oifname "${tag}c" ip saddr 192.168.77.0/24 snat to $1
  }
}
EOF
}
nat_rules 198.51.100.2 "" || fail "nft: cannot set up the NAT"

TUN_CONN_EXTRA="dpd_delay = 2s
    mobike = no" lab_tunnel_up
ping_server() { ip netns exec "$ns_cl" ping -c "${1:-1}" -i 0.2 -W 1 -I 10.1.0.1 10.2.0.2 >/dev/null 2>&1; }

# --- 1. through the NAT
wait_for 50 ping_server || fail "1: no ping reply through the NAT and the tunnel"
ping_server 3 || fail "1: pings lost through the NAT"
grep -q "natt=yes .*remote=198.51.100.2:4500 " "$work/state" ||
    fail "1: veer's SA: $(grep ^ike_sa "$work/state")"
pass "1. tunnel up through the NAT (veer sees the client at 198.51.100.2:4500, ESP in UDP)"

# --- 2. the NAT rebinds: new address, new port
nat_rules 198.51.100.3 30000-30999 || fail "2: nft"
ip netns exec "$ns_nat" conntrack -F >/dev/null 2>&1
wait_for 150 grep -q "remote=198.51.100.3:30[0-9]* " "$work/state" ||
    fail "2: veer never moved the SA: $(grep ^ike_sa "$work/state")"
updated=$(sed -n 's/^counter peer_address_updated=//p' "$work/state")
moved=$(sed -n 's/^ctrl child_sa_moved=//p' "$work/state")
[ "$updated" = 1 ] && [ "$moved" = 1 ] || fail "2: peer_address_updated=$updated child_sa_moved=$moved"
wait_for 50 ping_server || fail "2: no ping reply after the rebinding"
ping_server 5 || fail "2: pings lost after veer moved the SA"
new=$(sed -n 's/^ike_sa .* remote=\([0-9.:]*\) .*/\1/p' "$work/state")
pass "2. the NAT rebound to $new: veer followed on the client's next IKE message, ESP too (pings cross)"

# --- 3. telemetry
lab_expect_tel /veer/ike/sas "\"remote\": \[\"$new\"\]" "3: /veer/ike/sas"
lab_expect_tel /veer/control '"child_sa_moved": 1' "3: /veer/control"
pass "3. /veer/ike/sas shows the new remote $new, /veer/control child_sa_moved 1"

# --- 4. a forged request from elsewhere moves nothing
read -r si sr < <(sed -n 's/^ike_sa spi_i=\([0-9a-f]*\) spi_r=\([0-9a-f]*\) .*/\1 \2/p' "$work/state")
refused() { # IKE messages veer threw away: malformed, out of sequence or unauthenticated
    local n=0 k
    for k in rx_malformed rx_bad_msg_id rx_decrypt_failed; do
        n=$((n + $(sed -n "s/^counter $k=//p" "$work/state")))
    done
    echo "$n"
}
before=$(refused)
ip netns exec "$ns_nat" /usr/bin/python3 - "$si" "$sr" <<'EOF' || fail "4: could not send the forged request"
import socket, struct, sys
spi_i, spi_r = int(sys.argv[1], 16), int(sys.argv[2], 16)
# IKE header (INFORMATIONAL request from the initiator, message ID 1000) + an SK payload of junk.
body = bytes(16) + bytes(range(32)) + bytes(16)
sk = struct.pack("!BBH", 0, 0, 4 + len(body)) + body
hdr = struct.pack("!QQBBBBII", spi_i, spi_r, 46, 0x20, 37, 0x08, 1000, 28 + len(sk))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.51.100.2", 4777))
s.sendto(bytes(4) + hdr + sk, ("198.51.100.1", 4500))
EOF
for _ in $(seq 20); do
    [ "$(refused)" -gt "$before" ] && break
    sleep 0.1
done
[ "$(refused)" -gt "$before" ] || fail "4: the forged request never reached veer's IKE"
grep -q "remote=$new " "$work/state" || fail "4: the forged request moved the SA: $(grep ^ike_sa "$work/state")"
[ "$(sed -n 's/^counter peer_address_updated=//p' "$work/state")" = 1 ] || fail "4: counted as a move"
ping_server 2 || fail "4: pings lost after the forged request"
pass "4. a forged request from 198.51.100.2:4777 moved nothing"
echo "strongswan_nat_rebind: all checks passed"
