#!/usr/bin/env bash
# Builds the microbenchmarks in a release build dir (build-bench) and runs them,
# printing the commands, the compiler and the flags the figures come from.
# Benchmarks print figures; they never pass or fail.
#
#   scripts/bench.sh                    # gcc (the system cc), 2M iterations, best of 5
#   CC=clang scripts/bench.sh           # another compiler: use another build dir too
#   BENCH_BUILD_DIR=build-bench-clang CC=clang scripts/bench.sh
#   BENCH_ARGS="-n 5000000 -c 1" scripts/bench.sh   # more iterations, pinned to CPU 1
#   BENCH_MESON_ARGS="-Dwerror=false" scripts/bench.sh
#   BENCH_ONLY="stateless qcd" scripts/bench.sh       # some of stateless, qcd, pool
#
# Each table is also written as CSV with a PNG beside it (scripts/lib-plot.sh):
# bench-stateless, bench-qcd, bench-pool .csv/.png in build/bench-out (BENCH_OUT).
#
# The machines are shared and noisy: compare figures from one run side by side.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
build=${BENCH_BUILD_DIR:-build-bench}
read -r -a meson_extra <<<"${BENCH_MESON_ARGS:-}"
read -r -a bench_args <<<"${BENCH_ARGS:-}"
only=${BENCH_ONLY:-stateless qcd pool}
# shellcheck source=scripts/lib-plot.sh
source "$top/scripts/lib-plot.sh"
out=$(bench_csv_dir)
work=$(mktemp -d /tmp/veer-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

run() {
    echo "+ $*"
    "$@"
}

if [ ! -f "$build/build.ninja" ]; then
    run meson setup "$build" --buildtype=release -Dtests=false -Dfuzz=false -Dbench=true \
        "${meson_extra[@]}"
fi
run ninja -C "$build"

echo
echo "== compiler"
# The compiler is the first word of the benchmark's compile command.
# (Read as JSON: a command may hold escaped quotes, -DVEER_TEST_DATA="...".)
cmds=$(python3 - "$build/compile_commands.json" <<'PY'
import json, sys
for e in json.load(open(sys.argv[1])):
    if e['file'].endswith(('lib/ike/stateless/stateless.c', 'tests/bench/bench_stateless.c')):
        print(e['command'])
PY
)
cc_cmd=$(echo "$cmds" | tail -1 | awk '{print $1}')
echo "C compiler: $cc_cmd ($(command -v "$cc_cmd" || echo "not on PATH"))"
"$cc_cmd" --version | head -1
echo "buildtype: $(grep -o '"buildtype", "value": "[a-z]*"' "$build/meson-info/intro-buildoptions.json" |
    sed 's/.*"\([a-z]*\)"$/\1/')"

echo
echo "== compile commands (from $build/compile_commands.json)"
# One library file and the benchmark itself: the flags every figure depends on.
echo "$cmds"

# A benchmark's printed table as CSV: the rows after its "operation" header, the
# operation's name first (its commas made semicolons: CSV values hold none), then the
# last NUMBERS fields of the row as printed (numbers or n/a; any other line ends the
# table). A line "TITLE: ... leases" (bench_pool's
# address families) starts a group, kept in a first column "pool".
table_csv() { # $1 printed output, $2 CSV, $3 NUMBERS, $4... column names
    python3 - "$@" <<'PY'
import re, sys
text, csv, n, names = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
pool, inside, rows = None, False, []
for line in open(text):
    m = re.match(r"^(\S[^:]*): .* leases$", line)
    if m:
        pool = m.group(1)
        continue
    f = line.split()
    if f[:1] == ["operation"]:
        inside = True
        continue
    if not inside or len(f) <= n or not all(re.match(r"^([0-9.]+|n/a)$", x) for x in f[-n:]):
        inside = False
        continue
    name = " ".join(f[:-n]).replace(",", ";")
    rows.append(([pool] if pool is not None else []) + [name] + f[-n:])
with open(csv, "w") as o:
    print(",".join((["pool"] if pool is not None else []) + names), file=o)
    for r in rows:
        print(",".join(r), file=o)
PY
    bench_written_add "$2"
}

if [[ " $only " == *" stateless "* ]]; then
    echo
    echo "== bench_stateless"
    run "$build/tests/bench/bench_stateless" "${bench_args[@]}" | tee "$work/stateless.txt"
    table_csv "$work/stateless.txt" "$out/bench-stateless.csv" 4 \
        operation bytes ns/op Mops/s "TSC cyc/op"
    bench_plot --csv "$out/bench-stateless.csv" --out "$out/bench-stateless.png" --style bars \
        --title "lib/ike stateless IKE_SA_INIT path, one thread (bench_stateless)" \
        --x operation --y ns/op --xlabel "" --ylabel "ns per operation (best run)" || true
fi

if [[ " $only " == *" qcd "* ]]; then
    echo
    echo "== bench_qcd"
    run "$build/tests/bench/bench_qcd" "${bench_args[@]}" | tee "$work/qcd.txt"
    table_csv "$work/qcd.txt" "$out/bench-qcd.csv" 4 operation bytes ns/op "per second" "TSC cyc/op"
    bench_plot --csv "$out/bench-qcd.csv" --out "$out/bench-qcd.png" --style bars \
        --title "lib/ike QCD stateless reply, one thread (bench_qcd)" \
        --x operation --y ns/op --xlabel "" --ylabel "ns per operation (best run)" || true
fi

if [[ " $only " == *" pool "* ]]; then
    echo
    echo "== bench_pool"
    run "$build/tests/bench/bench_pool" "${bench_args[@]}" | tee "$work/pool.txt"
    table_csv "$work/pool.txt" "$out/bench-pool.csv" 4 \
        operation ns/op "cpu ns/op" "per cpu sec" "TSC cyc/op"
    bench_plot --csv "$out/bench-pool.csv" --out "$out/bench-pool.png" --style bars \
        --title "lib/ike/pool, one thread (bench_pool)" --x operation --y "cpu ns/op" \
        --series pool --xlabel "" --ylabel "CPU ns per operation" || true
fi

echo
bench_outputs
