#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run calls this):
#   1. installs the Debian packages (as root; skip with VEER_SKIP_INSTALL=1),
#   2. checks formatting with clang-format, that includes run one way
#      (scripts/check-layers.py) and that commit subjects fit 72 characters
#      (scripts/check-commits.sh),
#   3. builds with gcc (-Werror) and runs the unit and pcap/tshark tests (all but
#      the suite 'soak', the 3-minute soak, which only the ASan build runs),
#   3b. applies each mutant of tests/mutants/ and checks that its tests fail
#      (scripts/mutants.sh),
#   4. builds with AddressSanitizer + UndefinedBehaviorSanitizer and runs them again,
#      all but the suite 'slow' (long interop runs that the gcc build has just run),
#   5. builds the libFuzzer targets with clang and runs each for FUZZ_SECONDS,
# and ends with one line "N passed, N failed" summed over every step.
# Exits non-zero if anything failed. Skipped tests count as failed.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
passed=0
failed=0

step() { printf '\n=== %s\n' "$*"; }
ok() { passed=$((passed + 1)); echo "PASS: $*"; }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }

if [ "${VEER_SKIP_INSTALL:-0}" != 1 ]; then
    step "installing packages"
    scripts/install-deps.sh || { bad "install-deps"; echo "$passed passed, $failed failed"; exit 1; }
fi

step "clang-format"
mapfile -t sources < <(git ls-files '*.c' '*.h' 2>/dev/null || find app lib tests -name '*.[ch]')
if clang-format --dry-run --Werror "${sources[@]}"; then ok "clang-format"; else bad "clang-format"; fi

step "include layering"
if python3 scripts/check-layers.py; then ok "check-layers"; else bad "check-layers"; fi

step "commit subjects"
if scripts/check-commits.sh; then ok "check-commits"; else bad "check-commits"; fi

# Runs `meson test` in a build dir and adds its counts (from testlog.json) to the totals.
meson_suite() {
    local dir=$1
    shift
    meson test -C "$dir" --print-errorlogs "$@"
    local log="$dir/meson-logs/testlog.json"
    if [ ! -s "$log" ]; then
        bad "$dir: no test log"
        return
    fi
    local p f
    p=$(grep -c '"result": "OK"' "$log")
    f=$(grep -vc '"result": "OK"' "$log")
    echo "$dir: $p passed, $f failed (skips and expected failures count as failed)"
    passed=$((passed + p))
    failed=$((failed + f))
}

build() {
    local dir=$1
    shift
    if [ ! -d "$dir" ]; then
        meson setup "$dir" "$@" || return 1
    fi
    ninja -C "$dir"
}

step "gcc build and tests"
# The soak (suite soak) runs in the ASan build only: its point is the sanitizers at exit.
if build build; then meson_suite build --no-suite soak; else bad "gcc build"; fi

# Each tests/mutants/*.patch breaks one security check; the tests it names must
# fail (scripts/mutants.sh, its own incremental build in build-mutants).
step "mutants"
if scripts/mutants.sh; then ok "mutants"; else bad "mutants"; fi

step "ASan + UBSan build and tests"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
if build build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dbench=false; then
    meson_suite build-asan --no-suite slow
else
    bad "sanitizer build"
fi

step "libFuzzer targets, ${FUZZ_SECONDS}s each"
fuzz_out=$(mktemp)
FUZZ_SECONDS=$FUZZ_SECONDS scripts/run-fuzz.sh | tee "$fuzz_out"
fuzz_rc=${PIPESTATUS[0]}
fp=$(grep -c '^FUZZ PASS' "$fuzz_out")
ff=$(grep -c '^FUZZ FAIL' "$fuzz_out")
rm -f "$fuzz_out"
passed=$((passed + fp))
failed=$((failed + ff))
if [ "$fuzz_rc" -ne 0 ] && [ "$ff" -eq 0 ]; then bad "run-fuzz.sh exited $fuzz_rc"; fi
if [ "$fp" -eq 0 ] && [ "$ff" -eq 0 ]; then bad "no fuzz target ran"; fi

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
