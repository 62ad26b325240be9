#!/usr/bin/env bash
# pktgen-dpdk 23.03.0 (built once from ../shared/tools/pktgen into
# /var/cache/veer-pktgen) replays veer's flood pcaps into app/veer over
# net_memif with the gate closed: 20,000 requests with N(REDIRECT_SUPPORTED)
# and 20,000 without; pktgen must receive one reply per request, and veer must
# count each as gate_redirects or gate_cookies. scripts/bench-pktgen.sh does
# the work; its benchmark mode prints the rates.
set -euo pipefail
build=${1:?usage: $0 BUILD_DIR}
top=$(cd "$(dirname "$0")/../.." && pwd)
BUILD_DIR=$build exec "$top/scripts/bench-pktgen.sh" --check 20000
