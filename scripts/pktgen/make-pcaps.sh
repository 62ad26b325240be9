#!/usr/bin/env bash
# The pcaps pktgen replays against veer on real NICs (scripts/pktgen/README.md):
#   flood-redirect.pcap  new IKE_SA_INITs that announce REDIRECT_SUPPORTED
#   flood-cookie.pcap    the same without it (veer answers COOKIE)
#   plain-*.pcap, esp-*.pcap  the ESP benchmark's traffic (tests/tools/gen_bench_pcap)
# Usage: scripts/pktgen/make-pcaps.sh OUT_DIR GATEWAY_IP GATEWAY_MAC [BUILD_DIR]
set -euo pipefail
out=${1:?usage: $0 OUT_DIR GATEWAY_IP GATEWAY_MAC [BUILD_DIR]}
gw_ip=${2:?gateway address}
gw_mac=${3:?gateway MAC (veer prints it at start: "port outside: ... MAC")}
build=${4:-build}
mkdir -p "$out"
ninja -C "$build" tests/tools/gen_flood_pcap tests/tools/gen_bench_pcap >/dev/null
"$build/tests/tools/gen_flood_pcap" "$out/flood-redirect.pcap" 65536 --dst "$gw_ip" --dst-mac "$gw_mac"
"$build/tests/tools/gen_flood_pcap" "$out/flood-cookie.pcap" 65536 --dst "$gw_ip" --dst-mac "$gw_mac" \
    --no-redirect-supported
"$build/tests/tools/gen_bench_pcap" "$out" 4096 "$gw_mac"
echo "written to $out:"
ls -l "$out"
