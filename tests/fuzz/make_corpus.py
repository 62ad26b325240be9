#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Writes the seed corpora of the libFuzzer targets into tests/fuzz/corpus/.

Seeds are the IKE datagrams of the captures in tests/data (read with plain
struct parsing: classic pcap, Ethernet, IPv4, UDP) plus a few messages built
here for what the captures cannot show: inner payload chains (the captures'
are encrypted), REDIRECTED_FROM, returned cookies, SKF. Only the standard
library is used, so any python3 runs it. The output is deterministic; rerun it
after changing the captures or the targets' input format, and commit the result.

    python3 tests/fuzz/make_corpus.py
"""

import hashlib
import os
import struct
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(TOP, "tests", "data")
OUT = os.path.join(TOP, "tests", "fuzz", "corpus")

CAPTURES = {
    "ss-natt": "strongswan-5.9.8-psk-aesgcm-x25519-natt.pcap",
    "ss-default": "strongswan-5.9.8-psk-default-proposals.pcap",
    "ls-redirect": "libreswan-4.10-redirect-replies.pcap",
}

# Payload types, exchanges, notifies (RFC 7296, RFC 5685, RFC 7383).
SA, KE, IDI, IDR, CERT, CERTREQ, AUTH, NONCE, N, DELETE, VID, TSI, TSR, SK, CP, EAP, SKF = (
    33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 53)
IKE_SA_INIT, IKE_AUTH, CREATE_CHILD_SA, INFORMATIONAL, IKE_INTERMEDIATE = 34, 35, 36, 37, 43
N_INITIAL_CONTACT, N_COOKIE, N_REKEY_SA = 16384, 16390, 16393
N_MOBIKE, N_REDIRECT_SUPPORTED, N_REDIRECT, N_REDIRECTED_FROM = 16396, 16406, 16407, 16408
N_FRAG_SUPPORTED, N_HASH_ALGS = 16430, 16431
# MOBIKE (RFC 4555 4).
N_ADD_IP4, N_ADD_IP6, N_NO_ADD_ADDR, N_UPDATE_SA_ADDR, N_COOKIE2, N_NO_NATS = (
    16397, 16398, 16399, 16400, 16401, 16402)
N_NATD_SRC, N_NATD_DST = 16388, 16389
N_SWITCH_TO_IP = 40960  # draft-smyslov-ipsecme-ikev2-r-mobike: no IANA number
FLAG_I, FLAG_R = 0x08, 0x20

# fuzz_stateless control byte (see tests/fuzz/fuzz_stateless.c).
CTL_NATT, CTL_FQDN, CTL_NO_TARGET, CTL_ECHO = 0x01, 0x02, 0x04, 0x06
CTL_NO_POLICY, CTL_V6, CTL_LONG_FQDN, CTL_SMALL_OUT, CTL_ROTATED = 0x08, 0x10, 0x20, 0x40, 0x80
# The harness's first cookie secret, as C lays out the 31-character string literal.
FUZZ_SECRET = b"veer-fuzz-secret-one-0123456789\0"


def udp_payloads(path):
    """Yields (src_port, dst_port, payload) for every UDP/IPv4 frame of a classic pcap."""
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack_from("<I", data, 0)[0]
    endian = "<" if magic == 0xA1B2C3D4 else ">"
    pos = 24
    while pos + 16 <= len(data):
        incl = struct.unpack_from(endian + "I", data, pos + 8)[0]
        frame = data[pos + 16:pos + 16 + incl]
        pos += 16 + incl
        if len(frame) < 14 + 20 + 8 or frame[12:14] != b"\x08\x00" or frame[23] != 17:
            continue
        ihl = (frame[14] & 0x0F) * 4
        sport, dport, ulen = struct.unpack_from(">HHH", frame, 14 + ihl)
        yield sport, dport, frame[14 + ihl + 8:14 + ihl + ulen]


def ike_messages():
    """(name, IKE message, is IKE_SA_INIT request) for every IKE datagram; ESP is left out."""
    out = []
    for short, fname in CAPTURES.items():
        for i, (sport, dport, p) in enumerate(udp_payloads(os.path.join(DATA, fname))):
            if 4500 in (sport, dport):
                if len(p) < 4 or p[:4] != b"\0\0\0\0":
                    continue  # ESP in UDP
                p = p[4:]
            if len(p) < 28:
                continue
            request = p[18] == IKE_SA_INIT and not p[19] & FLAG_R
            out.append(("%s-%d" % (short, i), p, request))
    return out


def chain(payloads, critical=()):
    """Generic payload headers around (type, body) pairs; returns (first type, bytes)."""
    b = b""
    for i, (t, body) in enumerate(payloads):
        nxt = payloads[i + 1][0] if i + 1 < len(payloads) else 0
        b += struct.pack(">BBH", nxt, 0x80 if t in critical else 0, 4 + len(body)) + body
    return (payloads[0][0] if payloads else 0), b


def message(exchange, flags, payloads, spi_i=0x1A2B3C4D5E6F7081, spi_r=0, msg_id=0):
    first, body = chain(payloads)
    return struct.pack(">QQBBBBII", spi_i, spi_r, first, 0x20, exchange, flags, msg_id,
                       28 + len(body)) + body


def notify(ntype, data=b"", spi=b"", proto=0):
    return (N, struct.pack(">BBH", proto, len(spi), ntype) + spi + data)


def transform(ttype, tid, key_len=None, last=True):
    attrs = struct.pack(">HH", 0x800E, key_len) if key_len is not None else b""
    return struct.pack(">BBHBBH", 0 if last else 3, 0, 8 + len(attrs), ttype, 0, tid) + attrs


def proposal(num, proto, spi, xforms, last=True):
    body = b"".join(transform(*x, last=(i + 1 == len(xforms))) for i, x in enumerate(xforms))
    return struct.pack(">BBHBBBB", 0 if last else 2, 0, 8 + len(spi) + len(body), num, proto,
                       len(spi), len(xforms)) + spi + body


SA_IKE = (SA, proposal(1, 1, b"", [(1, 20, 256), (2, 5), (4, 31)], last=False) +
          proposal(2, 1, b"", [(1, 12, 128), (2, 5), (3, 12), (4, 19)]))
SA_ESP = (SA, proposal(1, 3, b"\xc1\x2a\x00\x01", [(1, 20, 256), (5, 0)]))
NONCE_32 = (NONCE, bytes(range(0x60, 0x80)))
KE_X25519 = (KE, struct.pack(">HH", 31, 0) + bytes(range(0x40, 0x60)))
TSI_2 = (TSI, struct.pack(">B3x", 2) +
         struct.pack(">BBHHH", 7, 0, 16, 0, 65535) + bytes([10, 1, 0, 1, 10, 1, 0, 1]) +
         struct.pack(">BBHHH", 8, 17, 40, 500, 500) + bytes(15) + b"\x01" + bytes(15) + b"\x02")
TSR_1 = (TSR, struct.pack(">B3x", 1) + struct.pack(">BBHHH", 7, 6, 16, 0, 65535) +
         bytes([10, 2, 0, 0, 10, 2, 255, 255]))
GW_V4 = bytes([1, 4, 192, 0, 2, 99])
GW_V6 = bytes([2, 16]) + bytes.fromhex("20010db8000000000000000000000099")
GW_FQDN = bytes([3, 15]) + b"gw2.example.net"
GW_ORIGIN = bytes([1, 4, 198, 51, 100, 1])


def inner_seeds():
    """fuzz_msg inputs for its inner run: first inner type, exchange selector, plaintext."""
    def seed(sel, payloads):
        first, body = chain(payloads)
        return bytes([first, sel]) + body

    ida = (IDI, struct.pack(">B3x", 2) + b"client.example.net")
    idr = (IDR, struct.pack(">B3x", 1) + bytes([198, 51, 100, 1]))
    auth = (AUTH, struct.pack(">B3x", 2) + bytes(range(32)))
    cp_req = (CP, struct.pack(">B3x", 1) + struct.pack(">HH", 1, 0) + struct.pack(">HH", 3, 0) +
              struct.pack(">HH", 8, 0) + struct.pack(">HH", 0x800E, 0))
    cp_rep = (CP, struct.pack(">B3x", 2) + struct.pack(">HH", 1, 4) + bytes([10, 1, 0, 2]) +
              struct.pack(">HH", 13, 8) + bytes([10, 2, 0, 0, 255, 255, 0, 0]))
    return {
        "inner-ike-auth-req": seed(0x00, [ida, notify(N_INITIAL_CONTACT), idr, auth, cp_req,
                                          SA_ESP, TSI_2, TSR_1, notify(N_MOBIKE),
                                          (CERTREQ, b"\x04" + bytes(range(20))),
                                          (CERT, b"\x04" + bytes(range(64)))]),
        "inner-ike-auth-resp": seed(0x80, [idr, auth, cp_rep, SA_ESP, TSI_2, TSR_1]),
        "inner-eap-req": seed(0x80, [idr, auth, (EAP, bytes([1, 7, 0, 5, 1]))]),
        "inner-eap-resp": seed(0x00, [(EAP, bytes([2, 7, 0, 9, 1]) + b"user")]),
        "inner-eap-success": seed(0x00, [(EAP, bytes([3, 8, 0, 4]))]),
        "inner-info-delete": seed(0x02, [(DELETE, struct.pack(">BBH", 3, 4, 2) +
                                          bytes.fromhex("c12a0001c12a0002")),
                                         (DELETE, struct.pack(">BBH", 1, 0, 0))]),
        "inner-info-redirect": seed(0x02, [notify(N_REDIRECT, GW_FQDN)]),
        "inner-child-rekey": seed(0x01, [notify(N_REKEY_SA, spi=b"\xc1\x2a\x00\x01", proto=3),
                                         SA_ESP, NONCE_32, KE_X25519, TSI_2, TSR_1]),
        "inner-intermediate": seed(0x03, [notify(16438), (VID, b"veer-fuzz-vendor")]),
        "inner-info-mobike": seed(0x02, [notify(N_UPDATE_SA_ADDR), notify(N_NATD_SRC, bytes(20)),
                                         notify(N_NATD_DST, bytes(range(20))),
                                         notify(N_COOKIE2, bytes(range(16))),
                                         notify(N_NO_NATS, bytes([198, 51, 100, 3, 198, 51, 100, 1,
                                                                  0x11, 0x94, 0x11, 0x94])),
                                         notify(N_ADD_IP4, bytes([192, 0, 2, 7])),
                                         notify(N_ADD_IP6, bytes(15) + b"\x07"),
                                         notify(N_NO_ADD_ADDR)]),
        # r-MOBIKE: MOBIKE_SUPPORTED('R') and SWITCH_TO_IP_ADDRESS (private-use 40960), both sizes.
        "inner-info-rmobike": seed(0x02, [notify(N_MOBIKE, b"R"),
                                          notify(N_SWITCH_TO_IP, bytes([192, 0, 2, 9])),
                                          notify(N_SWITCH_TO_IP, bytes(15) + b"\x09")]),
    }


def message_seeds():
    """Whole messages for fuzz_msg that the captures lack."""
    return {
        "init-resp-certreq": message(IKE_SA_INIT, FLAG_R, [
            SA_IKE, KE_X25519, NONCE_32, (CERTREQ, b"\x04"),
            notify(N_HASH_ALGS, bytes.fromhex("0002000300040005")),
            notify(N_FRAG_SUPPORTED)], spi_r=0x99),
        "redirect-v6": message(IKE_SA_INIT, FLAG_R, [notify(N_REDIRECT, GW_V6 + NONCE_32[1])]),
        "redirect-fqdn": message(IKE_SA_INIT, FLAG_R, [notify(N_REDIRECT, GW_FQDN + NONCE_32[1])]),
        "cookie-reply": message(IKE_SA_INIT, FLAG_R, [notify(N_COOKIE, bytes(17))]),
        "redirected-from": message(IKE_SA_INIT, FLAG_I, [
            notify(N_REDIRECTED_FROM, GW_ORIGIN), SA_IKE, KE_X25519, NONCE_32]),
        "skf": message(IKE_AUTH, FLAG_I, [(SKF, struct.pack(">HH", 1, 2) + bytes(40))],
                       spi_r=0x99, msg_id=1),
    }


def cookie_for(nonce, spi_i, ip=bytes([198, 51, 100, 2]), port=500, family=4, version=1):
    """The harness's cookie, computed as lib/ike/stateless/ike_cookie.h documents it."""
    block = FUZZ_SECRET + bytes(64 - len(FUZZ_SECRET))
    bound = struct.pack(">H", len(nonce)) + nonce + bytes([family]) + ip + struct.pack(">H", port)
    return bytes([version]) + hashlib.sha256(block + bound + struct.pack(">Q", spi_i)).digest()[:16]


def stateless_seeds(msgs):
    """fuzz_stateless inputs: control byte, UDP payload."""
    seeds = {}
    requests = [(n, m) for n, m, req in msgs if req]
    for name, m in requests:
        seeds[name + "-v4"] = bytes([0]) + m
        seeds[name + "-natt"] = bytes([CTL_NATT]) + b"\0\0\0\0" + m
        seeds[name + "-fqdn"] = bytes([CTL_FQDN | CTL_V6]) + m
        seeds[name + "-cookie"] = bytes([CTL_NO_POLICY]) + m
    # Replies and IKE_AUTH must be dropped: one of each keeps the drop paths in view.
    for name, m, req in msgs:
        if not req and (name.endswith("-1") or name.endswith("-2")):
            seeds[name + "-drop"] = bytes([0]) + m
    spi = 0x1A2B3C4D5E6F7081
    base = [SA_IKE, KE_X25519, NONCE_32, notify(N_REDIRECT_SUPPORTED)]
    seeds["syn-redirected-from-echo"] = bytes([CTL_ECHO]) + message(
        IKE_SA_INIT, FLAG_I, [notify(N_REDIRECTED_FROM, GW_ORIGIN)] + base)
    seeds["syn-redirected-from-same"] = bytes([0]) + message(
        IKE_SA_INIT, FLAG_I, [notify(N_REDIRECTED_FROM, GW_V4)] + base)
    seeds["syn-long-fqdn"] = bytes([CTL_FQDN | CTL_LONG_FQDN]) + message(IKE_SA_INIT, FLAG_I, base)
    seeds["syn-no-target"] = bytes([CTL_NO_TARGET | CTL_SMALL_OUT]) + message(
        IKE_SA_INIT, FLAG_I, base)
    good = cookie_for(NONCE_32[1], spi)
    seeds["syn-cookie-valid"] = bytes([0]) + message(
        IKE_SA_INIT, FLAG_I, [notify(N_COOKIE, good)] + base, spi_i=spi)
    seeds["syn-cookie-rotated"] = bytes([CTL_ROTATED]) + message(
        IKE_SA_INIT, FLAG_I, [notify(N_COOKIE, good)] + base, spi_i=spi)
    seeds["syn-cookie-bad"] = bytes([0]) + message(
        IKE_SA_INIT, FLAG_I, [notify(N_COOKIE, good[:1] + bytes(16))] + base, spi_i=spi)
    return seeds


def ike_input_seeds(msgs):
    """fuzz_ike_input inputs: port byte (bit 0: 4500, with the non-ESP marker), UDP payload."""
    seeds = {}
    for name, m, req in msgs:
        natt = m[18] != IKE_SA_INIT  # IKE_AUTH and later moved to 4500 in the captures
        seeds[name] = (bytes([1]) + b"\0\0\0\0" + m) if natt else (bytes([0]) + m)
    seeds["syn-init-x25519"] = bytes([0]) + message(
        IKE_SA_INIT, FLAG_I, [SA_IKE, KE_X25519, NONCE_32, notify(N_FRAG_SUPPORTED)])
    return seeds


# fuzz_qcd control byte (see tests/fuzz/fuzz_qcd.c).
QCD_NATT, QCD_V6, QCD_PREV, QCD_KNOWN, QCD_INCOMPLETE, QCD_SMALL_OUT, QCD_RATE_LIMITED = (
    0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40)


def qcd_seeds(msgs):
    """fuzz_qcd inputs: control byte, UDP payload (the non-ESP marker first on 4500)."""
    def on(ctl, m):
        return bytes([ctl]) + (b"\0\0\0\0" + m if ctl & QCD_NATT else m)

    def sk(exchange, flags, total, first=SK, spi_i=0x1A2B3C4D5E6F7081, spi_r=0x99):
        body = bytes((i * 13) & 0xFF for i in range(total - 32))
        return message(exchange, flags, [(first, body)], spi_i=spi_i, spi_r=spi_r, msg_id=5)

    seeds = {}
    # The captures' protected messages, as a restarted gateway would see them.
    for name, m, req in msgs:
        if m[16] in (SK, SKF):
            seeds[name + "-natt"] = on(QCD_NATT, m)
            seeds[name + "-v6-prev"] = on(QCD_V6 | QCD_PREV, m)
    info = sk(INFORMATIONAL, FLAG_I, 80)
    seeds.update({
        "info-80": on(QCD_NATT, info),
        "info-80-v6": on(QCD_NATT | QCD_V6, info),
        "info-80-known": on(QCD_NATT | QCD_KNOWN, info),
        "info-80-incomplete": on(QCD_NATT | QCD_INCOMPLETE, info),
        "info-80-rate-limited": on(QCD_NATT | QCD_RATE_LIMITED, info),
        "info-116-prev": on(QCD_NATT | QCD_PREV, sk(INFORMATIONAL, FLAG_I, 116)),
        "info-115-prev": on(QCD_PREV, sk(INFORMATIONAL, FLAG_I, 115)),
        "info-200-small-out": on(QCD_PREV | QCD_SMALL_OUT, sk(INFORMATIONAL, FLAG_I, 200)),
        "info-75-too-short": on(QCD_NATT, sk(INFORMATIONAL, FLAG_I, 75)),
        "skf-from-responder": on(QCD_NATT, sk(CREATE_CHILD_SA, 0, 96, first=SKF)),
        "response": on(QCD_NATT, sk(INFORMATIONAL, FLAG_R, 80)),
        "unprotected": on(QCD_NATT, message(INFORMATIONAL, FLAG_I, [notify(N_INITIAL_CONTACT)],
                                            spi_r=0x99, msg_id=5)),
        "sa-init-spi-r": on(0, sk(IKE_SA_INIT, FLAG_I, 80)),
        "spi-r-zero": on(QCD_NATT, sk(INFORMATIONAL, FLAG_I, 80, spi_r=0)),
    })
    return seeds


# fuzz_frag (tests/fuzz/fuzz_frag.c): records of [mtu selector][clock step][length LE16][frame].
def ipv4_frames(src, dst, ident, payload, frag_data, proto=17, mf_last=False):
    """Ethernet frames of an IPv4 datagram cut into pieces of frag_data bytes (0: whole)."""
    def frame(off, chunk, more):
        flags = (0x2000 if more else 0) | (off // 8)
        hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(chunk), ident, flags, 64, proto, 0,
                          bytes(src), bytes(dst))
        words = struct.unpack("!10H", hdr)
        total = sum(words)
        while total > 0xFFFF:
            total = (total & 0xFFFF) + (total >> 16)
        hdr = hdr[:10] + struct.pack("!H", ~total & 0xFFFF) + hdr[12:]
        return b"\x02\x00\x00\xaa\x00\x00" + b"\x02\x00\x00\x00\x00\xfe" + b"\x08\x00" + hdr + chunk
    if frag_data == 0:
        return [frame(0, payload, False)]
    out = []
    for off in range(0, len(payload), frag_data):
        chunk = payload[off:off + frag_data]
        out.append(frame(off, chunk, off + frag_data < len(payload) or mf_last))
    return out


def ipv6_frames(src, dst, ident, next_header, payload, frag_data, first_header=None):
    """Ethernet frames of an IPv6 packet, its payload cut into Fragment-header pieces of
    frag_data bytes (0: whole, no Fragment header; -1: one atomic fragment). first_header
    puts that many bytes of destination options before the Fragment header."""
    def frame(proto, body):
        hdr = struct.pack("!IHBB16s16s", 6 << 28, len(body), proto, 64, bytes(src), bytes(dst))
        return b"\x02\x00\x00\xaa\x00\x00" + b"\x02\x00\x00\x00\x00\xfe" + b"\x86\xdd" + hdr + body
    def piece(off, chunk, more):
        fh = struct.pack("!BBHI", next_header, 0, off | (1 if more else 0), ident)
        if first_header:
            return frame(60, struct.pack("!BB", 44, 0) + bytes(6) + fh + chunk)
        return frame(44, fh + chunk)
    if frag_data == 0:
        return [frame(next_header, payload)]
    if frag_data < 0:
        return [piece(0, payload, False)]
    return [piece(off, payload[off:off + frag_data], off + frag_data < len(payload))
            for off in range(0, len(payload), frag_data)]


def frag_records(frames, mtu_sel=160, step=0):
    return b"".join(struct.pack("<BBH", mtu_sel, step, len(f)) + f for f in frames)


def frag_seeds():
    us, peer, inside, remote = [198, 51, 100, 1], [203, 0, 113, 2], [10, 2, 0, 2], [10, 1, 0, 5]
    natt = struct.pack("!HHHH", 4500, 4500, 8 + 1400, 0) + bytes((i * 7) & 0xFF for i in range(1400))
    ike = struct.pack("!HHHH", 500, 500, 8 + 2992, 0) + bytes((i * 3) & 0xFF for i in range(2992))
    esp = ipv4_frames(peer, us, 0x4242, natt, 560)
    seeds = {
        "esp-in-order": frag_records(esp),
        "esp-reversed": frag_records(esp[::-1]),
        "esp-duplicate": frag_records([esp[0], esp[1], esp[1], esp[2]]),
        "esp-timeout": frag_records([esp[0], esp[1]]) + frag_records([esp[2]], step=255),
        "ike-3000": frag_records(ipv4_frames(peer, us, 0x77, ike, 1256)),
        "ike-nine": frag_records(ipv4_frames(peer, us, 0x78, ike[:9 * 64], 64)),
        "plain-1800": frag_records(ipv4_frames(inside, remote, 1, bytes(range(256)) * 7, 0), 60),
        "plain-fragment": frag_records(ipv4_frames(inside, remote, 2, bytes(1200), 800, mf_last=True)[:1], 30),
    }
    # IPv6: ESP in UDP and IKE to us in fragments, mixed with IPv4 in one table; the
    # malformed kinds reass6.c names; plaintext IPv6 sent on as the control lcore's UDP.
    us6 = [0x20, 0x01, 0x0d, 0xb8, 0, 1] + [0] * 9 + [1]
    peer6 = [0x20, 0x01, 0x0d, 0xb8, 0, 1] + [0] * 9 + [2]
    inside6 = [0x20, 0x01, 0x0d, 0xb8, 0, 2] + [0] * 9 + [2]
    remote6 = [0x20, 0x01, 0x0d, 0xb8, 0, 0xa] + [0] * 9 + [5]
    esp6 = ipv6_frames(peer6, us6, 0x10004242, 17, natt, 560)
    ike6 = ipv6_frames(peer6, us6, 0x10000077, 17, ike, 1232)
    seeds.update({
        "esp6-in-order": frag_records(esp6),
        "esp6-reversed": frag_records(esp6[::-1]),
        "esp6-duplicate": frag_records([esp6[0], esp6[1], esp6[1], esp6[2]]),
        "esp6-timeout": frag_records(esp6[:2]) + frag_records(esp6[2:], step=255),
        "esp6-and-esp4": frag_records([esp6[0], esp[0], esp6[1], esp[1], esp6[2], esp[2]]),
        "ike6-3000": frag_records(ike6),
        "ike6-nine": frag_records(ipv6_frames(peer6, us6, 0x10000078, 17, ike[:9 * 64], 64)),
        "atomic6": frag_records(ipv6_frames(peer6, us6, 0x10000079, 17, ike[:200], -1)),
        "atomic6-amid": frag_records([esp6[0]] + ipv6_frames(peer6, us6, 0x10004242, 17, ike[:200], -1) + esp6[1:]),
        "behind-dstopts6": frag_records(ipv6_frames(peer6, us6, 0x1000007a, 17, ike[:800], 400, first_header=8)),
        "icmp6-fragments": frag_records(ipv6_frames(peer6, us6, 0x1000007b, 58, bytes(800), 400)),
        "plain6-1800": frag_records(ipv6_frames(inside6, remote6, 0, 17, bytes(range(256)) * 7, 0), 160),
        "plain6-fragment": frag_records(ipv6_frames(inside6, remote6, 0x1000007c, 17, bytes(1200), 800)[:1], 160),
    })
    return seeds


def cp_seeds():
    """fuzz_cp: a control byte (bit 0 reply, bits 1-2 the families asked for), then a CP body."""
    def attr(t, v=b""):
        return struct.pack("!HH", t, len(v)) + v
    req = bytes([1, 0, 0, 0])
    rep = bytes([2, 0, 0, 0])
    v6 = bytes.fromhex("fd000003000000000000000000000001") + bytes([112])
    return {
        "request-vips": b"\x00" + req + attr(1) + attr(8) + attr(3) + attr(10),
        "request-wanted": b"\x00" + req + attr(1, bytes([10, 3, 0, 9])) + attr(2) + attr(8, v6),
        "reply-both": b"\x07" + rep + attr(1, bytes([10, 3, 0, 1])) + attr(2, bytes([255] * 3 + [0]))
        + attr(3, bytes([10, 2, 0, 53])) + attr(8, v6),
        "reply-four": b"\x03" + rep + attr(1, bytes([10, 3, 0, 1])),
    }


def radius_seeds():
    """fuzz_radius: flags (bit 0: the harness seals), Request Authenticator, a reply."""
    ra = bytes(range(16))

    def attr(t, v):
        return bytes([t, len(v) + 2]) + v

    def reply(code, attrs):
        return bytes([code, 7, 0, 0]) + bytes(16) + b"".join(attrs)

    def eap(code, body=b""):
        return bytes([code, 3]) + struct.pack(">H", 4 + len(body)) + body

    ma = attr(80, bytes(16))
    big = eap(1, bytes([13, 0x20]) + bytes(i & 0xFF for i in range(600)))
    split = [attr(79, big[i:i + 253]) for i in range(0, len(big), 253)]
    mppe = [attr(26, struct.pack(">I", 311) + bytes([t, 2 + 2 + 32]) + bytes([0x80, t]) + bytes(32))
            for t in (17, 16)]
    return {
        "challenge": b"\x01" + ra + reply(11, [attr(79, eap(1, b"\x04\x10" + bytes(16))),
                                               attr(24, b"state-1"), ma]),
        "challenge-split": b"\x01" + ra + reply(11, split + [attr(24, b"s"), ma]),
        "accept-mppe": b"\x01" + ra + reply(2, [attr(79, eap(3)), attr(25, b"class-a"),
                                                attr(25, b"class-b"), attr(27, b"\x00\x00\x0e\x10"),
                                                attr(85, b"\x00\x00\x02\x58"),
                                                attr(8, bytes([10, 0, 0, 5])),
                                                attr(97, bytes([0, 64, 0x20, 1, 0xd, 0xb8, 0, 0, 0, 1])),
                                                attr(168, bytes(16))] + mppe + [ma]),
        "reject": b"\x01" + ra + reply(3, [attr(79, eap(4)), attr(18, b"denied"), ma]),
        "acct-response": b"\x01" + ra + reply(5, []),
        "unsealed": b"\x00" + ra + reply(2, [attr(6, b"\x00\x00\x00\x01")]),
    }


def write(target, seeds):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    for old in os.listdir(d):
        os.unlink(os.path.join(d, old))
    for name, blob in sorted(seeds.items()):
        with open(os.path.join(d, name + ".bin"), "wb") as f:
            f.write(blob)
    print("%s: %d seeds" % (target, len(seeds)))


def main():
    msgs = ike_messages()
    if not msgs:
        sys.exit("no IKE messages found in " + DATA)
    msg_seeds = {name: m for name, m, _ in msgs}
    msg_seeds.update(message_seeds())
    msg_seeds.update(inner_seeds())
    write("fuzz_msg", msg_seeds)
    write("fuzz_stateless", stateless_seeds(msgs))
    write("fuzz_ike_input", ike_input_seeds(msgs))
    write("fuzz_frag", frag_seeds())
    write("fuzz_qcd", qcd_seeds(msgs))
    write("fuzz_cp", cp_seeds())
    write("fuzz_radius", radius_seeds())


if __name__ == "__main__":
    main()
