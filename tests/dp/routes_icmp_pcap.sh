#!/usr/bin/env bash
# Static routes and ICMP errors through app/veer on net_pcap ports (pcaps in,
# pcaps out), with a manually keyed SA to a peer that is NOT on a connected
# subnet (203.0.113.2, reached through the default route), checked in Python:
#   1. plaintext to the tunnel leaves as ESP to the default route's next hop MAC;
#   2. ESP from the peer whose inner packet goes to 10.9.0.0/16 leaves on the
#      inside port to that route's next hop MAC, its TTL decremented once;
#   3. a TTL-1 packet yields ICMP Time Exceeded quoting its header + 8 bytes;
#   4. a DF packet too big for the tunnel yields Fragmentation Needed with the
#      tunnel's MTU (1500 - 20 IPv4 - 8 ESP - 8 IV - 16 ICV = 1448, less the
#      2-byte trailer: 1446), and nothing goes to the peer for it.
# Usage: tests/dp/routes_icmp_pcap.sh BUILD_DIR
set -uo pipefail
# shellcheck source=tests/dp/pcap_env.sh
. "$(dirname "$0")/pcap_env.sh"
pcap_env_init routes "${1:?usage: $0 BUILD_DIR}"
[ -x "$veer" ] || fail "veer not built"

cat >"$work/pcaps.py" <<'EOF_PY'
import struct, sys
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

def ipv4(src, dst, ttl, payload, df=False, proto=17):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0x4242, 0x4000 if df else 0,
                    ttl, proto, 0, bytes(src), bytes(dst))
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload

def udp(n):
    return struct.pack("!HHHH", 1234, 5678, 8 + n, 0) + bytes(i % 251 for i in range(n))

def eth(ip, dst=b"\x02\x00\x00\x00\xaa\x01", src=b"\x02\x00\x00\x00\x01\x02"):
    return dst + src + b"\x08\x00" + ip

def write(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            f.write(struct.pack("<IIII", 1, i, len(fr), len(fr)) + fr)

H, P = [10, 2, 0, 2], [10, 1, 0, 5]
work = sys.argv[1]
inside = [ipv4(H, P, 64, udp(72)), ipv4(H, P, 1, udp(72)), ipv4(H, P, 64, udp(1452), df=True)]
write(work + "/in-inside.pcap", [eth(p) for p in inside])
open(work + "/inside.bin", "wb").write(b"".join(struct.pack("!H", len(p)) + p for p in inside))
# ESP from the peer (SPI 0x2000, AES-GCM-128, RFC 4106): an inner packet to 10.9.3.4.
inner = ipv4(P, [10, 9, 3, 4], 64, udp(40))
pad = (4 - (len(inner) + 2) % 4) % 4
pt = inner + bytes(range(1, pad + 1)) + bytes([pad, 4])
hdr = struct.pack("!II", 0x2000, 1)
iv = struct.pack("!Q", 1)
ct = AESGCM(bytes(range(0x10, 0x20))).encrypt(bytes.fromhex("b0b1b2b3") + iv, pt, hdr)
esp = ipv4([203, 0, 113, 2], [198, 51, 100, 1], 60, hdr + iv + ct, proto=50)
write(work + "/in-outside.pcap", [eth(esp, src=b"\x02\x00\x00\x00\x00\xfe")])
open(work + "/inner.bin", "wb").write(inner)
EOF_PY
"$py" "$work/pcaps.py" "$work" || fail "building the input pcaps"

cat >"$work/veer.yaml" <<EOF_YAML
dataplane:
  workers: 1
  idle_sleep_us: 100
  icmp_rate: 100
  admission:
    mode: off
  ports:
    - name: outside
      device: net_pcap0,rx_pcap=$work/in-outside.pcap,tx_pcap=$work/out-outside.pcap
      address: 198.51.100.1/24
      mtu: 1500
    - name: inside
      device: net_pcap1,rx_pcap=$work/in-inside.pcap,tx_pcap=$work/out-inside.pcap
      address: 10.2.0.1/24
  routes:
    - {to: 10.9.0.0/16, via: 10.2.0.254, port: inside}
    - {to: 0.0.0.0/0, via: 198.51.100.254}
  neighbours:
    - {address: 198.51.100.254, mac: "02:00:00:00:00:fe", port: outside}
    - {address: 10.2.0.254, mac: "02:00:00:00:01:fe", port: inside}
    - {address: 10.2.0.2, mac: "02:00:00:00:01:02", port: inside}
  static_sas:
    - name: t
      local: 198.51.100.1
      remote: 203.0.113.2
      esp: aes128gcm16
      spi_in: 0x2000
      spi_out: 0x1000
      key_in: 101112131415161718191a1b1c1d1e1fb0b1b2b3
      key_out: 000102030405060708090a0b0c0d0e0fa0a1a2a3
      local_ts: [10.2.0.0/24, 10.9.0.0/16]
      remote_ts: [10.1.0.0/24]
EOF_YAML
"$veer" -l 0,1 --no-huge -m 256 --no-pci --file-prefix "rt$$" --log-level=lib.eal:error \
    -- -c "$work/veer.yaml" --state-file "$work/state" >"$work/veer.log" 2>&1 &
veer_pid=$!
# Four packets in; wait until the state file shows them handled (bounded), then stop.
for _ in $(seq 100); do
    sleep 0.1
    grep -q "worker0 icmp_frag_needed=1" "$work/state" 2>/dev/null &&
        grep -q "worker0 esp_decrypted=1" "$work/state" && break
done
sleep 0.3
stop_veer
grep -q "static SA t: in 00002000 out 00001000" "$work/veer.log" ||
    fail "veer did not start: $(tail -2 "$work/veer.log")"

cat >"$work/check.py" <<'EOF_PY'
import struct, sys
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pcap_frames import frames

def csum_ok(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s == 0xffff

work = sys.argv[1]
raw = open(work + "/inside.bin", "rb").read()
sent_in = []
while raw:
    n = struct.unpack("!H", raw[:2])[0]
    sent_in.append(raw[2:2 + n])
    raw = raw[2 + n:]
inner = open(work + "/inner.bin", "rb").read()
mac = lambda s: bytes.fromhex(s.replace(":", ""))
out = [f for f in frames(work + "/out-outside.pcap") if f[12:14] == b"\x08\x00"]
ins = [f for f in frames(work + "/out-inside.pcap") if f[12:14] == b"\x08\x00"]

# 1. Only the first plaintext packet goes to the peer, through the default route's next hop.
assert len(out) == 1, f"{len(out)} packets to the peer, want 1 (TTL 1 and too big stay back)"
f = out[0]
assert f[0:6] == mac("02:00:00:00:00:fe"), "ESP not sent to the default route's next hop"
ip = f[14:]
assert ip[9] == 50 and ip[16:20] == bytes([203, 0, 113, 2]), "outer header"
esp = ip[20:]
pt = AESGCM(bytes(range(16))).decrypt(bytes.fromhex("a0a1a2a3") + esp[8:16], esp[16:], esp[:8])
got = pt[:-2 - pt[-2]]
assert got[8] == 63 and got[12:] == sent_in[0][12:], "inner packet (TTL 64 -> 63)"

icmps = [f for f in ins if f[14 + 9] == 1]
fwd = [f for f in ins if f[14 + 9] == 17]
# 2. The decrypted packet to 10.9.3.4 goes to the 10.9.0.0/16 route's next hop.
assert len(fwd) == 1, f"{len(fwd)} decrypted packets on the inside, want 1"
assert fwd[0][0:6] == mac("02:00:00:00:01:fe"), "not sent to the route's next hop"
got = fwd[0][14:]
assert got[8] == 63 and got[12:] == inner[12:] and csum_ok(got[:20]), "decrypted packet"

# 3 and 4. The ICMP errors, to the host's MAC, from 10.2.0.1.
assert len(icmps) == 2, f"{len(icmps)} ICMP errors, want 2"
by_type = {f[14 + 20]: f for f in icmps}
for t, code, word, orig in ((11, 0, 0, sent_in[1]), (3, 4, 1446, sent_in[2])):
    assert t in by_type, f"no ICMP type {t}"
    f = by_type[t]
    assert f[0:6] == mac("02:00:00:00:01:02"), f"ICMP {t}: not to the host's MAC"
    ip = f[14:]
    assert ip[12:16] == bytes([10, 2, 0, 1]) and ip[16:20] == bytes([10, 2, 0, 2]), f"ICMP {t}: addresses"
    assert csum_ok(ip[:20]), f"ICMP {t}: IPv4 checksum"
    icmp = ip[20:struct.unpack("!H", ip[2:4])[0]]
    assert csum_ok(icmp), f"ICMP {t}: ICMP checksum"
    assert icmp[1] == code and struct.unpack("!H", icmp[6:8])[0] == word, f"ICMP {t}: code/MTU"
    assert icmp[8:] == orig[:28], f"ICMP {t}: quote is not the IP header + 8 bytes"
print("route next hops, TTL, Time Exceeded and Fragmentation Needed (MTU 1446) all checked")
EOF_PY
"$py" "$work/check.py" "$work" || fail "the output does not check out: $(grep -E 'drop_|icmp_' "$work/state" | grep -v '=0$' | tr '\n' ' ')"
echo "PASS: static routes and ICMP errors through app/veer on net_pcap"
