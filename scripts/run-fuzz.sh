#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) in build-fuzz if needed and
# runs each one for FUZZ_SECONDS (default 60) from a copy of its seed corpus in
# tests/fuzz/corpus/<target>, so the committed corpus never grows; FUZZ_JOBS of them
# at a time (default: the number of CPUs).
#
#   scripts/run-fuzz.sh                   # every target
#   FUZZ_SECONDS=300 scripts/run-fuzz.sh fuzz_stateless
#
# Prints one line per target, "FUZZ PASS <target>: ..." or "FUZZ FAIL <target>: ..."
# (scripts/test-all.sh counts them), with the executions done. A crashing input
# is kept as tests/fuzz/crash-<sha1> (ignored by git); reproduce it with
#   build-fuzz/tests/fuzz/<target> tests/fuzz/crash-<sha1>
# Exits non-zero if the build failed or any target crashed.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_MAX_LEN=${FUZZ_MAX_LEN:-2048}
build=${FUZZ_BUILD_DIR:-build-fuzz}
all_targets=(fuzz_msg fuzz_stateless fuzz_ike_input fuzz_auth_cert fuzz_eap fuzz_eap_mschapv2
    fuzz_radius fuzz_flood_reply fuzz_cp)
# The dataplane target exists when DPDK does (meson option dataplane=auto).
if pkg-config --exists libdpdk; then
    all_targets+=(fuzz_dp fuzz_frag fuzz_qcd)
fi
targets=("${@:-${all_targets[@]}}")

if ! command -v clang >/dev/null; then
    echo "FUZZ FAIL build: clang not found (apt-get install clang libclang-rt-14-dev)"
    exit 1
fi
if [ ! -f "$build/build.ninja" ]; then
    # Leak checks and b_lundef=false: clang's sanitizer runtimes are not linked into
    # shared objects, so -Wl,--no-undefined would refuse every sanitized target.
    # shellcheck disable=SC2054 # address,undefined is one argument
    cmd=(meson setup "$build" -Dfuzz=true -Dtests=false -Dbench=false
        -Db_sanitize=address,undefined -Db_lundef=false)
    echo "+ CC=clang ${cmd[*]}"
    if ! CC=clang "${cmd[@]}"; then
        echo "FUZZ FAIL build: meson setup failed"
        exit 1
    fi
fi
echo "+ ninja -C $build"
if ! ninja -C "$build"; then
    echo "FUZZ FAIL build: ninja failed"
    exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# UBSan is built with -fno-sanitize-recover; these make any report end the run with a trace.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# One target, its lines written to $work/<target>.out: PASS or FAIL (with the report of a
# crash). Returns non-zero on a failure.
run_target() {
    local t=$1 bin corpus seeds log rc execs rate cov inputs artifact
    bin="$build/tests/fuzz/$t"
    if [ ! -x "$bin" ]; then
        echo "FUZZ FAIL $t: $bin not built"
        return 1
    fi
    corpus="$work/$t"
    mkdir -p "$corpus"
    seeds=0
    if [ -d "tests/fuzz/corpus/$t" ]; then
        cp tests/fuzz/corpus/"$t"/* "$corpus"/ 2>/dev/null
        seeds=$(find "$corpus" -type f | wc -l)
    fi
    log="$work/$t.log"
    cmd=("$bin" -max_len="$FUZZ_MAX_LEN" -max_total_time="$FUZZ_SECONDS" -timeout=10
        -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$top/tests/fuzz/" "$corpus")
    echo "+ ${cmd[*]}"
    # The outer limit only catches a fuzzer that ignores its own time budget.
    timeout $((FUZZ_SECONDS + 300)) "${cmd[@]}" >"$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
    inputs=$(find "$corpus" -type f | wc -l)
    if [ "$rc" -eq 0 ]; then
        echo "FUZZ PASS $t: ${execs:-?} execs in ${FUZZ_SECONDS} s (${rate:-?}/s)," \
            "${cov:-cov: ?}, corpus $seeds -> $inputs"
        return 0
    fi
    artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
    echo "FUZZ FAIL $t: exit $rc after ${execs:-?} execs${artifact:+, input: $artifact}"
    # The report itself: the sanitizer's or the oracle's message and the stack.
    grep -E -A40 '^==[0-9]+==ERROR|oracle failed|runtime error|^SUMMARY' "$log" | head -60
    if [ -n "$artifact" ] && [ -f "$artifact" ]; then
        echo "input (hex): $(od -An -tx1 -v "$artifact" | tr -d ' \n' | head -c 4096)"
    fi
    return 1
}

# FUZZ_JOBS targets at a time (default: one per CPU), each single-threaded, so the
# phase takes FUZZ_SECONDS per target divided by the CPUs; every target still gets its
# full FUZZ_SECONDS. Their lines are printed in the order of the list.
jobs_max=${FUZZ_JOBS:-$(nproc)}
failed=0
running=0
for t in "${targets[@]}"; do
    if [ "$running" -ge "$jobs_max" ]; then
        wait -n || failed=1
        running=$((running - 1))
    fi
    run_target "$t" >"$work/$t.out" 2>&1 &
    running=$((running + 1))
done
while [ "$running" -gt 0 ]; do
    wait -n || failed=1
    running=$((running - 1))
done
for t in "${targets[@]}"; do
    cat "$work/$t.out"
done
exit "$failed"
