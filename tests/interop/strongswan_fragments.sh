#!/usr/bin/env bash
# IPv4 fragmentation and reassembly through app/veer with a narrow path: a
# strongSwan 5.9 client (kernel-libipsec: ESP in UDP/4500) on a link of MTU
# 1280 connects to app/veer, whose outside port also has mtu 1280; a server
# sits behind veer's inside port (MTU 1500). Then:
#   1. 1400-byte pings without DF from the client: its kernel fragments the
#      ESP-in-UDP packets (about 1460 bytes) on the 1280 link; veer decrypts and
#      forwards them; the echo replies (no DF, too big for the tunnel's 1218)
#      are fragmented by veer before encryption (frag_packets): every frame
#      veer sends the client fits 1280 and is no IP fragment itself
#      (pre-fragmentation, RFC 4459 3). On af_packet the kernel reassembles the
#      client's fragments before veer sees them (DPDK's af_packet PMD joins a
#      PACKET_FANOUT group with PACKET_FANOUT_FLAG_DEFRAG), so veer's own
#      reassembly is not what is tested here: see strongswan_fragments_tap.sh;
#   2. the same from the server's side (its 1400-byte requests pre-fragmented);
#   3. with DF from the server: ICMP Fragmentation Needed with mtu 1218;
#   4. 1 MiB over TCP each way (PMTUD on one side, reassembly on the other),
#      SHA-256 equal at both ends; nothing counted as invalid or too big.
#
# Needs root (network namespaces) and DPDK. Cleans up on exit. Usage:
#   tests/interop/strongswan_fragments.sh BUILD_DIR
set -uo pipefail
# shellcheck source=tests/interop/lib.sh
source "$(dirname "$0")/lib.sh"
lab_init "${1:?usage: $0 BUILD_DIR}" vq
lab_topology_tunnel
py=/usr/bin/python3
ip -n "$ns_cl" link set "${tag}c" mtu 1280

TUN_DP_EXTRA="  reassembly: {flows: 256, timeout_ms: 1000}" TUN_OUTSIDE_EXTRA="      mtu: 1280" \
    lab_tunnel_up
wait_for 50 ip netns exec "$ns_cl" ping -c 1 -W 1 -I 10.1.0.1 10.2.0.2 ||
    fail "no small ping through the tunnel: $(tel /veer/workers)"

# For $1 seconds, on the client's link: every IPv4 frame from veer (length, fragment
# field) into $2, and every IPv4 fragment the client sends into $2.out.
cat >"$work/watch.py" <<'PY'
import socket, struct, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
s.settimeout(0.2)
end = time.time() + float(sys.argv[1])
out = open(sys.argv[2], "w")
while time.time() < end:
    try:
        frame, addr = s.recvfrom(65535)
    except socket.timeout:
        continue
    if frame[12:14] != b"\x08\x00":
        continue
    total, frag = struct.unpack("!H2xH", frame[16:22])
    if addr[2] == socket.PACKET_OUTGOING:
        if frag & 0x3FFF:
            open(sys.argv[2] + ".out", "a").write("%d %d\n" % (total, frag & 0x3FFF))
    elif frame[26:30] == bytes([198, 51, 100, 1]):
        out.write("%d %d\n" % (total, frag & 0x3FFF))
        out.flush()
PY

# --- 1. 1400-byte pings from the client, no DF
before_frag=$(wcount frag_packets)
ip netns exec "$ns_cl" "$py" "$work/watch.py" 4 "$work/seen1" &
watch=$!
sleep 0.3
ip netns exec "$ns_cl" ping -c 5 -i 0.2 -W 2 -s 1372 -M dont -I 10.1.0.1 10.2.0.2 \
    >"$work/ping1.out" 2>&1 || fail "1: 1400-byte pings client -> server: $(tail -2 "$work/ping1.out")"
wait "$watch"
frag=$(($(wcount frag_packets) - before_frag))
sent_frags=$(wc -l <"$work/seen1.out" 2>/dev/null || echo 0)
[ "$sent_frags" -ge 10 ] || fail "1: the client sent $sent_frags IP fragments, expected 10"
[ "$frag" -ge 5 ] || fail "1: veer pre-fragmented $frag replies, expected 5: $(tel /veer/workers)"
[ -s "$work/seen1" ] || fail "1: saw no frame from veer"
awk '$1 > 1280 || $2 != 0 { bad++ } END { exit bad > 0 }' "$work/seen1" ||
    fail "1: veer sent frames over 1280 bytes or IP fragments: $(sort -u "$work/seen1" | head)"
pass "1. 1400-byte pings client -> server: the client sent $sent_frags IP fragments of ESP in UDP, $frag replies pre-fragmented by veer, $(wc -l <"$work/seen1") frames to the client, all <= 1280 bytes and none an IP fragment"

# --- 2. 1400-byte pings from the server, no DF: pre-fragmented by veer
before_frag=$(wcount frag_packets)
ip netns exec "$ns_srv" ping -c 5 -i 0.2 -W 2 -s 1372 -M dont 10.1.0.1 >"$work/ping2.out" 2>&1 ||
    fail "2: 1400-byte pings server -> client: $(tail -2 "$work/ping2.out")"
frag=$(($(wcount frag_packets) - before_frag))
[ "$frag" -ge 5 ] || fail "2: veer pre-fragmented $frag requests, expected 5"
pass "2. 1400-byte pings server -> client: $frag requests pre-fragmented by veer, all answered"

# --- 3. with DF: Fragmentation Needed with the tunnel's MTU (1280 less AES-GCM in UDP: 1218)
ip netns exec "$ns_srv" ping -c 1 -W 2 -s 1372 -M "do" 10.1.0.1 >"$work/ping3.out" 2>&1
grep -q "mtu = 1218" "$work/ping3.out" ||
    fail "3: no Fragmentation Needed with mtu 1218: $(cat "$work/ping3.out")"
pass "3. DF set: ICMP Fragmentation Needed, mtu 1218"

# --- 4. TCP each way
lab_tcp_mib_clean 4
pass "4. 1 MiB each way over TCP, SHA-256 equal ($(wcount frag_fragments) fragments made, $(wcount icmp_frag_needed) Fragmentation Needed sent); no reassembly or fragmentation failure"
