#!/usr/bin/env bash
# pktgen-dpdk 23.03.0 against app/veer over net_memif: pktgen replays veer's
# flood pcaps (scripts/pktgen/make-pcaps.sh: new IKE_SA_INITs from made-up
# clients, with and without N(REDIRECT_SUPPORTED)) into veer's port at a series
# of rates while veer's gate is closed, and counts the replies it gets back.
# Beside each rate: the replies veer's own counters saw (gate_redirects,
# gate_cookies), and in the same run veer-flood flat out over the same kind of
# port, for comparison. Benchmarks print figures; they never pass or fail.
#
#   sudo scripts/bench-pktgen.sh                  # 3 s per rate, about 2 minutes
#   BENCH_SECONDS=5 BENCH_RATES="5 50 100" sudo scripts/bench-pktgen.sh
#   BENCH_KINDS=redirect BENCH_FLOOD=0 ...         # one kind, no veer-flood run
#   BENCH_CSV=/tmp/pktgen.csv ...                  # the table's CSV elsewhere
#
# The table goes to CSV with a PNG of replies/s per rate, a line per generator and
# reply kind (scripts/lib-plot.sh): bench-pktgen-rates.csv/.png in build/bench-out
# (BENCH_OUT), or BENCH_CSV and its .png.
#
#   scripts/bench-pktgen.sh --check N             # the CI test (tests/interop):
#       pktgen sends N requests of each kind at 0.1 % of its rate; every one must
#       be answered and counted by veer, or it exits 1.
#
# pktgen is not in Debian: it is built once from the source tarball and build
# script in ../shared/tools/pktgen (PKTGEN_SRC to point elsewhere) into
# PKTGEN_DIR (default /var/cache/veer-pktgen/pktgen-23.03.0). veer runs on CPU 1
# and pktgen on CPU 0, each on one CPU for all its lcores.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$top/build}
[ "${build:0:1}" = / ] || build=$top/$build
secs=${BENCH_SECONDS:-3}
rates=${BENCH_RATES:-1 5 10 25 100}
kinds=${BENCH_KINDS:-redirect cookie}
with_flood=${BENCH_FLOOD:-1}
csv=${BENCH_CSV:-}
pktgen_dir=${PKTGEN_DIR:-/var/cache/veer-pktgen/pktgen-23.03.0}
check=0
if [ "${1:-}" = --check ]; then
    check=${2:?usage: $0 --check N}
    MEMIF_RSIZE=${MEMIF_RSIZE:-14}
fi
cache=""
work=$(mktemp -d /tmp/veer-pktgen.XXXXXX)
# shellcheck source=scripts/lib-peers.sh
source "$top/scripts/lib-peers.sh"
# shellcheck source=scripts/lib-plot.sh
source "$top/scripts/lib-plot.sh"
veer=$build/app/veer/veer
flood=$build/app/veer-flood/veer-flood
tag="pk$$"
gw=198.51.100.1
veer_pid=""
# memif rings: 2^10 slots (the PMD's default) for the rates; 2^14 for --check, where a
# generator descheduled for a moment on a busy machine would otherwise see veer's replies
# overflow its receive ring (0.5 % lost at 14k/s while veer counted every one). The large
# rings cost the rates about 5x (cache misses), so the benchmark keeps the small ones.
memif_rsize=${MEMIF_RSIZE:-10}
# veer's mbufs: enough for its rings of that size, no more (a larger pool is slower).
mbufs=16384
[ "$memif_rsize" -gt 12 ] && mbufs=65536

cleanup() {
    stop_pid "$veer_pid"
    rm -rf "/var/run/dpdk/${tag}v" "/var/run/dpdk/${tag}g" "/var/run/dpdk/${tag}f"
    remove_work
}
trap cleanup EXIT

die() {
    echo "bench-pktgen: $*" >&2
    exit 1
}

# The tarball and its build script: PKTGEN_SRC, else the shared tools beside the
# checkout, else the lab's shared folder.
find_pktgen_src() {
    local d
    for d in "${PKTGEN_SRC:-}" "$top/../shared/tools/pktgen" /work/shared/tools/pktgen; do
        [ -n "$d" ] && [ -x "$d/build-pktgen.sh" ] && { echo "$d"; return 0; }
    done
    return 1
}

pktgen_build() {
    [ -x "$pktgen_dir/build/app/pktgen" ] && return 0
    local src
    src=$(find_pktgen_src) || die "pktgen source not found (set PKTGEN_SRC to the folder of build-pktgen.sh)"
    echo "building pktgen from $src into $pktgen_dir (once)"
    mkdir -p "$(dirname "$pktgen_dir")"
    nice "$src/build-pktgen.sh" "$pktgen_dir" >"$work/pktgen-build.log" 2>&1 ||
        { tail -n 20 "$work/pktgen-build.log"; die "pktgen build failed"; }
}

veer_start() {
    mkdir -p "$work/veer"
    rm -f "$work/memif.sock"
    cat >"$work/veer/veer.yaml" <<EOF
dataplane:
  workers: 1
  idle_sleep_us: 100
  mbufs: $mbufs
  admission:
    mode: on
    redirect_to: [192.0.2.77]
  ports:
    - name: outside
      device: net_memif0,role=server,socket=$work/memif.sock,rsize=$memif_rsize
      address: $gw/24
peers:
  - name: any
    local_id: gw.example
    remote_id: '%any'
    psk: bench-pktgen-$$
    ike_proposals: [aes128gcm16-prfsha256-x25519]
    esp_proposals: [aes128gcm16]
    local_ts: [10.2.0.0/24]
    remote_ts: [10.1.0.0/16]
EOF
    taskset -c 1 "$veer" --lcores '0@1,1@1' --no-huge -m 512 --no-pci --file-prefix "${tag}v" \
        --log-level=lib.eal:error -- -c "$work/veer/veer.yaml" >"$work/veer.log" 2>&1 &
    veer_pid=$!
    wait_for 150 grep -q "veer running" "$work/veer.log" ||
        { tail -n 15 "$work/veer.log"; die "veer did not start"; }
}

# $1 the Lua script, $2 the pcap: pktgen on CPU 0 as veer's memif peer.
# pktgen finds its Lua library as ./Pktgen.lua, so it runs from its own folder.
pktgen_run() {
    (cd "$pktgen_dir" && timeout $((secs * 12 + 120)) taskset -c 0 ./build/app/pktgen -l 0-1 \
        --no-huge -m 2048 --no-pci --file-prefix "${tag}g" --log-level=lib.eal:error \
        --vdev="net_memif0,role=client,socket=$work/memif.sock,rsize=$memif_rsize" -- -P -m "1.0" \
        -s "0:$2" -f "$1" </dev/null >"$work/pktgen.log" 2>&1)
}

lua_head() {
    cat <<'EOF'
package.path = package.path .. ";?.lua;test/?.lua;app/?.lua;"
require "Pktgen"
pktgen.screen("off")
EOF
}

# Sends a fixed number of requests at 0.1 % and prints "SENT n RECEIVED n".
lua_count() {
    lua_head
    cat <<EOF
pktgen.set("0", "count", $1)
pktgen.set("0", "rate", 0.1)
pktgen.start("0")
local last = -1
for _ = 1, 100 do
    pktgen.delay(200)
    local s = pktgen.portStats("0", "port")[0]
    if s.opackets >= $1 and s.ipackets == last then break end
    last = s.ipackets
end
local s = pktgen.portStats("0", "port")[0]
printf("SENT %d RECEIVED %d\\n", s.opackets, s.ipackets)
pktgen.quit()
EOF
}

# Steps through the rates; prints "RATE pct tx_pps rx_pps" per step.
lua_rates() {
    lua_head
    cat <<EOF
pktgen.set("0", "count", 0)
for _, rate in ipairs({$(echo "$rates" | tr ' ' ',')}) do
    pktgen.clr()
    pktgen.set("0", "rate", rate)
    pktgen.start("0")
    pktgen.delay(1000)
    local a = pktgen.portStats("0", "port")[0]
    pktgen.delay($secs * 1000)
    local b = pktgen.portStats("0", "port")[0]
    pktgen.stop("0")
    printf("RATE %d %.0f %.0f\\n", rate, (b.opackets - a.opackets) / $secs,
        (b.ipackets - a.ipackets) / $secs)
    pktgen.delay(500)
end
pktgen.quit()
EOF
}

[ -x "$veer" ] && [ -x "$flood" ] || die "build first: ninja -C $build"
[ "$(id -u)" -eq 0 ] || die "run as root (hugepage-free DPDK still needs it for memif)"
pktgen_build
veer_start
mac=$(sed -n 's/.*port outside: .* MAC \([0-9A-Fa-f:]*\),.*/\1/p' "$work/veer.log" | head -1)
[ -n "$mac" ] || die "veer's MAC not in its log"
"$top/scripts/pktgen/make-pcaps.sh" "$work/pcaps" "$gw" "$mac" "$build" >"$work/pcaps.log" 2>&1 ||
    { cat "$work/pcaps.log"; die "make-pcaps failed"; }

if [ "$check" -gt 0 ]; then
    bad=0
    for kind in redirect cookie; do
        read -r r0 c0 <<<"$(veer_gate_replies "${tag}v")"
        lua_count "$check" >"$work/count.lua"
        pktgen_run "$work/count.lua" "$work/pcaps/flood-$kind.pcap"
        line=$(grep -a -m1 '^SENT ' "$work/pktgen.log")
        read -r r1 c1 <<<"$(veer_gate_replies "${tag}v")"
        sent=$(awk '{print $2}' <<<"$line")
        got=$(awk '{print $4}' <<<"$line")
        if [ "$kind" = redirect ]; then counted=$((r1 - r0)); else counted=$((c1 - c0)); fi
        echo "$kind: pktgen sent ${sent:-?}, received ${got:-?}; veer counted $counted gate_${kind}s"
        if [ "${sent:-0}" -ne "$check" ] || [ "${got:-0}" -ne "$check" ] || [ "$counted" -ne "$check" ]; then
            bad=1
            tail -n 20 "$work/pktgen.log"
        fi
    done
    exit "$bad"
fi

echo "== pktgen 23.03.0 -> app/veer over net_memif, gate closed, ${secs}s per rate"
echo "   (veer: 1 worker on CPU 1; pktgen on CPU 0; rate_pct is pktgen's, of the link speed it assumes)"
printf '%-10s %-9s %8s %12s %12s %16s\n' generator kind rate_pct sent_pps replies_pps veer_counted_pps
[ -n "$csv" ] || csv=$(bench_csv_dir)/bench-pktgen-rates.csv
bench_csv_header "$csv" generator kind rate_pct sent_pps replies_pps veer_counted_pps
row() {
    printf '%-10s %-9s %8s %12s %12s %16s\n' "$@"
    bench_csv_row "$csv" "$@"
    return 0
}
for kind in $kinds; do
    read -r r0 c0 <<<"$(veer_gate_replies "${tag}v")"
    lua_rates >"$work/rates.lua"
    pktgen_run "$work/rates.lua" "$work/pcaps/flood-$kind.pcap"
    read -r r1 c1 <<<"$(veer_gate_replies "${tag}v")"
    while read -r _ pct tx rx; do
        row pktgen "$kind" "$pct" "$tx" "$rx" -
    done < <(grep -a '^RATE ' "$work/pktgen.log" | sort -un -k2)
    # veer's own count over the whole run (settle and gaps included): a cross-check of the
    # replies pktgen received, not a rate.
    if [ "$kind" = redirect ]; then counted=$((r1 - r0)); else counted=$((c1 - c0)); fi
    echo "   veer counted $counted gate_${kind}s over the whole pktgen run"
done

if [ "$with_flood" = 1 ]; then
    # The reference in the same run: veer-flood flat out, same port kind and CPUs.
    for kind in $kinds; do
        opts=()
        [ "$kind" = cookie ] && opts=(--no-redirect-supported)
        read -r r0 c0 <<<"$(veer_gate_replies "${tag}v")"
        timeout $((secs + 60)) taskset -c 0 "$flood" -l 0 --no-huge -m 256 --no-pci \
            --file-prefix "${tag}f" --log-level=lib.eal:error -- \
            --device "net_memif0,role=client,socket=$work/memif.sock" --rx-queues 2 \
            --local 198.51.100.9/24 --dst "$gw" --duration "$secs" "${opts[@]}" \
            >"$work/flood.log" 2>&1
        read -r r1 c1 <<<"$(veer_gate_replies "${tag}v")"
        res=$(grep '^RESULT' "$work/flood.log" | tail -1)
        s=$(field seconds "$res")
        sent=$(field sent "$res")
        got=$(field "$kind" "$res")
        if [ "$kind" = redirect ]; then counted=$((r1 - r0)); else counted=$((c1 - c0)); fi
        if [ -n "$s" ] && [ -n "$sent" ] && [ -n "$got" ]; then
            row veer-flood "$kind" flat "$(awk -v a="$sent" -v t="$s" 'BEGIN{printf "%.0f", a/t}')" \
                "$(awk -v a="$got" -v t="$s" 'BEGIN{printf "%.0f", a/t}')" \
                "$(awk -v a="$counted" -v t="$s" 'BEGIN{printf "%.0f", a/t}')"
        else
            echo "   veer-flood ($kind) gave no RESULT line:"
            tail -n 5 "$work/flood.log" | sed 's/^/     /'
        fi
    done
fi
echo
bench_plot --csv "$csv" --out "${csv%.csv}.png" --x rate_pct --y replies_pps --series generator,kind \
    --xlabel "pktgen's rate (% of the link speed it assumes; flat: veer-flood flat out)" \
    --ylabel "replies received per second" \
    --title "pktgen-dpdk -> app/veer over net_memif, gate closed: stateless replies" || true
bench_outputs
