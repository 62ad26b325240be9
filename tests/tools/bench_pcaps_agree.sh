#!/usr/bin/env bash
# The benchmark's traffic is written twice, independently: tests/tools/gen_bench_pcap
# (C, OpenSSL's AES-GCM, our own ESP framing) and scripts/make-bench-pcaps.py (scapy's
# ESP with Python's cryptography). Every frame of every file must be byte for byte the
# same, ESP ciphertext and ICV included: each implementation checks the other.
# Usage: tests/tools/bench_pcaps_agree.sh GEN_BENCH_PCAP
set -uo pipefail
gen=${1:?usage: $0 GEN_BENCH_PCAP}
top=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/veer-pcaps-agree.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir "$work/c" "$work/py"
"$gen" "$work/c" 60 || { echo "FAIL: gen_bench_pcap"; exit 1; }
/usr/bin/python3 "$top/scripts/make-bench-pcaps.py" "$work/py" -n 60 >/dev/null ||
    { echo "FAIL: make-bench-pcaps.py (python3-scapy, python3-cryptography)"; exit 1; }
/usr/bin/python3 - "$work" <<'PY_END'
import os, struct, sys
def frames(path):
    data, off, out = open(path, "rb").read(), 24, []
    while off + 16 <= len(data):
        n = struct.unpack("<I", data[off + 8:off + 12])[0]
        out.append(data[off + 16:off + 16 + n])
        off += 16 + n
    return out
work, bad = sys.argv[1], 0
names = sorted(os.listdir(work + "/py"))
assert len(names) == 8, names
for name in names:
    a, b = frames(f"{work}/c/{name}"), frames(f"{work}/py/{name}")
    same = sum(x == y for x, y in zip(a, b))
    if len(a) != 60 or len(b) != 60 or same != 60:
        print(f"FAIL: {name}: {len(a)} and {len(b)} frames, {same} identical")
        bad += 1
print(f"{len(names)} files, 60 frames each: {'all identical' if bad == 0 else f'{bad} differ'}")
sys.exit(1 if bad else 0)
PY_END
