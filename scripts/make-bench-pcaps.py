#!/usr/bin/python3
"""Writes the pcaps of the whole-appliance ESP benchmark (scripts/bench-secgw.sh,
and veer's side of the same benchmark), so that both gateways replay the same
frames:

  plain-64.pcap plain-512.pcap plain-1400.pcap plain-imix.pcap
      plaintext for the encrypt direction (arrives on the gateway's inside port):
      Ethernet / IPv4 10.2.0.2 -> 10.1.0.2 / UDP 5000 -> 5001 / payload
  esp-64.pcap esp-512.pcap esp-1400.pcap esp-imix.pcap
      ESP for the decrypt direction (arrives on the outside port):
      Ethernet / IPv4 198.51.100.2 -> 198.51.100.1, protocol 50 / ESP SPI 0x2000,
      AES-GCM-128 (RFC 4106), key 10 11 .. 1f, salt b0 b1 b2 b3, tunnel mode,
      sequence numbers 1..N, inner packet 10.1.0.2:5001 -> 10.2.0.2:5000

The size is that of the plaintext IP packet (IPv4 header + UDP + payload).
IMIX is the simple IMIX by IP packet size, 7:4:1 of 64/576/1500 B, interleaved
in a 12-packet cycle (mean 354.33 B). Every file holds the same number of
packets (1200 by default, a multiple of 12).

Run with Debian's python (it sees python3-scapy and python3-cryptography):
  /usr/bin/python3 scripts/make-bench-pcaps.py OUTDIR [-n PACKETS] [--check]
--check decrypts every ESP frame written and compares it with the plaintext.
A gateway's output, captured in a pcap, is checked against OUTDIR's files with
  make-bench-pcaps.py OUTDIR --verify-enc CAPTURE --size 64   (ESP out, SPI 0x1000)
  make-bench-pcaps.py OUTDIR --verify-dec CAPTURE --size 64   (plaintext out)
which decrypt (or read) every captured packet and match its UDP payload, ports
and addresses with the plaintext packet of the same index; they print how many
matched and fail unless all did and none is missing.
"""
import argparse
import os
import sys

from scapy.all import Ether, IP, UDP, Raw, wrpcap, rdpcap  # noqa: E402
from scapy.layers.ipsec import SecurityAssociation, ESP  # noqa: E402

GW_MAC = "02:00:00:00:00:01"     # the gateway's port (frames are sent to it)
PEER_MAC = "02:00:00:00:00:02"   # whoever sends them
GW, PEER = "198.51.100.1", "198.51.100.2"
LEFT, RIGHT = "10.2.0.2", "10.1.0.2"   # behind the gateway, behind the peer
OUT_SPI, OUT_KEY, OUT_SALT = 0x1000, bytes(range(0x00, 0x10)), bytes.fromhex("a0a1a2a3")
IN_SPI, IN_KEY, IN_SALT = 0x2000, bytes(range(0x10, 0x20)), bytes.fromhex("b0b1b2b3")
IMIX_CYCLE = [64, 576, 64, 64, 1500, 64, 576, 64, 64, 576, 64, 576]  # 7:4:1
SIZES = {"64": [64], "512": [512], "1400": [1400], "imix": IMIX_CYCLE}


def inner(size, src, dst, sport, dport, seq):
    """An IPv4/UDP packet of exactly `size` bytes. The payload is the packet's
    index (4 bytes, big endian) followed by bytes counting up from 0."""
    plen = size - 20 - 8
    body = seq.to_bytes(4, "big") + bytes(i & 0xFF for i in range(plen - 4))
    pkt = IP(src=src, dst=dst, ttl=64, id=seq & 0xFFFF, flags=0) / \
        UDP(sport=sport, dport=dport) / Raw(body)
    pkt = IP(bytes(pkt))  # fills in lengths and checksums
    assert len(pkt) == size
    return pkt


def in_sa():
    return SecurityAssociation(ESP, spi=IN_SPI, crypt_algo="AES-GCM",
                               crypt_key=IN_KEY + IN_SALT,
                               tunnel_header=IP(src=PEER, dst=GW, ttl=64, id=0))


def out_sa():
    return SecurityAssociation(ESP, spi=OUT_SPI, crypt_algo="AES-GCM",
                               crypt_key=OUT_KEY + OUT_SALT,
                               tunnel_header=IP(src=GW, dst=PEER, ttl=64, id=0))


def verify(args):
    """Checks a gateway's output (a pcap) against the packets of OUTDIR."""
    plain = rdpcap(os.path.join(args.outdir, f"plain-{args.size}.pcap"))
    enc = args.verify_enc is not None
    cap = rdpcap(args.verify_enc if enc else args.verify_dec)
    # Encrypt: the inside packet LEFT -> RIGHT must come out inside ESP from
    # GW to PEER. Decrypt: the inner packet RIGHT -> LEFT of esp-SIZE.pcap.
    src, dst, sport, dport = (LEFT, RIGHT, 5000, 5001) if enc else (RIGHT, LEFT, 5001, 5000)
    want = {bytes(p[UDP].payload): len(p[IP]) for p in plain}
    seen, bad = set(), 0
    sa = out_sa()
    for f in cap:
        try:
            ip = f[IP]
            if enc:
                if ip.src != GW or ip.dst != PEER or ip.proto != 50 or ip[ESP].spi != OUT_SPI:
                    raise ValueError("outer header")
                ip = sa.decrypt(ip)
            if (ip.src, ip.dst, ip[UDP].sport, ip[UDP].dport) != (src, dst, sport, dport):
                raise ValueError("inner addresses")
            body = bytes(ip[UDP].payload)
            if want.get(body) != len(ip):
                raise ValueError("payload")
            seen.add(body)
        except Exception as e:  # noqa: BLE001 - any failure is a bad packet
            bad += 1
            if bad <= 3:
                print(f"verify: bad packet ({e}): {f.summary()}", file=sys.stderr)
    what = "decrypted with SPI 0x1000's key" if enc else "plaintext"
    print(f"verify {args.size}: {len(cap)} packets out, {len(seen)} of {len(want)} "
          f"distinct inputs found ({what}), {bad} bad")
    return 0 if bad == 0 and len(seen) == len(want) else 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("-n", type=int, default=1200, help="packets per file")
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--verify-enc", metavar="CAPTURE")
    ap.add_argument("--verify-dec", metavar="CAPTURE")
    ap.add_argument("--size", default="64", choices=list(SIZES))
    args = ap.parse_args()
    if args.verify_enc or args.verify_dec:
        return verify(args)
    os.makedirs(args.outdir, exist_ok=True)
    sa = in_sa()
    for name, cycle in SIZES.items():
        plain, esp = [], []
        for i in range(args.n):
            size = cycle[i % len(cycle)]
            plain.append(Ether(src=PEER_MAC, dst=GW_MAC) /
                         inner(size, LEFT, RIGHT, 5000, 5001, i + 1))
            # The ESP IV (8 bytes) is the sequence number, big endian.
            seq = i + 1
            e = sa.encrypt(inner(size, RIGHT, LEFT, 5001, 5000, seq),
                           seq_num=seq, iv=seq.to_bytes(8, "big"))
            esp.append(Ether(src=PEER_MAC, dst=GW_MAC) / e)
        wrpcap(os.path.join(args.outdir, f"plain-{name}.pcap"), plain)
        wrpcap(os.path.join(args.outdir, f"esp-{name}.pcap"), esp)
        print(f"{args.outdir}/plain-{name}.pcap, esp-{name}.pcap: {args.n} packets, "
              f"ESP frames {min(len(p) for p in esp)}-{max(len(p) for p in esp)} B")
    if args.check:
        for name in SIZES:
            plain = rdpcap(os.path.join(args.outdir, f"plain-{name}.pcap"))
            for i, f in enumerate(rdpcap(os.path.join(args.outdir, f"esp-{name}.pcap"))):
                d = in_sa().decrypt(f[IP])
                want = len(plain[i][IP])
                if len(d) != want or d.src != RIGHT or d[UDP].dport != 5000:
                    print(f"check: esp-{name}.pcap packet {i} decrypts wrong", file=sys.stderr)
                    return 1
        print("check: every ESP frame decrypts to the expected inner packet")
    return 0


if __name__ == "__main__":
    sys.exit(main())
