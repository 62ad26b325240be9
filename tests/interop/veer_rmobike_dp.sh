#!/usr/bin/env bash
# r-MOBIKE between two app/veer gateways, real ESP through both dataplanes:
#
#   hostA 10.1.0.1 -- veerA (initiator) == 198.51.100.0/24 == veerB (responder) -- hostB 10.2.0.2
#                     198.51.100.2                 198.51.100.1 and 198.51.100.11
#
# veerB's outside port has two addresses and announces the second
# (gateway.mobike_addresses); veerA's peer has start_action start and sends
# MOBIKE_SUPPORTED('R'). A ping stream (every 50 ms) and a paced TCP transfer
# (2 MiB, SHA-256 checked) run from hostA to hostB. Then, as an operator would
# before taking 198.51.100.1 down:
#   1. /veer/mobike/switch_local,198.51.100.11,198.51.100.1 on veerB: veerA
#      moves the SA with UPDATE_SA_ADDRESSES to .11; both sides keep the IKE
#      and Child SPIs; veerB shows local .11, veerA remote .11;
#      rmobike_switch_moved 1; the ping goes on (losses printed) and the
#      transfer arrives intact;
#   2. /veer/port/address_del,outside,198.51.100.1 on veerB: nothing breaks:
#      veerA rekeys its IKE SA (ike_rekey_time 30s) with veerB on .11, the
#      ping goes on, the transfer arrives intact, and nothing left veerB
#      from .1 after the switch (a capture);
#   3. malformed and impossible switch commands get error objects; a switch
#      to an address that is not veerB's is refused.
#
# Needs root (network namespaces) and DPDK. Cleans up on exit. About 45 s. Usage:
#   tests/interop/veer_rmobike_dp.sh BUILD_DIR
set -uo pipefail
# shellcheck source=tests/interop/lib.sh
source "$(dirname "$0")/lib.sh"
paced="$(cd "$(dirname "$0")" && pwd)/paced_transfer.py" # a TCP transfer spread over seconds
lab_init "${1:?usage: $0 BUILD_DIR}" vrm
lab_two_gateways
# A capture of the uplink, for where veerB's ESP went: on veerA's end, where it arrives
# (DPDK's af_packet sends bypass the capture on the sender's own interface).
{ command -v dumpcap && command -v tshark; } >/dev/null ||
    fail "tshark and dumpcap (package tshark) not installed; this test does not skip"
ip netns exec "$ns_va" dumpcap -q -i "${tag}ao" -f "esp or udp" -w "$work/uplink.pcapng" \
    >"$work/cap.log" 2>&1 &
cap_pid=$!
lab_pids+=("$cap_pid")
wait_for 50 grep -q "Capturing on" "$work/cap.log" || fail "dumpcap did not start"

lab_psk_file
TUN_LOCAL_TS=10.1.0.0/24 TUN_CLIENT_TS=10.2.0.0/24 TUN_PEER_EXTRA="    remote: 198.51.100.1
    start_action: start
    rmobike: yes
    ike_rekey_time: 30s
    rekey_jitter: 0s" lab_gateway_yaml "${tag}ao=198.51.100.2/24" "${tag}ai=10.1.0.254/24" \
    "gateway:
  qcd_secret_file: $work/a.secret" to-b b.example a.example >"$work/a.yaml"
TUN_LOCAL_TS=10.2.0.0/24 TUN_CLIENT_TS=10.1.0.0/24 lab_gateway_yaml \
    "${tag}bo=198.51.100.1/24, 198.51.100.11/24" "${tag}bi=10.2.0.1/24" "gateway:
  qcd_secret_file: $work/b.secret
  mobike_addresses: [198.51.100.11]" from-a a.example b.example >"$work/b.yaml"

atel() { TEL_PREFIX="${tag}a" tel "$1"; }
btel() { TEL_PREFIX="${tag}b" tel "$1"; }
a_count() { TEL_PREFIX="${tag}a" ike_count "$1"; }
b_count() { TEL_PREFIX="${tag}b" ike_count "$1"; }
# A column of the first SA in /veer/ike/sas ($1: a or b, $2: the column).
sa_field() {
    "${1}tel" /veer/ike/sas | /usr/bin/python3 -c 'import json,sys
d = json.load(sys.stdin)["/veer/ike/sas"]
print(d[sys.argv[1]][0] if d.get(sys.argv[1]) else "")' "$2"
}
# The first SA's "SPI_I,SPI_R" from one reply: two calls could straddle a rekey.
sa_spi_pair() {
    "${1}tel" /veer/ike/sas | /usr/bin/python3 -c 'import json,sys
d = json.load(sys.stdin)["/veer/ike/sas"]
print("%s,%s" % (d["spi_i"][0], d["spi_r"][0]) if d.get("spi_i") else "")'
}
a_up() { grep -q '^ike_sa .*state=ESTABLISHED.* child_in=' "$work/a.state"; }

veer_dp_start_as b "$ns_vb" "$work/b.yaml"
veer_dp_start_as a "$ns_va" "$work/a.yaml"
wait_for 100 a_up || fail "veerA: no IKE SA with a Child SA within 10 s: $(tail -5 "$work/a.log")"
wait_for 50 ip netns exec "$ns_ha" ping -c 1 -W 1 10.2.0.2 ||
    fail "no ping through the tunnel: $(atel /veer/workers)"
[ "$(sa_field b mobike)" = r-mobike ] || fail "0: veerB does not see 'R' from veerA: $(btel /veer/ike/sas)"
[ "$(sa_field b local | cut -d: -f1)" = 198.51.100.1 ] || fail "0: veerB's SA is on $(sa_field b local)"
spis_a0="$(sa_spi_pair a | tr , _) $(sa_field a child_sas)"
spis_b0="$(sa_spi_pair b | tr , _) $(sa_field b child_sas)"
pass "0. veerA and veerB up on 198.51.100.1, veerA sent 'R'; ping through the tunnel"

# The traffic: 400 pings at 50 ms (20 s) and a paced TCP transfer (2 MiB in about 8 s).
head -c $((2 * 1024 * 1024)) /dev/urandom >"$work/up.bin"
ip netns exec "$ns_ha" timeout 40 ping -i 0.05 -c 400 -W 1 10.2.0.2 >"$work/ping.out" 2>&1 &
ping_pid=$!
ip netns exec "$ns_hb" timeout 40 /usr/bin/python3 "$paced" serve 10.2.0.2 5001 \
    "$work/up.got" >"$work/srv.out" 2>&1 &
rx_pid=$!
lab_pids+=("$ping_pid" "$rx_pid")
sleep 0.5
ip netns exec "$ns_ha" timeout 40 /usr/bin/python3 "$paced" send 10.2.0.2 5001 \
    "$work/up.bin" 32768 0.125 >"$work/tx.out" 2>&1 &
tx_pid=$!
lab_pids+=("$tx_pid")
sleep 2

# --- 1. the operator's switch
t0=$(date +%s.%N)
reply=$(btel /veer/mobike/switch_local,198.51.100.11,198.51.100.1)
echo "$reply" | grep -q '"asked": 1' || fail "1: the switch was not asked: $reply"
moved() { [ "$(b_count rmobike_switch_moved)" = 1 ]; }
wait_for 50 moved || fail "1: not moved within 5 s: $(btel /veer/mobike)"
t1=$(date +%s.%N)
[ "$(sa_field b local | cut -d: -f1)" = 198.51.100.11 ] || fail "1: veerB's SA is on $(sa_field b local)"
[ "$(sa_field a remote | cut -d: -f1)" = 198.51.100.11 ] || fail "1: veerA's SA goes to $(sa_field a remote)"
spis_a1="$(sa_spi_pair a | tr , _) $(sa_field a child_sas)"
spis_b1="$(sa_spi_pair b | tr , _) $(sa_field b child_sas)"
[ "$spis_a1" = "$spis_a0" ] || fail "1: veerA's SPIs changed: $spis_a0 -> $spis_a1"
[ "$spis_b1" = "$spis_b0" ] || fail "1: veerB's SPIs changed: $spis_b0 -> $spis_b1"
[ "$(a_count rmobike_switch_followed)" = 1 ] || fail "1: veerA counted no switch followed"
switch_ms=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%d", (b - a) * 1000 }')
pass "1. switch_local moved the SA to 198.51.100.11 (telemetry saw it within $switch_ms ms); IKE and Child SPIs unchanged on both sides"

# --- 2. the old address goes
sleep 2
reply=$(btel /veer/port/address_del,outside,198.51.100.1)
echo "$reply" | grep -q '"error"' && fail "2: address_del refused: $reply"
# veerA rekeys its IKE SA 30 s after it was made (long enough for steps 0, 3 and 1 on a
# loaded machine), after the address went: over .11.
rekeyed() { [ "$(a_count ike_rekeyed)" -ge 1 ] && [ "$(b_count ike_rekeyed)" -ge 1 ]; }
wait_for 300 rekeyed || fail "2: no IKE SA rekey within 30 s: $(tail -5 "$work/a.log")"
[ "$(a_count peer_dead)" = 0 ] || fail "2: veerA declared veerB dead"
[ "$(sa_field a remote | cut -d: -f1)" = 198.51.100.11 ] || fail "2: veerA's new SA goes to $(sa_field a remote)"
a_up || fail "2: veerA's SA is gone: $(tail -5 "$work/a.log")"

wait "$tx_pid" || fail "the sender failed: $(cat "$work/tx.out")"
wait "$rx_pid" || fail "the receiver failed: $(cat "$work/srv.out")"
[ "$(sha256sum <"$work/up.bin")" = "$(sha256sum <"$work/up.got")" ] ||
    fail "the transfer differs: sent $(wc -c <"$work/up.bin") bytes, got $(wc -c <"$work/up.got")"
wait "$ping_pid"
read -r sent got < <(sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) received.*/\1 \2/p' "$work/ping.out")
[ "${sent:-0}" = 400 ] || fail "ping: $(tail -n 3 "$work/ping.out")"
lost=$((sent - got))
[ "$lost" -le 20 ] || fail "ping lost $lost of 400"
# The last pings, long after both steps, must all have come back.
tail_seq=$(sed -n 's/.*icmp_seq=\([0-9]*\) .*/\1/p' "$work/ping.out" | tail -n 1)
[ "${tail_seq:-0}" -ge 395 ] || fail "the ping stream stopped at $tail_seq"
# veerB's packets after the switch left from .11 only (the capture, read by tshark).
sleep 0.5
kill "$cap_pid"
wait "$cap_pid" 2>/dev/null
from_after() { # $1: source address; $2: a display filter; packets after the switch
    tshark -r "$work/uplink.pcapng" -T fields -e frame.time_epoch -Y "ip.src == $1 && $2" \
        2>/dev/null | awk -v t="$t1" '$1 > t { n++ } END { print n + 0 }'
}
after=$(from_after 198.51.100.1 "(esp || udp)")
[ "$after" = 0 ] || fail "2: $after packets left veerB from 198.51.100.1 after the switch"
from_new=$(from_after 198.51.100.11 esp)
[ "$from_new" -ge 100 ] || fail "2: only $from_new ESP packets left veerB from 198.51.100.11 after the switch"
pass "2. 198.51.100.1 removed: the IKE SA rekeyed over .11, ping lost $lost of 400 (50 ms apart), 2 MiB intact (sha256sum), $from_new ESP packets from .11 and none from .1 after the switch"

# --- 3. refused commands change nothing (last: each telemetry call is slow on a loaded
# machine, and steps 0 to 1 must fit before veerA's IKE SA rekey)
asked=$(b_count rmobike_switch_asked)
local_now=$(sa_field b local | cut -d: -f1)
for bad in "/veer/mobike/switch_local" "/veer/mobike/switch_local,198.51.100.11" \
    "/veer/mobike/switch_local,nonsense,198.51.100.1" "/veer/mobike/switch,1,2" \
    "/veer/mobike/switch,zz,1,198.51.100.11" "/veer/mobike/switch_peer,198.51.100.11" \
    "/veer/mobike/switch_id,198.51.100.11," "/veer/mobike,x"; do
    reply=$(btel "$bad")
    echo "$reply" | grep -q '"error"' || fail "3: $bad was not refused: $reply"
done
reply=$(btel "/veer/mobike/switch,$(sa_spi_pair b),203.0.113.9")
echo "$reply" | grep -q 'not one of the gateway' || fail "3: a switch to 203.0.113.9 was not refused: $reply"
reply=$(btel "/veer/mobike/switch,0123456789abcdef,0123456789abcdef,198.51.100.11")
echo "$reply" | grep -q 'no established IKE SA' || fail "3: a switch of an unknown SA: $reply"
[ "$(b_count rmobike_switch_asked)" = "$asked" ] || fail "3: a refused command asked a switch"
[ "$(sa_field b local | cut -d: -f1)" = "$local_now" ] || fail "3: the SA moved"
kill -0 "${veer_pids[b]}" || fail "3: veerB died"
pass "3. malformed and impossible switch commands get error objects; nothing asked or moved"

echo "veer_rmobike_dp: all checks passed"
