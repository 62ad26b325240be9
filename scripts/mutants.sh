#!/usr/bin/env bash
# Mutation check of the security checks: every tests/mutants/*.patch breaks one
# check (a bound off by one, a comparison dropped...) and names the meson tests
# that must notice. For each mutant this script
#   1. applies the patch to the working tree (git apply),
#   2. rebuilds incrementally in one build directory (build-mutants, configured
#      once with -Dbench=false -Dfuzz=false): only the targets the named tests
#      need, and of those only what the patch touches,
#   3. runs the named tests (`meson test --no-rebuild <names>`; the unit and dp
#      suites when the patch names none),
#   4. restores the tree (git apply -R) and prints one line:
#        KILLED by <test>...   some named test failed: the check is tested
#        SURVIVED              every named test passed: a test is missing
#        ERROR (<why>)         the patch no longer applies or builds, or names a
#                              test that does not exist: the list went stale
# and ends with "mutants: N killed, N survived, N errors". Exits 1 when any
# mutant survived or errored, 2 when it could not start.
#
# Usage: scripts/mutants.sh [-k | -x] [-B] [name...]
#   name  run only these mutants (tests/mutants/<name>.patch; ".patch" optional)
#   -k    keep going after a survivor or an error (the default)
#   -x    stop at the first survivor or error
#   -B    skip the baseline run of the named tests on the unmodified tree
# Environment: MUTANTS_BUILD, the build directory (default build-mutants).
#
# The tree is restored whatever happens (trap on EXIT, INT and TERM). So that a
# restore can never destroy work, the script refuses to start when a file any
# selected patch touches differs from HEAD. Patch format: docs/testing.md#mutants.
set -uo pipefail

top=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel) || exit 2
cd "$top" || exit 2
build=${MUTANTS_BUILD:-build-mutants}
logs="$build/mutants-logs"

usage() {
    sed -n '/^# Usage:/,/^# Environment:/p' "$0" | sed 's/^# \{0,1\}//'
}

keep_going=1
baseline=1
while getopts ":kxBh" opt; do
    case $opt in
    k) keep_going=1 ;;
    x) keep_going=0 ;;
    B) baseline=0 ;;
    h)
        usage
        exit 0
        ;;
    *)
        usage >&2
        exit 2
        ;;
    esac
done
shift $((OPTIND - 1))

# ---- the mutants to run ----

patches=()
if [ $# -eq 0 ]; then
    shopt -s nullglob
    patches=(tests/mutants/*.patch)
    shopt -u nullglob
else
    for name in "$@"; do
        name=${name##*/}
        patches+=("tests/mutants/${name%.patch}.patch")
    done
fi
if [ ${#patches[@]} -eq 0 ]; then
    echo "mutants: no tests/mutants/*.patch to run" >&2
    exit 2
fi
for p in "${patches[@]}"; do
    if [ ! -f "$p" ]; then
        echo "mutants: no such mutant: $p" >&2
        exit 2
    fi
done

# The value of a "# key: value" header line of patch $1 (key $2), or nothing.
header() {
    sed -n "s/^# $2:[[:space:]]*//p" "$1" | head -n 1
}

# The files patch $1 touches, one per line, relative to the repository top.
touched() {
    git apply --numstat "$1" | cut -f 3-
}

# Refuse to start if any touched file differs from HEAD (staged or not): the
# restore (git apply -R) and a failed apply must never meet someone's edits.
# A mutant left applied by a run killed with SIGKILL shows up here too.
dirty=0
for p in "${patches[@]}"; do
    mapfile -t files < <(touched "$p" 2>/dev/null)
    if [ ${#files[@]} -eq 0 ]; then
        continue # reported as an ERROR when its turn comes
    fi
    if ! git diff --quiet HEAD -- "${files[@]}"; then
        echo "mutants: uncommitted changes in $(git diff --name-only HEAD -- "${files[@]}" | tr '\n' ' ')(touched by $p)" >&2
        dirty=1
    fi
done
if [ "$dirty" -ne 0 ]; then
    echo "mutants: commit or stash them first (or, if a mutant was left applied: git apply -R <its patch>)" >&2
    exit 2
fi

# ---- restoring the tree ----

applied="" # the patch currently applied, if any

restore() {
    if [ -n "$applied" ]; then
        if git apply -R "$applied"; then
            applied=""
        else
            echo "mutants: could not restore the tree: run git apply -R $applied" >&2
            return 1
        fi
    fi
}

trap 'restore' EXIT
trap 'restore; trap - EXIT; exit 130' INT
trap 'restore; trap - EXIT; exit 143' TERM

# ---- the build directory ----

if [ ! -d "$build" ]; then
    echo "mutants: configuring $build"
    meson setup "$build" -Dbench=false -Dfuzz=false >/dev/null || {
        echo "mutants: meson setup $build failed" >&2
        exit 2
    }
fi
mkdir -p "$logs"
# An existing build dir may predate a meson.build change (a new test): regenerate
# it first, so that the introspection below knows every test.
ninja -C "$build" build.ninja >/dev/null || {
    echo "mutants: regenerating $build failed" >&2
    exit 2
}

# test name -> the ninja targets it needs (files relative to the build dir), one
# "name target..." line per test, from meson's introspection.
targets_file="$logs/test-targets.txt"
meson introspect --tests --targets "$build" | python3 -c '
import json, os, sys
info = json.load(sys.stdin)
build = os.path.realpath(sys.argv[1])
files = {t["id"]: [os.path.relpath(f, build) for f in t["filename"]] for t in info["targets"]}
for t in info["tests"]:
    print(t["name"], *[f for d in t.get("depends", []) for f in files.get(d, [])])
' "$build" >"$targets_file" || {
    echo "mutants: meson introspect $build failed" >&2
    exit 2
}

# The tests patch $1 names (its "# tests:" line), space separated; empty: suites.
tests_of() {
    header "$1" tests
}

# Prints the ninja targets tests "$@" need; nothing (build all) for the suites
# or when a test has no target of its own (a script without depends).
targets_for() {
    local t line deps all=()
    [ $# -eq 0 ] && return 0
    for t in "$@"; do
        line=$(grep -m 1 "^$t " "$targets_file") || return 0
        read -r -a deps <<<"${line#* }"
        all+=("${deps[@]}")
    done
    printf '%s\n' "${all[@]}" | sort -u
}

# The names in "$@" that meson does not know (a stale list).
unknown_tests() {
    local t
    for t in "$@"; do
        grep -q "^$t\( \|$\)" "$targets_file" || printf '%s ' "$t"
    done
}

# Builds what tests "$@" need; the log goes to $1-named file. Returns ninja's status.
build_for() {
    local log=$1
    shift
    local tg
    mapfile -t tg < <(targets_for "$@")
    ninja -C "$build" "${tg[@]}" >"$log" 2>&1
}

# Runs tests "$@" (the unit and dp suites if none) without rebuilding, and
# prints the names of those that did not pass, one per line, from testlog.json.
# Returns 1 if meson wrote no log (it could not run them).
failing_tests() {
    local log=$1
    shift
    local sel=("$@")
    [ ${#sel[@]} -eq 0 ] && sel=(--suite unit --suite dp)
    rm -f "$build/meson-logs/testlog.json"
    meson test -C "$build" --no-rebuild "${sel[@]}" >"$log" 2>&1
    [ -s "$build/meson-logs/testlog.json" ] || return 1
    python3 -c '
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["result"] != "OK":
        print(r["name"].split(" / ")[-1])  # "veer:unit / test_x" -> "test_x"
' "$build/meson-logs/testlog.json"
}

# ---- baseline: the named tests must pass on the unmodified tree ----

all_tests=()
if [ "$baseline" -eq 1 ]; then
    suites=0
    for p in "${patches[@]}"; do
        read -r -a names <<<"$(tests_of "$p")"
        [ ${#names[@]} -eq 0 ] && suites=1
        all_tests+=("${names[@]}")
    done
    if [ "$suites" -eq 1 ]; then
        all_tests=() # the suites cover every named test too
    else
        mapfile -t all_tests < <(printf '%s\n' "${all_tests[@]}" | sort -u)
        read -r -a known <<<"$(for t in "${all_tests[@]}"; do
            grep -q "^$t\( \|$\)" "$targets_file" && printf '%s ' "$t"
        done)"
        all_tests=("${known[@]}") # unknown names are each mutant's ERROR
        [ ${#all_tests[@]} -eq 0 ] && baseline=0
    fi
fi
if [ "$baseline" -eq 1 ]; then
    echo "mutants: baseline build and tests on the unmodified tree"
    if ! build_for "$logs/baseline.ninja.log" "${all_tests[@]}"; then
        tail -n 30 "$logs/baseline.ninja.log" >&2
        echo "mutants: the unmodified tree does not build ($logs/baseline.ninja.log)" >&2
        exit 2
    fi
    if ! fails=$(failing_tests "$logs/baseline.test.log" "${all_tests[@]}") || [ -n "$fails" ]; then
        echo "mutants: tests fail on the unmodified tree: ${fails:-meson test did not run}" >&2
        echo "mutants: a mutant could not be told apart; see $logs/baseline.test.log" >&2
        exit 2
    fi
fi

# ---- the mutants ----

killed=0
survived=0
errors=0

# Counts and prints an ERROR for mutant $1 with reason $2.
error() {
    errors=$((errors + 1))
    printf '%-36s ERROR (%s)\n' "$1" "$2"
}

for p in "${patches[@]}"; do
    name=$(basename "$p" .patch)
    read -r -a names <<<"$(tests_of "$p")"
    start=$SECONDS

    missing=$(unknown_tests "${names[@]}")
    if [ -n "$missing" ]; then
        error "$name" "no such test: ${missing% }"
    elif ! git apply --check "$p" 2>"$logs/$name.apply.log"; then
        error "$name" "does not apply: $logs/$name.apply.log"
    else
        git apply "$p" && applied=$p
        if [ -z "$applied" ]; then
            error "$name" "git apply failed"
        elif ! build_for "$logs/$name.ninja.log" "${names[@]}"; then
            error "$name" "does not build: $logs/$name.ninja.log"
        elif ! fails=$(failing_tests "$logs/$name.test.log" "${names[@]}"); then
            error "$name" "meson test did not run: $logs/$name.test.log"
        elif [ -n "$fails" ]; then
            killed=$((killed + 1))
            printf '%-36s KILLED by %s (%ds)\n' "$name" "$(echo "$fails" | tr '\n' ' ' | sed 's/ $//')" \
                $((SECONDS - start))
        else
            survived=$((survived + 1))
            printf '%-36s SURVIVED (%s all passed: %s)\n' "$name" "${names[*]:-unit and dp suites}" \
                "$(header "$p" what)"
        fi
        restore || exit 2
    fi

    if [ "$keep_going" -eq 0 ] && [ $((survived + errors)) -gt 0 ]; then
        echo "mutants: stopping at the first failure (-x)"
        break
    fi
done

echo "mutants: $killed killed, $survived survived, $errors errors"
[ $((survived + errors)) -eq 0 ]
