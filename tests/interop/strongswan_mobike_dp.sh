#!/usr/bin/env bash
# MOBIKE (RFC 4555) through app/veer, with traffic: a roaming strongSwan 5.9
# client (mobike = yes, kernel-libipsec) with a subnet behind it (host
# 10.1.0.2 behind the client's 10.1.0.1), app/veer on af_packet, a server
# (10.2.0.2) behind veer. The client, veer's outside port and a NAT router
# share one Ethernet segment (a bridge in a switch namespace):
#
#   lan host 10.1.0.2 -- client 10.1.0.1 / 198.51.100.2 --+-- switch -- veer 198.51.100.1 -- server
#                        client 192.168.77.2 -- NAT 198.51.100.254 --+
#
# Each move runs under a ping from the lan host to the server (every 50 ms,
# a fixed count) and two paced TCP transfers of 3 MiB (one each way between
# the lan host and the server, SHA-256 by sha256sum on both ends):
#   a. the client's address changes on its link (198.51.100.3 added, .2
#      removed): strongSwan sends UPDATE_SA_ADDRESSES from .3;
#   b. the client moves behind the NAT (its link address removed, a route to
#      veer through the router): UPDATE_SA_ADDRESSES from 198.51.100.254 at
#      the NAT's port;
#   c. the NAT rebinds (another port range, its mappings flushed): the
#      client's ESP comes from the new mapping at once, veer's goes to the old
#      one until strongSwan's DPD (1 s) learns of it from veer's NAT
#      detection and sends UPDATE_SA_ADDRESSES. strongSwan keeps its Child
#      SA: veer moves it in place (same SPIs on both sides), and counts the
#      client's ESP from the new mapping before the move (esp_in_other_source).
# After each: the IKE SA keeps its SPIs (veer's /veer/ike/sas and swanctl
# --list-sas); veer moved the Child SA only after the return routability
# check (mobike_checks_passed), and nothing was installed at or moved to the
# new address before the check's answer (veer's log: strongSwan's rekey often
# comes first, and is installed at the old address); strongSwan, whose
# kernel-libipsec cannot move an SA in place, rekeyed the Child SA after its
# own address changed (a, b), both sides agree on the new one and veer
# deleted the old; both transfers arrive intact; the ping goes on after the move (its
# last 100 all answered; the losses, at most LOSS_MAX, are printed); the
# workers needed no ARP for the new next hop (drop_no_neighbour). A capture
# of veer's link shows no ESP to the old address once veer logged the move,
# ESP to the new one (ESP in UDP to the NAT's port in b), and no sequence
# number sent twice on any SA. veer's worker counters show how much ESP
# arrived from an address other than its SA's (RFC 4555 3.12: passed on, not
# taken as proof the client is alive).
#
# Needs root (network namespaces), DPDK, nftables, conntrack, dumpcap (tshark's).
# Cleans up on exit. About 50 s. Usage:
#   tests/interop/strongswan_mobike_dp.sh BUILD_DIR
set -uo pipefail
# shellcheck source=tests/interop/lib.sh
source "$(dirname "$0")/lib.sh"
paced="$(cd "$(dirname "$0")" && pwd)/paced_transfer.py" # a TCP transfer spread over seconds
lab_init "${1:?usage: $0 BUILD_DIR}" vo
command -v nft >/dev/null || fail "nft (package nftables) not installed"
command -v dumpcap >/dev/null || fail "dumpcap (package tshark) not installed"
command -v conntrack >/dev/null || fail "conntrack (package conntrack) not installed"
py=/usr/bin/python3
# Pings (50 ms apart) a move may lose: the client's own pause (about 100 ms
# before strongSwan acts on an address change) and the rekey; seen: 1-2.
# After a NAT rebinding, until strongSwan's DPD (1 s without ESP from veer)
# learns of it: LOSS_MAX_REBIND. Generous for a loaded 2-core machine; an
# outage of seconds more fails it.
LOSS_MAX=${LOSS_MAX:-40}
LOSS_MAX_REBIND=${LOSS_MAX_REBIND:-80}
lab_topology_tunnel

# --- the lab: a switch between the client, veer and the NAT router
ns_sw="${tag}sw"
ns_lan="${tag}lan"
ns_rt="${tag}rt"
lab_netns+=("$ns_sw" "$ns_lan")
ip netns add "$ns_sw"
ip netns add "$ns_rt"
ip netns add "$ns_lan"
for ns in "$ns_sw" "$ns_rt" "$ns_lan"; do ip -n "$ns" link set lo up; done
# The client's end of veer's link becomes a switch port (it loses its address).
ip -n "$ns_cl" link set "${tag}c" netns "$ns_sw"
ip -n "$ns_sw" link add br0 type bridge
ip -n "$ns_sw" link set "${tag}c" master br0
ip -n "$ns_sw" link set "${tag}c" up
ip -n "$ns_sw" link set br0 up
# veth $1 (namespace $2, address $3) to switch port $4.
to_switch() {
    ip link add "$1" type veth peer name "$4"
    ip link set "$1" netns "$2"
    ip link set "$4" netns "$ns_sw"
    ip -n "$2" addr add "$3" dev "$1"
    ip -n "$2" link set "$1" up
    ip -n "$ns_sw" link set "$4" master br0
    ip -n "$ns_sw" link set "$4" up
    # Complete checksums: af_packet hands veer what the kernel leaves on a veth frame.
    ip netns exec "$2" ethtool -K "$1" tx off >/dev/null 2>&1 || fail "ethtool -K $1 tx off"
}
to_switch "${tag}a" "$ns_cl" 198.51.100.2/24 "${tag}d"
to_switch "${tag}y" "$ns_rt" 198.51.100.254/24 "${tag}e"
# Removing the first address of a subnet must keep the others.
ip netns exec "$ns_cl" sysctl -qw net.ipv4.conf.all.promote_secondaries=1
ip netns exec "$ns_cl" sysctl -qw "net.ipv4.conf.${tag}a.promote_secondaries=1"
# The client's way to the NAT router (192.168.77.0/24), unused until step b.
lab_veth "${tag}p" "$ns_cl" 192.168.77.2/24 "${tag}q" "$ns_rt" 192.168.77.1/24
ip netns exec "$ns_rt" sysctl -qw net.ipv4.ip_forward=1
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
nat_ports 20000-20999 || fail "nft: cannot set up the NAT"
# The subnet behind the client: it routes for 10.1.0.2 (its 10.1.0.1 moves off lo).
ip -n "$ns_cl" addr del 10.1.0.1/32 dev lo
lab_veth "${tag}l" "$ns_cl" 10.1.0.1/24 "${tag}h" "$ns_lan" 10.1.0.2/24
ip -n "$ns_lan" route add default via 10.1.0.1
ip netns exec "$ns_cl" sysctl -qw net.ipv4.ip_forward=1
ip netns exec "$ns_lan" ethtool -K "${tag}h" tx off >/dev/null 2>&1

# --- veer (its log stamped, to compare with the capture) and strongSwan
TUN_PEER_EXTRA="    mobike: yes" lab_tunnel_veer_yaml
ip netns exec "$ns_gw" "$build/app/veer/veer" -l 0,1 --no-huge -m 512 --no-pci --file-prefix "$tag" \
    --log-level=lib.eal:error -- -c "$work/veer.yaml" --state-file "$work/state" -v \
    > >(lab_stamp >"$work/veer.log") 2>&1 &
veer_pid=$!
wait_for 100 grep -q "veer running" "$work/veer.log" || fail "veer did not start"
CHARON_ROUTES=yes charon_start
TUN_SWAN_LOCAL_TS=10.1.0.0/24 TUN_CONN_EXTRA="mobike = yes
    dpd_delay = 1s" lab_tunnel_swanctl_conf
lab_swan_load
# Everything veer sends and receives on its outside link.
ip netns exec "$ns_sw" dumpcap -q -P -s 128 -i "${tag}c" -w "$work/outside.pcap" >"$work/dumpcap.out" 2>&1 &
cap_pid=$!
lab_pids+=("$cap_pid")
wait_for 50 test -s "$work/outside.pcap" || fail "dumpcap did not start: $(cat "$work/dumpcap.out")"
lab_swan_initiate
wait_for 50 ip netns exec "$ns_lan" ping -c 1 -W 1 10.2.0.2 ||
    fail "no ping from the lan host through the tunnel: $(tel /veer/workers)"
wait_for 20 swan_one_sa_agree || fail "the SAs do not agree after the start"
ike="$swan_spi_i/$swan_spi_r"
tel_one_sa "$swan_spi_i" "$swan_spi_r" "$swan_out/$swan_in" || fail "/veer/ike/sas: $(tel /veer/ike/sas)"
pass "0. IKE SA $ike up from 198.51.100.2, Child SA in=$swan_in out=$swan_out; the lan host reaches the server"

# A sender pacing 3 MiB over about 6 s (48 KiB every 100 ms), and a receiver
# writing what it gets to a file; both bounded.
head -c $((3 * 1024 * 1024)) /dev/urandom >"$work/up.bin"
head -c $((3 * 1024 * 1024)) /dev/urandom >"$work/down.bin"
# Starts the case's traffic: the ping (240 at 50 ms: 12 s) and both transfers.
traffic_start() {
    local c=$1
    ip netns exec "$ns_lan" timeout 40 ping -i 0.05 -c 240 -W 1 10.2.0.2 >"$work/ping.$c" 2>&1 &
    ping_pid=$!
    ip netns exec "$ns_srv" timeout 40 "$py" "$paced" serve 10.2.0.2 5001 "$work/up.$c" \
        >"$work/srv.$c" 2>&1 &
    up_rx=$!
    ip netns exec "$ns_lan" timeout 40 "$py" "$paced" serve 10.1.0.2 5002 "$work/down.$c" \
        >"$work/lan.$c" 2>&1 &
    down_rx=$!
    lab_pids+=("$ping_pid" "$up_rx" "$down_rx")
    sleep 0.5
    ip netns exec "$ns_lan" timeout 40 "$py" "$paced" send 10.2.0.2 5001 "$work/up.bin" \
        >"$work/lan.tx.$c" 2>&1 &
    up_tx=$!
    ip netns exec "$ns_srv" timeout 40 "$py" "$paced" send 10.1.0.2 5002 "$work/down.bin" \
        >"$work/srv.tx.$c" 2>&1 &
    down_tx=$!
    lab_pids+=("$up_tx" "$down_tx")
    sleep 1.5
}
# Waits for the case's traffic and checks it, at most $2 pings lost (default
# LOSS_MAX); sets lost (pings lost) and sent.
traffic_check() {
    local c=$1 max=${2:-$LOSS_MAX} f
    wait "$up_tx" || fail "$c: the lan host's sender failed: $(cat "$work/lan.tx.$c")"
    wait "$down_tx" || fail "$c: the server's sender failed: $(cat "$work/srv.tx.$c")"
    wait "$up_rx" || fail "$c: the server's receiver failed: $(cat "$work/srv.$c")"
    wait "$down_rx" || fail "$c: the lan host's receiver failed: $(cat "$work/lan.$c")"
    for f in up down; do
        [ "$(sha256sum <"$work/$f.bin")" = "$(sha256sum <"$work/$f.$c")" ] ||
            fail "$c: $f transfer differs: sent $(wc -c <"$work/$f.bin") bytes, got $(wc -c <"$work/$f.$c")"
    done
    wait "$ping_pid"
    read -r sent got < <(sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) received.*/\1 \2/p' "$work/ping.$c")
    [ "${sent:-0}" = 240 ] || fail "$c: ping: $(tail -n 3 "$work/ping.$c")"
    lost=$((sent - got))
    [ "$lost" -le "$max" ] || fail "$c: $lost pings lost, more than $max"
    # The ping goes on after the move: its last 100 (5 s, well after it) were all answered.
    local last
    last=$(sed -n 's/.* icmp_seq=\([0-9]*\) .*/\1/p' "$work/ping.$c" | awk '$1 > 140' | sort -u | wc -l)
    [ "$last" = 100 ] || fail "$c: only $last of the last 100 pings answered after the move"
}
# The lines of veer's stamped log of one Child SA move ($1 a grep pattern).
moved_at() { lab_stamp_of "$work/veer.log" "child-sa update spi_out=$1 remote=$2"; }
# After a move to $1 (an address or address:port pattern): strongSwan's rekey
# done, both sides on one Child SA and one IKE SA with the SPIs of the start.
settled() {
    swan_one_sa_agree && [ "$swan_spi_i/$swan_spi_r" = "$ike" ] && [ "$swan_in" != "$1" ] &&
        tel_one_sa "$swan_spi_i" "$swan_spi_r" "$swan_out/$swan_in"
}
esp_other() { wcount esp_in_other_source; }
# RFC 4555 3.7 in veer's log, for the move from $1 to $2 (a prefix): between the
# move and the check's answer nothing is installed at, or moved to, $2 (a
# rekey then is installed where ESP already goes), and the answer came.
# Prints how many Child SAs were installed meanwhile.
checked_first() {
    awk -v from="$1" -v to="remote=$2" '
        !moving && index($0, "MOBIKE: peer moved from " from " to ") { moving = 1; next }
        moving && /the peer.s new address answered: ESP follows/ { answered = 1; exit }
        moving && /child-sa (install|update) / { if (index($0, to)) bad = 1; else n++ }
        END { print n + 0; exit !(answered && !bad) }' "$work/veer.log"
}

# --- a. the client's address changes on its link
old_in=$swan_in old_out=$swan_out
checks=$(ike_count mobike_checks_passed)
other0=$(esp_other)
noneigh=$(wcount drop_no_neighbour)
traffic_start a
ip -n "$ns_cl" addr add 198.51.100.3/24 dev "${tag}a"
ip -n "$ns_cl" addr del 198.51.100.2/24 dev "${tag}a"
wait_for 100 grep -q "child-sa update spi_out=$old_in remote=198.51.100.3:4500" "$work/veer.log" ||
    fail "a: veer did not move the Child SA: $(grep child-sa "$work/veer.log")"
wait_for 100 settled "$old_in" || fail "a: the SAs do not agree after the move"
wait_for 50 grep -q "child-sa delete spi_in=$old_out " "$work/veer.log" ||
    fail "a: veer kept the moved Child SA $old_out after strongSwan's rekey"
[ "$(ike_count mobike_checks_passed)" -gt "$checks" ] ||
    fail "a: the Child SA moved without a return routability check"
grep -q "generating INFORMATIONAL request .*N(UPD_SA_ADDR)" "$work/charon.log" ||
    fail "a: strongSwan sent no UPDATE_SA_ADDRESSES"
moved_a=$(moved_at "$old_in" "198.51.100.3:4500")
early_a=$(checked_first 198.51.100.2:4500 198.51.100.3:) ||
    fail "a: ESP went to 198.51.100.3 before it answered the check: $(grep -e child-sa -e MOBIKE -e answered "$work/veer.log")"
traffic_check a
lost_a=$lost
# The new next hop was known before ESP went there (learnt from the client's IKE).
[ "$(wcount drop_no_neighbour)" = "$noneigh" ] ||
    fail "a: drop_no_neighbour went from $noneigh to $(wcount drop_no_neighbour)"
pass "a. moved to 198.51.100.3: IKE SA $ike kept, Child SA $old_in/$old_out moved after the check, then rekeyed by strongSwan: now in=$swan_in out=$swan_out on both sides"
pass "a. 3 MiB each way intact (sha256sum), ping lost $lost_a of 240 (50 ms apart), ESP from elsewhere $(($(esp_other) - other0)), Child SAs installed during the check (at the old address) $early_a"

# --- b. the client moves behind the NAT
old_in=$swan_in old_out=$swan_out
checks=$(ike_count mobike_checks_passed)
other0=$(esp_other)
noneigh=$(wcount drop_no_neighbour)
traffic_start b
ip -n "$ns_cl" route add 198.51.100.1/32 via 192.168.77.1 metric 100
ip -n "$ns_cl" addr del 198.51.100.3/24 dev "${tag}a"
wait_for 100 grep -q "child-sa update spi_out=$old_in remote=198.51.100.254:20[0-9]*" "$work/veer.log" ||
    fail "b: veer did not move the Child SA: $(grep child-sa "$work/veer.log")"
wait_for 100 settled "$old_in" || fail "b: the SAs do not agree after the move"
wait_for 50 grep -q "child-sa delete spi_in=$old_out " "$work/veer.log" ||
    fail "b: veer kept the moved Child SA $old_out after strongSwan's rekey"
[ "$(ike_count mobike_checks_passed)" -gt "$checks" ] ||
    fail "b: the Child SA moved without a return routability check"
grep -q "remote=198.51.100.254:20[0-9]* " "$work/state" || fail "b: veer's SA: $(grep ^ike_sa "$work/state")"
nat_port=$(sed -n 's/^ike_sa .* remote=198\.51\.100\.254:\([0-9]*\) .*/\1/p' "$work/state")
moved_b=$(moved_at "$old_in" "198.51.100.254:$nat_port")
early_b=$(checked_first 198.51.100.3:4500 198.51.100.254:) ||
    fail "b: ESP went to the NAT before it answered the check: $(grep -e child-sa -e MOBIKE -e answered "$work/veer.log")"
traffic_check b
lost_b=$lost
# The new next hop was known before ESP went there (learnt from the client's IKE).
[ "$(wcount drop_no_neighbour)" = "$noneigh" ] ||
    fail "b: drop_no_neighbour went from $noneigh to $(wcount drop_no_neighbour)"
pass "b. moved behind the NAT (198.51.100.254:$nat_port): IKE SA $ike kept, Child SA $old_in/$old_out moved after the check, then rekeyed: now in=$swan_in out=$swan_out on both sides"
pass "b. 3 MiB each way intact (sha256sum), ping lost $lost_b of 240 (50 ms apart), ESP from elsewhere $(($(esp_other) - other0)), Child SAs installed during the check (at the old address) $early_b"

# --- c. the NAT rebinds: strongSwan keeps its Child SA, and its ESP comes
# from the new mapping before its update
# strongSwan compares NAT detection with its previous DPD's answer: one must
# come first, and DPDs go only while no ESP arrives.
dpd_answers() { grep -c "parsed INFORMATIONAL response [0-9]* \[ N(NATD_S_IP) N(NATD_D_IP) \]" "$work/charon.log"; }
dpd_answered_since() { [ "$(dpd_answers)" -gt "$1" ]; }
n=$(dpd_answers)
wait_for 50 dpd_answered_since "$n" || fail "c: no DPD with NAT detection answered"
old_in=$swan_in old_out=$swan_out
checks=$(ike_count mobike_checks_passed)
other0=$(esp_other)
noneigh=$(wcount drop_no_neighbour)
traffic_start c
nat_ports 30000-30999 || fail "c: nft"
ip netns exec "$ns_rt" conntrack -F >/dev/null 2>&1
wait_for 100 grep -q "child-sa update spi_out=$old_in remote=198.51.100.254:30[0-9]*" "$work/veer.log" ||
    fail "c: veer did not move the Child SA: $(grep child-sa "$work/veer.log" | tail -n 3)"
# The same Child SA on both sides: strongSwan moved it in place (its own address stayed).
same_child() {
    swan_one_sa_agree && [ "$swan_spi_i/$swan_spi_r" = "$ike" ] && [ "$swan_in/$swan_out" = "$old_in/$old_out" ] &&
        tel_one_sa "$swan_spi_i" "$swan_spi_r" "$swan_out/$swan_in"
}
wait_for 100 same_child || fail "c: the SAs do not agree after the rebinding"
[ "$(ike_count mobike_checks_passed)" -gt "$checks" ] ||
    fail "c: the Child SA moved without a return routability check"
grep -q "detected changes in NAT mappings" "$work/charon.log" ||
    fail "c: strongSwan did not see the new mapping in veer's NAT detection"
nat_port2=$(sed -n 's/^ike_sa .* remote=198\.51\.100\.254:\([0-9]*\) .*/\1/p' "$work/state")
moved_c=$(moved_at "$old_in" "198.51.100.254:$nat_port2")
checked_first "198.51.100.254:$nat_port" "198.51.100.254:30" >/dev/null ||
    fail "c: ESP went to the new mapping before it answered the check"
traffic_check c "$LOSS_MAX_REBIND"
lost_c=$lost
other_c=$(($(esp_other) - other0))
# The client's ESP from the new mapping came before its update, and was passed on.
[ "$other_c" -gt 0 ] || fail "c: no ESP from the new mapping counted before the move"
# ... but a MOBIKE SA is not followed on ESP (RFC 4555 3.8): no worker reported it.
[ "$(wcount esp_rebind_notified)" = 0 ] || fail "c: ESP-triggered rebinding on a MOBIKE SA"
[ "$(wcount drop_no_neighbour)" = "$noneigh" ] ||
    fail "c: drop_no_neighbour went from $noneigh to $(wcount drop_no_neighbour)"
pass "c. the NAT rebound (198.51.100.254:$nat_port -> :$nat_port2): IKE SA $ike and Child SA in=$swan_in out=$swan_out kept on both sides, moved after the check"
pass "c. 3 MiB each way intact (sha256sum), ping lost $lost_c of 240 (50 ms apart), ESP from the new mapping before the move $other_c (passed on, counted in esp_in_other_source)"

# --- where veer's ESP went: nothing to an old address once the move was logged
kill -INT "$cap_pid"
wait "$cap_pid" 2>/dev/null
"$py" - "$work/outside.pcap" "a:$moved_a:198.51.100.2:4500:198.51.100.3:4500" \
    "b:$moved_b:198.51.100.3:4500:198.51.100.254:$nat_port" \
    "c:$moved_c:198.51.100.254:$nat_port:198.51.100.254:$nat_port2" >"$work/esp.out" <<'PY' ||
import struct, sys
moves = [m.split(":") for m in sys.argv[2:]]
moves = [(l, float(t), od, int(op), nd, int(np)) for l, t, od, op, nd, np in moves]
data = open(sys.argv[1], "rb").read()
assert struct.unpack("<I", data[:4])[0] == 0xa1b2c3d4, "not a pcap file"
off, counts, seqs = 24, {}, {}
def count(k): counts[k] = counts.get(k, 0) + 1
while off + 16 <= len(data):
    sec, usec, incl, _ = struct.unpack("<IIII", data[off:off + 16])
    pkt, off, t = data[off + 16:off + 16 + incl], off + 16 + incl, sec + usec / 1e6
    if len(pkt) < 42 or pkt[12:14] != b"\x08\x00" or pkt[26:30] != bytes([198, 51, 100, 1]):
        continue
    ihl = (pkt[14] & 15) * 4
    dst, proto, l4 = ".".join(map(str, pkt[30:34])), pkt[23], 14 + ihl
    if proto == 17 and len(pkt) >= l4 + 16 and pkt[l4:l4 + 2] == b"\x11\x94" and pkt[l4 + 8:l4 + 12] != bytes(4):
        dport, esp = struct.unpack("!H", pkt[l4 + 2:l4 + 4])[0], l4 + 8
    elif proto == 50 and len(pkt) >= l4 + 8:
        dport, esp = 0, l4
    else:
        continue  # not ESP
    spi, seq = struct.unpack("!II", pkt[esp:esp + 8])
    if seq in seqs.setdefault(spi, set()): count("seq_reused")
    seqs[spi].add(seq)
    for i, (label, at, od, op, nd, np) in enumerate(moves):
        until = moves[i + 1][1] if i + 1 < len(moves) else float("inf")
        if (dst, dport) == (od, op) and t > at: count("stale_" + label)
        if (dst, dport) == (nd, np) and at < t < until: count("new_" + label)
keys = ["%s_%s" % (k, m[0]) for m in moves for k in ("stale", "new")] + ["seq_reused"]
print(" ".join("%s=%d" % (k, counts.get(k, 0)) for k in keys))
ok = counts.get("seq_reused", 0) == 0 and all(
    counts.get("stale_" + m[0], 0) == 0 and counts.get("new_" + m[0], 0) > 0 for m in moves)
sys.exit(0 if ok else 1)
PY
    fail "ESP after the moves: $(cat "$work/esp.out")"
pass "d. veer's ESP after each move (capture of its link): $(cat "$work/esp.out")"
lab_expect_zero_wcounts "d" drop_esp_bad_icv drop_esp_replayed
lab_swan_terminate "e: "
pass "e. the client's delete from behind the NAT removed the SAs"
echo "strongswan_mobike_dp: pings lost a=$lost_a b=$lost_b c=$lost_c of 240 each"
echo "strongswan_mobike_dp: all checks passed"
