# shellcheck shell=bash
# Sourced by the tests that run app/veer on net_pcap ports (routes_icmp_pcap.sh,
# static_sa_pcap.sh): the paths they use, a work directory removed on exit with
# veer stopped if a check failed while it ran, fail() and stop_veer(), and
# $work/pcap_frames.py whose frames() their Python checks import (the checks
# run from $work), so that each test keeps only its own configuration and checks.

# pcap_env_init TAG BUILD_DIR: sets build, veer, py, work and veer_pid.
pcap_env_init() {
    build=$(cd "$2" && pwd)
    veer="$build/app/veer/veer"
    py=/usr/bin/python3
    work=$(mktemp -d "/tmp/veer-$1.XXXXXX")
    veer_pid=""
    trap pcap_env_cleanup EXIT
    cat >"$work/pcap_frames.py" <<'EOF_PY'
import struct

def frames(path):
    # The frames of a classic pcap file: 24-byte file header, 16-byte record headers.
    data = open(path, "rb").read()
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack("<I", data[off + 8:off + 12])[0]
        yield data[off + 16:off + 16 + incl]
        off += 16 + incl
EOF_PY
}

pcap_env_cleanup() {
    [ -n "$veer_pid" ] && kill "$veer_pid" 2>/dev/null
    wait 2>/dev/null
    rm -rf "$work"
}

# The reason, and the end of veer's log (veer.log or veer-NAME.log) for the cause.
fail() {
    echo "FAIL: $*"
    tail -5 "$work"/veer*.log 2>/dev/null
    exit 1
}

# Stops the veer started in the background (its PID in veer_pid) and waits for it.
stop_veer() {
    kill "$veer_pid" 2>/dev/null
    wait "$veer_pid" 2>/dev/null
    veer_pid=""
}
