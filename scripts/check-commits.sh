#!/usr/bin/env bash
# Commit subjects are at most 72 characters (CONTRIBUTING.md). Checks every
# non-merge commit from the baseline, the first commit made under that rule,
# to HEAD; earlier history is left as it is. Exit 1 names each offender.
#
# Without a git repository of its own (an export, a tarball) there is
# nothing to check: it says so and exits 0. In a shallow clone that lacks
# the baseline it deepens the history from the remote (git fetch
# --unshallow); without a remote it says it skipped and exits 0. Any other
# way of not finding the baseline is an error.
set -uo pipefail
export LC_ALL=C.UTF-8 # subject lengths in characters, not bytes

baseline=1b341ce337324cc8289ece20d0fa2aae213e3934 # "Give lib/dp and lib/ike a folder per concern"
max=72
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
say() { echo "check-commits: $*"; }

# An export inside some other repository must not check that one's history.
repo=$(git rev-parse --show-toplevel 2>/dev/null)
if [ -z "$repo" ] || [ "$(cd "$repo" && pwd -P)" != "$(pwd -P)" ]; then
    say "skipped: $top is not a git repository (an export without .git?)"
    exit 0
fi

has_baseline() { git cat-file -e "$baseline^{commit}" 2>/dev/null; }
if ! has_baseline && [ "$(git rev-parse --is-shallow-repository)" = true ]; then
    remote=$(git remote | head -n 1)
    if [ -z "$remote" ]; then
        say "skipped: shallow clone without a remote, baseline ${baseline:0:7} is not in it"
        exit 0
    fi
    say "shallow clone: fetching the full history from $remote"
    if ! git fetch --quiet --unshallow "$remote"; then
        say "FAIL: cannot deepen the shallow clone from $remote (git fetch --unshallow)"
        exit 1
    fi
fi
if ! has_baseline; then
    say "FAIL: baseline ${baseline:0:7} is not in this repository's history"
    exit 1
fi
if ! git merge-base --is-ancestor "$baseline" HEAD; then
    say "FAIL: HEAD does not descend from baseline ${baseline:0:7}"
    exit 1
fi

# The root commit has no parent: then the range starts at the baseline itself.
if git cat-file -e "$baseline^" 2>/dev/null; then range="$baseline^..HEAD"; else range=HEAD; fi
checked=0
bad=0
while IFS= read -r line; do
    hash=${line%% *}
    subject=${line#* }
    checked=$((checked + 1))
    if [ ${#subject} -gt "$max" ]; then
        say "$hash: subject is ${#subject} characters (at most $max): ${subject:0:60}..."
        bad=$((bad + 1))
    fi
done < <(git -c core.quotepath=off log --no-merges --format='%h %s' "$range")
if [ "$bad" -gt 0 ]; then
    say "FAIL: $bad of $checked commits since ${baseline:0:7} have subjects over $max characters;" \
        "reword them (git rebase -i, 'reword'), the why goes in the body"
    exit 1
fi
say "$checked commits since ${baseline:0:7}: every subject at most $max characters"
