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
#
# The machines are shared and noisy: compare figures from one run side by side.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
build=${BENCH_BUILD_DIR:-build-bench}
read -r -a meson_extra <<<"${BENCH_MESON_ARGS:-}"
read -r -a bench_args <<<"${BENCH_ARGS:-}"

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

echo
echo "== bench_stateless"
run "$build/tests/bench/bench_stateless" "${bench_args[@]}"

echo
echo "== bench_qcd"
run "$build/tests/bench/bench_qcd" "${bench_args[@]}"

echo
echo "== bench_pool"
run "$build/tests/bench/bench_pool" "${bench_args[@]}"
