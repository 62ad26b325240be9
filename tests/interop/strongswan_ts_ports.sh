#!/usr/bin/env bash
# Traffic selectors with protocol and ports through app/veer: a strongSwan 5.9
# client (kernel-libipsec, ESP in UDP) proposes two Child SAs to the server's
# subnet, c with remote_ts 10.2.0.0/24[icmp] and u with 10.2.0.0/24[udp/5000];
# veer (local_ts 10.2.0.0/24, any protocol) narrows to them. Then:
#   1. both are negotiated as proposed (strongSwan lists the selectors);
#   2. ping crosses both ways (c), UDP to and from the server's port 5000 (u);
#   3. what neither SA covers is not tunnelled: the server's UDP from port
#      5001 and its TCP to the client are dropped by veer's outbound lookup
#      and counted as drop_no_policy (the two SAs are one host's, found in
#      the host index and told apart by protocol and port);
#   4. genuine ESP in SA c (sealed with the Child SA's key from strongSwan's
#      log, independently of veer) carrying TCP or UDP is decrypted but
#      refused by the inbound check (RFC 4301 5.2) and counted as
#      drop_esp_policy_mismatch, while an ICMP echo sealed the same way passes.
#
# Needs root (network namespaces), DPDK and python3-scapy/-cryptography.
# Cleans up on exit. Usage: tests/interop/strongswan_ts_ports.sh BUILD_DIR
set -uo pipefail
# shellcheck source=tests/interop/lib.sh
source "$(dirname "$0")/lib.sh"
lab_init "${1:?usage: $0 BUILD_DIR}" vp
lab_topology_tunnel
py=/usr/bin/python3
"$py" -c "import scapy.all, cryptography" 2>/dev/null || fail "needs python3-scapy and python3-cryptography"

lab_tunnel_veer_yaml
veer_dp_start "$work/veer.yaml"
CHARON_ROUTES=yes charon_start
TUN_REMOTE_TS='10.2.0.0/24[icmp]'
TUN_CHILD_EXTRA='}
      u {
        local_ts = 10.1.0.1/32
        remote_ts = 10.2.0.0/24[udp/5000]
        esp_proposals = aes128gcm16'
lab_tunnel_swanctl_conf
swan --load-all --file "$work/cl/swanctl.conf" >"$work/load.out" 2>&1 || fail "swan --load-all"
swan --initiate --child c --timeout 20 >"$work/initiate-c.out" 2>&1 || fail "swan --initiate c"
swan --initiate --child u --timeout 20 >"$work/initiate-u.out" 2>&1 || fail "swan --initiate u"

# --- 1. the selectors as negotiated
swan --list-sas >"$work/sas.out" 2>&1
grep -q "remote 10.2.0.0/24\[icmp\]" "$work/sas.out" ||
    fail "1: Child SA c not [icmp]: $(cat "$work/sas.out")"
grep -q "remote 10.2.0.0/24\[udp/5000\]" "$work/sas.out" ||
    fail "1: Child SA u not [udp/5000]: $(cat "$work/sas.out")"
pass "1. strongSwan's Child SAs are 10.2.0.0/24[icmp] and 10.2.0.0/24[udp/5000], as veer narrowed them"

# --- 2. what the SAs cover crosses
wait_for 50 ip netns exec "$ns_cl" ping -c 1 -W 1 -I 10.1.0.1 10.2.0.2 ||
    fail "2: no ping reply from the server through the tunnel: $(tel /veer/workers)"
ip netns exec "$ns_cl" ping -c 3 -i 0.2 -W 1 -I 10.1.0.1 10.2.0.2 >"$work/ping1.out" 2>&1 ||
    fail "2: client -> server: $(tail -2 "$work/ping1.out")"
ip netns exec "$ns_srv" ping -c 3 -i 0.2 -W 1 10.1.0.1 >"$work/ping2.out" 2>&1 ||
    fail "2: server -> client: $(tail -2 "$work/ping2.out")"
cat >"$work/udp.py" <<'EOF'
import socket, sys
# recv ADDR PORT: print the first datagram's text (or "none" after 3 s)
# send SRC_ADDR SRC_PORT DST_ADDR DST_PORT TEXT: five datagrams, 0.1 s apart
if sys.argv[1] == "recv":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((sys.argv[2], int(sys.argv[3]))); s.settimeout(3)
    try:
        print(s.recv(2048).decode())
    except socket.timeout:
        print("none")
else:
    import time
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((sys.argv[2], int(sys.argv[3])))
    for _ in range(5):
        s.sendto(sys.argv[6].encode(), (sys.argv[4], int(sys.argv[5]))); time.sleep(0.1)
EOF
# $1 receiving ns, $2 its address and $3 port, $4 sending ns, $5 address, $6 port; prints what came
udp_try() {
    ip netns exec "$1" timeout 10 "$py" "$work/udp.py" recv "$2" "$3" >"$work/udp.rx" 2>&1 &
    local rx=$!
    sleep 0.3
    ip netns exec "$4" timeout 10 "$py" "$work/udp.py" send "$5" "$6" "$2" "$3" "from-$6"
    wait "$rx"
    cat "$work/udp.rx"
}
got=$(udp_try "$ns_srv" 10.2.0.2 5000 "$ns_cl" 10.1.0.1 40000)
[ "$got" = from-40000 ] || fail "2: client -> server UDP/5000: got \"$got\""
got=$(udp_try "$ns_cl" 10.1.0.1 40001 "$ns_srv" 10.2.0.2 5000)
[ "$got" = from-5000 ] || fail "2: server UDP/5000 -> client: got \"$got\""
pass "2. ping both ways over [icmp], UDP to and from the server's port 5000 over [udp/5000]"

# --- 3. what neither covers stays out of the tunnel
before=$(wcount drop_no_policy)
got=$(udp_try "$ns_cl" 10.1.0.1 40002 "$ns_srv" 10.2.0.2 5001)
[ "$got" = none ] || fail "3: server UDP/5001 reached the client: \"$got\""
udp_drops=$(($(wcount drop_no_policy) - before))
[ "$udp_drops" -ge 5 ] || fail "3: 5 datagrams from port 5001, drop_no_policy +$udp_drops"
before=$(wcount drop_no_policy)
ip netns exec "$ns_cl" timeout 10 "$py" -c "
import socket; s = socket.socket(); s.bind(('10.1.0.1', 7001)); s.listen(1); s.settimeout(4)
try:
    s.accept(); print('accepted')
except socket.timeout:
    print('none')" >"$work/tcp.rx" 2>&1 &
rx=$!
sleep 0.3
ip netns exec "$ns_srv" timeout 10 "$py" -c "
import socket
try:
    socket.create_connection(('10.1.0.1', 7001), timeout=2); print('connected')
except OSError as e:
    print('refused or timed out')" >"$work/tcp.tx" 2>&1
wait "$rx"
[ "$(cat "$work/tcp.rx")" = none ] || fail "3: server's TCP reached the client: $(cat "$work/tcp.rx")"
tcp_drops=$(($(wcount drop_no_policy) - before))
[ "$tcp_drops" -ge 1 ] || fail "3: the server's TCP SYNs not counted as drop_no_policy"
# Still there for what they cover.
ip netns exec "$ns_srv" ping -c 2 -i 0.2 -W 1 10.1.0.1 >/dev/null 2>&1 || fail "3: ping stopped"
pass "3. outbound: UDP from port 5001 ($udp_drops) and TCP ($tcp_drops SYNs) counted as drop_no_policy, not tunnelled"

# --- 4. inbound: genuine ESP of SA c carrying what c does not cover
spi_c=$(awk '/^ *c: #/ {inc = 1} /^ *u: #/ {inc = 0} inc && /^ *out / {sub(/,$/, "", $2); print $2; exit}' "$work/sas.out")
[ -n "$spi_c" ] || fail "4: no outbound SPI of c in: $(cat "$work/sas.out")"
key_c=$(swan_key_pairs | head -n1 | cut -d' ' -f1) # c came first; strongSwan sends i->r
[ ${#key_c} = 40 ] || fail "4: no AES-GCM-128 key (20 bytes with salt) of c in charon's log"
cat >"$work/seal.py" <<'EOF'
import os, socket, struct, sys
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from scapy.all import ICMP, IP, TCP, UDP
spi, key = int(sys.argv[1], 16), bytes.fromhex(sys.argv[2])
gcm, salt = AESGCM(key[:16]), key[16:]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.51.100.2", 4511))
inner = {
    "tcp": IP(src="10.1.0.1", dst="10.2.0.2") / TCP(sport=40100, dport=80, flags="S"),
    "udp": IP(src="10.1.0.1", dst="10.2.0.2") / UDP(sport=40101, dport=5000) / b"not in c",
    "icmp": IP(src="10.1.0.1", dst="10.2.0.2") / ICMP(type=8, id=77, seq=1) / b"in c",
}
for seq, what in enumerate(sys.argv[3].split(","), start=int(sys.argv[4])):
    pt = bytes(inner[what])
    pad = (-(len(pt) + 2)) % 4
    pt += bytes(range(1, pad + 1)) + bytes([pad, 4])  # next header 4: IPv4
    head, iv = struct.pack("!II", spi, seq), os.urandom(8)
    s.sendto(head + iv + gcm.encrypt(salt + iv, pt, head), ("198.51.100.1", 4500))
EOF
mis0=$(wcount drop_esp_policy_mismatch)
dec0=$(wcount esp_decrypted)
icv0=$(wcount drop_esp_bad_icv)
ip netns exec "$ns_cl" "$py" "$work/seal.py" "$spi_c" "$key_c" tcp,udp,tcp 5000 2>"$work/seal.err" ||
    fail "4: could not send sealed ESP: $(cat "$work/seal.err")"
sleep 0.5
mis=$(($(wcount drop_esp_policy_mismatch) - mis0))
[ "$(wcount drop_esp_bad_icv)" = "$icv0" ] || fail "4: our sealing is wrong (bad ICV counted)"
[ "$mis" = 3 ] || fail "4: TCP/UDP inside SA c: drop_esp_policy_mismatch +$mis, want +3"
ip netns exec "$ns_cl" "$py" "$work/seal.py" "$spi_c" "$key_c" icmp 5003 2>"$work/seal.err" ||
    fail "4: could not send sealed ESP: $(cat "$work/seal.err")"
sleep 0.5
[ "$(($(wcount drop_esp_policy_mismatch) - mis0))" = 3 ] || fail "4: the ICMP echo was refused"
[ "$(($(wcount esp_decrypted) - dec0))" -ge 1 ] || fail "4: the ICMP echo was not decrypted"
kill -0 "$veer_pid" 2>/dev/null || fail "4: veer died"
pass "4. inbound: TCP and UDP sealed into SA [icmp] decrypted and refused (drop_esp_policy_mismatch +3), an ICMP echo sealed the same way passes"
echo "strongswan_ts_ports: all checks passed"
