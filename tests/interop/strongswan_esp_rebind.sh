#!/usr/bin/env bash
# ESP-triggered NAT rebinding (RFC 7296 2.23): a strongSwan client behind an
# nftables NAT, without MOBIKE and with a DPD delay of 5 minutes, so that it
# sends nothing but ESP: client (10.1.0.1, 192.168.77.2) -- NAT namespace
# (public 198.51.100.2) -- app/veer (af_packet) -- server 10.2.0.2.
#   1. the tunnel comes up through the NAT (ESP in UDP), a ping stream starts
#      (every 50 ms);
#   2. the NAT rebinds to another port range and forgets its mappings: the
#      client's ESP reaches veer from the new mapping, a worker reports it,
#      veer sends a liveness check there, and its answer moves the IKE SA and
#      the Child SA, within a second or two and without waiting for the
#      client's next IKE message (counters esp_rebind_notified,
#      esp_rebind_checks, esp_rebind_moved, peer_address_updated,
#      child_sa_moved); the pings lost across the rebinding are printed.
# strongswan_nat_rebind.sh has the move on the client's IKE message,
# strongswan_mobike_dp.sh the MOBIKE client whose ESP from elsewhere moves
# nothing (RFC 4555 3.8).
#
# Needs root (network namespaces), nftables and conntrack, and DPDK. Cleans up
# on exit. Usage: tests/interop/strongswan_esp_rebind.sh BUILD_DIR
set -uo pipefail
# shellcheck source=tests/interop/lib.sh
source "$(dirname "$0")/lib.sh"
lab_init "${1:?usage: $0 BUILD_DIR}" vb
command -v nft >/dev/null || fail "nft (package nftables) not installed"
command -v conntrack >/dev/null || fail "conntrack (package conntrack) not installed"
lab_topology_tunnel
lab_client_behind_router 198.51.100.2/24 198.51.100.3/24
ns_nat=$ns_rt
nat_rules() { # $1: UDP port range ("" to keep ports where free)
    ip netns exec "$ns_nat" nft -f - <<EOF
flush ruleset
table ip nat {
  chain post {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "${tag}c" ip saddr 192.168.77.0/24 ip protocol udp snat to 198.51.100.2${1:+:$1}
    oifname "${tag}c" ip saddr 192.168.77.0/24 snat to 198.51.100.2
  }
}
EOF
}
nat_rules "" || fail "nft: cannot set up the NAT"

TUN_CONN_EXTRA="dpd_delay = 300s
    mobike = no" lab_tunnel_up
ping_server() { ip netns exec "$ns_cl" ping -c "${1:-1}" -i 0.2 -W 1 -I 10.1.0.1 10.2.0.2 >/dev/null 2>&1; }
ctr() { sed -n "s/^counter $1=//p" "$work/state"; }

# --- 1. through the NAT
wait_for 50 ping_server || fail "1: no ping reply through the NAT and the tunnel"
# The state file is rewritten every 100 ms: under ASan it may lag the ping.
wait_for 50 grep -q "natt=yes .*remote=198.51.100.2:4500 " "$work/state" ||
    fail "1: veer's SA: $(grep ^ike_sa "$work/state")"
pass "1. tunnel up through the NAT (veer sees the client at 198.51.100.2:4500, ESP in UDP)"

# --- 2. the NAT rebinds under a ping stream
count=200 # 10 s at 50 ms
ip netns exec "$ns_cl" ping -c $count -i 0.05 -W 1 -I 10.1.0.1 10.2.0.2 >"$work/ping.out" 2>&1 &
ping_pid=$!
sleep 3
nat_rules 40000-40999 || fail "2: nft"
ip netns exec "$ns_nat" conntrack -F >/dev/null 2>&1
t0=$(date +%s.%N)
wait_for 50 grep -q "remote=198.51.100.2:40[0-9]* " "$work/state" ||
    fail "2: veer never moved the SA: $(grep ^ike_sa "$work/state")"
t1=$(date +%s.%N)
wait "$ping_pid"
received=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$work/ping.out")
lost=$((count - ${received:-0}))
new=$(sed -n 's/^ike_sa .* remote=\([0-9.:]*\) .*/\1/p' "$work/state")
notified=$(wcount esp_rebind_notified)
checks=$(ctr esp_rebind_checks)
moved=$(ctr esp_rebind_moved)
updated=$(ctr peer_address_updated)
child_moved=$(sed -n 's/^ctrl child_sa_moved=//p' "$work/state")
echo "rebinding: moved to $new after $(awk "BEGIN { printf \"%.1f\", $t1 - $t0 }") s (state file polled every 0.1 s);" \
    "pings lost $lost of $count (50 ms apart); esp_rebind_notified=$notified" \
    "esp_rebind_checks=$checks esp_rebind_moved=$moved peer_address_updated=$updated" \
    "child_sa_moved=$child_moved held_pending=$(wcount esp_rebind_held_pending)" \
    "held_interval=$(wcount esp_rebind_held_interval) coalesced=$(ctr esp_rebind_coalesced)"
[ "${notified:-0}" -ge 1 ] || fail "2: no worker reported the ESP from the new mapping"
[ "$checks" -ge 1 ] && [ "$moved" = 1 ] && [ "$updated" = 1 ] && [ "$child_moved" = 1 ] ||
    fail "2: esp_rebind_checks=$checks esp_rebind_moved=$moved peer_address_updated=$updated child_sa_moved=$child_moved"
[ "$lost" -le 40 ] || fail "2: $lost of $count pings lost (more than 2 s)"
ping_server 5 || fail "2: pings lost after veer moved the SA"
pass "2. the NAT rebound to $new: veer checked the client there on its ESP and moved, $lost of $count pings lost"
echo "strongswan_esp_rebind: all checks passed"
