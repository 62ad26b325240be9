#!/usr/bin/env bash
# The systemd unit's hugepage helper (etc/systemd/veer-hugepages) against a
# made-up /sys and /proc/mounts: it raises a reservation that is too low,
# never lowers one, does nothing for 0, refuses bad arguments and a page size
# the kernel lacks, and leaves a mounted /dev/hugepages alone. Mounting and a
# kernel that grants fewer pages need a real kernel: not tested here.
#   check-hugepages.sh HELPER
set -uo pipefail

helper=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
fail() {
    echo "FAIL: $*"
    failed=1
}
knob=$work/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
mkdir -p "$(dirname "$knob")"
echo "nodev /dev/hugepages hugetlbfs rw,relatime,pagesize=2M 0 0" >"$work/mounts"
export VEER_SYSFS=$work/sys VEER_MOUNTS=$work/mounts

# expect WANT_RC WANT_PAGES ARGS...: the exit code and the knob afterwards.
expect() {
    local want_rc=$1 want_pages=$2
    shift 2
    "$helper" "$@" >"$work/out" 2>"$work/err"
    local rc=$?
    local pages
    pages=$(cat "$knob")
    if [ "$rc" -ne "$want_rc" ] || [ "$pages" != "$want_pages" ]; then
        fail "veer-hugepages $*: exit $rc with $pages pages, want exit $want_rc with $want_pages"
        sed 's/^/    /' "$work/out" "$work/err"
    else
        echo "ok: veer-hugepages $*: exit $rc, $pages pages"
    fi
}

echo 0 >"$knob"
expect 0 1024 1024                # raised
expect 0 1024 512 2048kB          # never lowered
expect 0 1024 0                   # 0: left alone
expect 2 1024 ''                  # no count
expect 2 1024 many                # not a number
expect 2 1024 2048 2M             # a size without kB
expect 1 1024 8 1048576kB         # a page size this kernel lacks
grep -q "no 1048576kB hugepages" "$work/err" || fail "no reason given for a missing page size"
exit $failed
