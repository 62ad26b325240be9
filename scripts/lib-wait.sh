# shellcheck shell=bash
# The bounded wait that the interop tests (tests/interop/lib.sh) and the peer
# benchmarks (scripts/lib-peers.sh) both use; source it. No state of its own.

# Bounded wait: up to $1 tenths of a second for a command to succeed.
wait_for() {
    local tenths=$1
    shift
    for _ in $(seq "$tenths"); do
        if "$@" >/dev/null 2>&1; then return 0; fi
        sleep 0.1
    done
    return 1
}
