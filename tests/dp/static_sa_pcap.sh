#!/usr/bin/env bash
# app/veer with a manually keyed SA (dataplane.static_sas) and configured
# neighbours, fed from pcaps and writing pcaps (DPDK net_pcap), checked by an
# independent implementation (Python's cryptography, i.e. OpenSSL, with code
# of its own for ESP framing):
#   1. encrypt: plaintext IMIX in on the protected port -> every packet comes
#      out as ESP SPI 0x1000 to the peer, sequence numbers 1..N in order, and
#      opens (AES-GCM-128, RFC 4106) to the packet that went in, with RFC 4303
#      padding and next header 4;
#   2. decrypt: ESP sealed by tests/tools/gen_bench_pcap (OpenSSL) in -> the
#      inner packets come out on the protected port, to the configured
#      neighbour's MAC, byte for byte but for TTL and header checksum.
# Usage: tests/dp/static_sa_pcap.sh BUILD_DIR
set -uo pipefail
# shellcheck source=tests/dp/pcap_env.sh
. "$(dirname "$0")/pcap_env.sh"
pcap_env_init static "${1:?usage: $0 BUILD_DIR}"
gen="$build/tests/tools/gen_bench_pcap"
[ -x "$veer" ] && [ -x "$gen" ] || fail "veer or gen_bench_pcap not built"
packets=96
"$gen" "$work" "$packets" || fail "gen_bench_pcap"
# An empty capture for the port that only sends.
"$py" -c "import struct, sys; open(sys.argv[1], 'wb').write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))" \
    "$work/empty.pcap"

run_veer() { # $1 name, $2 outside device, $3 inside device, $4 output pcap to wait for
    cat >"$work/$1.yaml" <<EOF
dataplane:
  workers: 1
  idle_sleep_us: 100
  admission:
    mode: off
  ports:
    - name: outside
      device: $2
      address: 198.51.100.1/24
      mtu: 9000 # a pcap takes any size: the IMIX's 1500-byte packets leave whole
    - name: inside
      device: $3
      address: 10.2.0.1/24
  neighbours:
    - {address: 198.51.100.2, mac: "02:00:00:00:00:02", port: outside}
    - {address: 10.2.0.2, mac: "02:00:00:00:00:22", port: inside}
  static_sas:
    - name: t
      local: 198.51.100.1
      remote: 198.51.100.2
      esp: aes128gcm16
      spi_in: 0x2000
      spi_out: 0x1000
      key_in: 101112131415161718191a1b1c1d1e1fb0b1b2b3
      key_out: 000102030405060708090a0b0c0d0e0fa0a1a2a3
      local_ts: [10.2.0.0/24]
      remote_ts: [10.1.0.0/24]
EOF
    "$veer" -l 0,1 --no-huge -m 256 --no-pci --file-prefix "st$$$1" --log-level=lib.eal:error \
        -- -c "$work/$1.yaml" >"$work/veer-$1.log" 2>&1 &
    veer_pid=$!
    # net_pcap writes as it sends; wait until every packet is out (bounded), then stop.
    local want=$((24 + packets * 16)) # at least the headers of every record
    for _ in $(seq 100); do
        sleep 0.1
        [ -f "$4" ] && [ "$(stat -c %s "$4")" -gt "$want" ] && break
    done
    sleep 0.5
    stop_veer
    grep -q "static SA t: in 00002000 out 00001000, no anti-replay" "$work/veer-$1.log" ||
        fail "$1: veer did not install the static SA: $(tail -2 "$work/veer-$1.log")"
}

run_veer enc "net_pcap0,rx_pcap=$work/empty.pcap,tx_pcap=$work/out-enc.pcap" \
    "net_pcap1,rx_pcap=$work/plain-imix.pcap,tx_pcap=$work/unused.pcap" "$work/out-enc.pcap"
run_veer dec "net_pcap0,rx_pcap=$work/esp-imix.pcap,tx_pcap=$work/unused2.pcap" \
    "net_pcap1,rx_pcap=$work/empty.pcap,tx_pcap=$work/out-dec.pcap" "$work/out-dec.pcap"

cat >"$work/check.py" <<'EOF'
import struct, sys
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pcap_frames import frames

def same_but_ttl(a, b):
    # TTL (byte 8) and the header checksum (10, 11) change when a gateway forwards.
    strip = lambda p: p[:8] + p[9:10] + p[12:]
    return len(a) == len(b) and strip(a) == strip(b)

work, n = sys.argv[1], int(sys.argv[2])
plain = [f[14:] for f in frames(work + "/plain-imix.pcap")]
esp_in = list(frames(work + "/esp-imix.pcap"))
out = [f for f in frames(work + "/out-enc.pcap") if f[12:14] == b"\x08\x00"]
assert len(out) == n, f"encrypt: {len(out)} ESP packets out of {n}"
gcm = AESGCM(bytes(range(16)))
for i, f in enumerate(out):
    ip = f[14:]
    assert f[0:6] == bytes.fromhex("020000000002"), f"encrypt {i}: not sent to the peer's MAC"
    assert ip[9] == 50 and ip[12:16] == bytes([198, 51, 100, 1]) and ip[16:20] == bytes([198, 51, 100, 2]), f"encrypt {i}: outer header"
    esp = ip[(ip[0] & 15) * 4:struct.unpack("!H", ip[2:4])[0]]
    spi, seq = struct.unpack("!II", esp[:8])
    assert spi == 0x1000 and seq == i + 1, f"encrypt {i}: SPI {spi:#x} seq {seq}"
    nonce = bytes.fromhex("a0a1a2a3") + esp[8:16]
    pt = gcm.decrypt(nonce, esp[16:], esp[:8])  # raises on a bad ICV
    pad_len, nh = pt[-2], pt[-1]
    assert nh == 4 and pt[-2 - pad_len:-2] == bytes(range(1, pad_len + 1)), f"encrypt {i}: trailer"
    inner = pt[:-2 - pad_len]
    assert same_but_ttl(inner, plain[i]), f"encrypt {i}: inner packet differs"
gcm_in = AESGCM(bytes(range(0x10, 0x20)))
dec = [f for f in frames(work + "/out-dec.pcap") if f[12:14] == b"\x08\x00"]
assert len(dec) == n, f"decrypt: {len(dec)} packets out of {n}"
for i, f in enumerate(dec):
    assert f[0:6] == bytes.fromhex("020000000022"), f"decrypt {i}: not sent to the neighbour's MAC"
    ip = esp_in[i][14:]
    esp = ip[20:]
    pt = gcm_in.decrypt(bytes.fromhex("b0b1b2b3") + esp[8:16], esp[16:], esp[:8])
    inner = pt[:-2 - pt[-2]]
    assert same_but_ttl(f[14:], inner), f"decrypt {i}: inner packet differs"
print(f"{n} packets encrypted and {n} decrypted, all checked")
EOF
"$py" "$work/check.py" "$work" "$packets" || fail "the output does not check out"
echo "PASS: static SA through app/veer on net_pcap, checked against OpenSSL both ways"
