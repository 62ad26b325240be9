#!/usr/bin/env bash
# A real tunnel through the DPDK dataplane: a strongSwan 5.9 client
# (kernel-libipsec: ESP in UDP/4500) connects to app/veer, which has one
# af_packet port outside and one inside towards a server. Then:
#   1. ping crosses the tunnel both ways (client -> server, server -> client),
#      the very first ping too: veer holds it while it asks for the server's
#      MAC and sends it once the ARP reply is learnt (neigh_held);
#   2. 4 MiB over TCP each way, SHA-256 compared at both ends;
#   3. the Child SA is rekeyed by strongSwan while a transfer runs: it completes
#      intact, and traffic goes on over the new SA;
#   4. forged ESP (unknown SPI, truncated, bad ICV, replayed) is dropped and
#      counted per reason, and veer keeps forwarding.
#
# Needs root (network namespaces) and DPDK. Cleans up on exit. Usage:
#   tests/interop/strongswan_tunnel.sh BUILD_DIR
set -uo pipefail
# shellcheck source=tests/interop/lib.sh
source "$(dirname "$0")/lib.sh"
lab_init "${1:?usage: $0 BUILD_DIR}" vt
lab_topology_tunnel
py=/usr/bin/python3

lab_tunnel_up

# --- 1. ping both ways; veer does not know the server's MAC yet: the first
# ping is held while it asks, not lost (lib/dp/neigh/neigh_hold.c)
ip netns exec "$ns_cl" ping -c 1 -W 3 -I 10.1.0.1 10.2.0.2 >"$work/ping0.out" 2>&1 ||
    fail "1: the first ping through the tunnel was lost: $(tail -2 "$work/ping0.out"); $(tel /veer/workers)"
[ "$(wcount neigh_held)" -ge 1 ] && [ "$(wcount neigh_hold_sent)" = "$(wcount neigh_held)" ] ||
    fail "1: the first ping was not held for the server's MAC: neigh_held=$(wcount neigh_held) neigh_hold_sent=$(wcount neigh_hold_sent)"
lab_ping_both_ways "1: "
lab_expect_zero_wcounts 1 drop_no_neighbour drop_neigh_hold_full drop_neigh_hold_total \
    drop_neigh_hold_expired
pass "1. ping through the tunnel both ways, the first one held for ARP and answered ($(wcount neigh_held) held, $(wcount esp_encrypted) encrypted, $(wcount esp_decrypted) decrypted by veer)"

# --- 2. bulk TCP each way, hashes compared
size=$((4 * 1024 * 1024))
lab_tcp_both_ways 2 "$size"
# The dataplane's counts reach lib/ike and telemetry (every 100 ms).
sa_col() { echo "$1" | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['/veer/ike/sas']['$2'][0])"; }
sleep 0.3
out=$(tel /veer/ike/sas)
for col in bytes_in bytes_out; do
    v=$(sa_col "$out" "$col")
    [ "${v:-0}" -ge $((4 * 1024 * 1024)) ] || fail "2: /veer/ike/sas $col=$v after 4 MiB each way: $out"
done
idle=$(sa_col "$out" idle_in_ms)
[ "${idle:-99999}" -lt 5000 ] || fail "2: /veer/ike/sas idle_in_ms=$idle right after traffic"
pass "2. 4 MiB each way over TCP, SHA-256 equal at both ends; /veer/ike/sas counts $(sa_col "$out" bytes_in) bytes in, $(sa_col "$out" bytes_out) out, last ESP ${idle} ms ago"

# --- 3. Child SA rekey under traffic
read -r old_in _ < <(swan --list-sas 2>/dev/null | sed -n 's/^ *in  \([0-9a-f]\{8\}\).*/\1/p')
ip netns exec "$ns_srv" timeout 60 "$py" "$work/tcp.py" serve 10.2.0.2 5003 $((16 * 1024 * 1024)) \
    >"$work/rx.5003" 2>&1 &
rx=$!
sleep 0.5
ip netns exec "$ns_cl" timeout 60 "$py" "$work/tcp.py" send 10.2.0.2 5003 $((16 * 1024 * 1024)) \
    >"$work/tx.5003" 2>&1 &
tx=$!
sleep 0.3
swan --rekey --child c >"$work/rekey.out" 2>&1 || fail "3: swan --rekey --child"
wait "$tx"
wait "$rx"
[ -s "$work/rx.5003" ] && [ "$(cat "$work/rx.5003")" = "$(cat "$work/tx.5003")" ] ||
    fail "3: transfer across the rekey: sent $(cat "$work/tx.5003"), received $(cat "$work/rx.5003")"
# The old Child SA goes once the rekey is done; one new one is left.
child_ins() { swan --list-sas 2>/dev/null | sed -n 's/^ *in  \([0-9a-f]\{8\}\).*/\1/p'; }
wait_for 50 sh -c "[ \"\$(ip netns exec $ns_cl swanctl --list-sas --uri unix://$work/cl/vici 2>/dev/null | grep -c '^ *in  ')\" = 1 ]" ||
    fail "3: two Child SAs still listed after the rekey"
new_in=$(child_ins)
[ -n "$new_in" ] && [ "$new_in" != "$old_in" ] || fail "3: the Child SA was not rekeyed"
ip netns exec "$ns_cl" ping -c 3 -i 0.2 -W 1 -I 10.1.0.1 10.2.0.2 >/dev/null 2>&1 ||
    fail "3: no traffic over the new Child SA"
pass "3. 16 MiB across a Child SA rekey ($old_in -> $new_in) arrived intact; traffic goes on"

# --- 4. forged ESP, counted per reason
spi=$(swan --list-sas 2>/dev/null | sed -n 's/^ *out \([0-9a-f]\{8\}\).*/\1/p' | head -n1)
cat >"$work/forge.py" <<'EOF'
import os, socket, struct, sys
spi = int(sys.argv[1], 16)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("198.51.100.2", 4501))
gw = ("198.51.100.1", 4500)
s.sendto(struct.pack("!II", 0x0badf00d, 1) + os.urandom(60), gw)       # unknown SPI
s.sendto(struct.pack("!II", spi, 1) + os.urandom(8), gw)               # truncated
for seq in (1000000, 1000001):                                          # bad ICV
    s.sendto(struct.pack("!II", spi, seq) + os.urandom(80), gw)
EOF
before_spi=$(wcount drop_esp_unknown_spi)
before_runt=$(wcount drop_esp_runt)
before_icv=$(wcount drop_esp_bad_icv)
ip netns exec "$ns_cl" "$py" "$work/forge.py" "$spi" || fail "4: could not send forged ESP"
# A replay: capture one genuine ESP packet from the client and send it again.
ip netns exec "$ns_cl" "$py" - "$work" <<'EOF' &
import socket, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))  # ETH_P_ALL: outgoing too
s.settimeout(5)
end = time.time() + 5
while time.time() < end:
    frame, addr = s.recvfrom(65535)
    if addr[2] != socket.PACKET_OUTGOING or frame[23] != 17:
        continue
    ihl = (frame[14] & 15) * 4
    udp = 14 + ihl
    if frame[udp + 2:udp + 4] == b"\x11\x94" and frame[udp + 8:udp + 12] != b"\0\0\0\0" and len(frame) > udp + 40:
        open(sys.argv[1] + "/esp.bin", "wb").write(frame[udp + 8:])
        break
EOF
cap=$!
sleep 0.5
ip netns exec "$ns_cl" ping -c 2 -i 0.2 -W 1 -I 10.1.0.1 10.2.0.2 >/dev/null 2>&1
wait "$cap"
[ -s "$work/esp.bin" ] || fail "4: captured no ESP packet to replay"
before_replay=$(wcount drop_esp_replayed)
ip netns exec "$ns_cl" "$py" -c "
import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('198.51.100.2', 4502)); s.sendto(open('$work/esp.bin', 'rb').read(), ('198.51.100.1', 4500))"
sleep 0.5
[ "$(wcount drop_esp_unknown_spi)" -gt "$before_spi" ] || fail "4: unknown SPI not counted"
[ "$(wcount drop_esp_runt)" -gt "$before_runt" ] || fail "4: truncated ESP not counted"
[ "$(wcount drop_esp_bad_icv)" -ge $((before_icv + 2)) ] || fail "4: bad ICV not counted"
[ "$(wcount drop_esp_replayed)" -gt "$before_replay" ] || fail "4: replayed ESP not counted"
kill -0 "$veer_pid" 2>/dev/null || fail "4: veer died"
ip netns exec "$ns_cl" ping -c 3 -i 0.2 -W 1 -I 10.1.0.1 10.2.0.2 >/dev/null 2>&1 ||
    fail "4: the tunnel stopped working after forged ESP"
pass "4. forged ESP dropped and counted (unknown SPI, truncated, bad ICV, replayed); tunnel unharmed"
echo "strongswan_tunnel: all checks passed"
