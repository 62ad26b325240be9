#!/usr/bin/env bash
# Interop: the RADIUS codec (lib/ike/radius) against FreeRADIUS 3.2. FreeRADIUS
# runs in a namespace of its own (192.0.2.1), radius_probe in another
# (192.0.2.2, the NAS), with a configuration made here from the packaged one:
# a client entry with the shared secret, a test user with a password.
#   1. Access-Request with EAP-Response/Identity: an Access-Challenge whose
#      Response Authenticator and Message-Authenticator verify, with State and
#      an EAP-Request (EAP-MD5, FreeRADIUS's default method);
#   2. the EAP-MD5 response with State echoed: Access-Accept with EAP-Success,
#      and MS-MPPE keys (set in the users file, encrypted by FreeRADIUS) decrypted
#      into MSK = Recv-Key || Send-Key;
#   3. Accounting-Request Start and Stop: Accounting-Responses that verify;
#   4. a wrong password: Access-Reject with EAP-Failure, verified;
#   5. a wrong shared secret: FreeRADIUS drops the request (its
#      Message-Authenticator does not verify there), and the probe gets nothing.
#
# Needs root (network namespaces) and freeradius. Cleans up on exit. About 10 s.
# Usage: tests/interop/freeradius_codec.sh BUILD_DIR
set -uo pipefail
# shellcheck source=scripts/lib-wait.sh
source "$(dirname "$0")/../../scripts/lib-wait.sh"

build=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
probe="$build/tests/interop/radius_probe"
tag="fr$$"
ns_srv="${tag}srv"
ns_nas="${tag}nas"
work=$(mktemp -d /tmp/veer-fr.XXXXXX)
rad_pid=""
secret="veer-interop-secret"

cleanup() {
    [ -n "$rad_pid" ] && kill "$rad_pid" 2>/dev/null
    wait 2>/dev/null
    ip netns del "$ns_srv" 2>/dev/null
    ip netns del "$ns_nas" 2>/dev/null
    if [ "${KEEP_WORK:-0}" = 1 ]; then echo "work dir kept: $work"; else rm -rf "$work"; fi
    return 0
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*"
    echo "--- freeradius log"
    grep -v '^\s*$' "$work/radiusd.log" 2>/dev/null | tail -n 40
    exit 1
}
pass() { echo "PASS: $*"; }

[ "$(id -u)" = 0 ] || fail "needs root for network namespaces"
command -v freeradius >/dev/null || fail "freeradius (package freeradius) not installed"
[ -d /etc/freeradius/3.0 ] || fail "/etc/freeradius/3.0 missing"
[ -x "$probe" ] || fail "$probe not built"

ip netns add "$ns_srv"
ip netns add "$ns_nas"
ip link add "${tag}s" type veth peer name "${tag}n"
ip link set "${tag}s" netns "$ns_srv"
ip link set "${tag}n" netns "$ns_nas"
ip -n "$ns_srv" addr add 192.0.2.1/24 dev "${tag}s"
ip -n "$ns_nas" addr add 192.0.2.2/24 dev "${tag}n"
for ns in "$ns_srv" "$ns_nas"; do ip -n "$ns" link set lo up; done
ip -n "$ns_srv" link set "${tag}s" up
ip -n "$ns_nas" link set "${tag}n" up

# The packaged configuration, copied: our own client and user, logs and run
# files in the work dir, no switch to the freerad user (the copy is root's).
raddb="$work/raddb"
cp -a /etc/freeradius/3.0 "$raddb" || fail "copy of /etc/freeradius/3.0"
mkdir -p "$work/log/radacct" "$work/run"
sed -i -e "s|^raddbdir = .*|raddbdir = $raddb|" \
    -e "s|^logdir = .*|logdir = $work/log|" \
    -e "s|^run_dir = .*|run_dir = $work/run|" \
    -e 's|^\(\s*\)user = freerad|\1#user = freerad|' \
    -e 's|^\(\s*\)group = freerad|\1#group = freerad|' "$raddb/radiusd.conf"
cat >"$raddb/clients.conf" <<EOF
client veer-nas {
    ipaddr = 192.0.2.2
    secret = $secret
    require_message_authenticator = yes
}
EOF
# The users file (mods-config/files/authorize): one test user, before the packaged entries.
# EAP-MD5 makes no key, so the user's reply carries MS-MPPE keys of its own: FreeRADIUS
# encrypts them (RFC 2548) and the probe must find MSK = Recv-Key || Send-Key.
recv_key=$(printf '%02x' $(seq 1 32))
send_key=$(printf '%02x' $(seq 101 132))
users="$raddb/mods-config/files/authorize"
{
    printf 'alice\tCleartext-Password := "alice-password"\n'
    printf '\tSession-Timeout = 3600,\n\tClass = "veer-class-1",\n'
    printf '\tMS-MPPE-Recv-Key = 0x%s,\n\tMS-MPPE-Send-Key = 0x%s\n\n' "$recv_key" "$send_key"
    cat "$users"
} >"$users.new" && mv "$users.new" "$users"

ip netns exec "$ns_srv" freeradius -X -d "$raddb" >"$work/radiusd.log" 2>&1 &
rad_pid=$!
wait_for 150 grep -q "Ready to process requests" "$work/radiusd.log" ||
    fail "freeradius not ready within 15 s"
pass "0. FreeRADIUS $(freeradius -v 2>/dev/null | sed -n 's/.*Version \([0-9.]*\).*/\1/p' | head -1) up in $ns_srv"

run_probe() {
    ip netns exec "$ns_nas" timeout 30 "$probe" 192.0.2.1 192.0.2.2 "$@" >"$work/probe.out" 2>&1
    local rc=$?
    sed 's/^/  probe: /' "$work/probe.out"
    return $rc
}

# 1-3. The whole conversation, then accounting.
run_probe "$secret" alice alice-password || fail "the EAP-MD5 conversation or accounting failed"
grep -q "^ok: Access-Challenge verified" "$work/probe.out" || fail "no verified Access-Challenge"
pass "1. Access-Challenge: both authenticators verified, State and EAP-Request inside"
grep -q "^ok: Access-Accept verified, EAP-Success, 1 Class, Session-Timeout yes, MSK yes" \
    "$work/probe.out" || fail "no verified Access-Accept with Class, Session-Timeout and MSK"
grep -qx "msk: $recv_key$send_key" "$work/probe.out" || fail "MSK is not Recv-Key || Send-Key"
pass "2. Access-Accept with EAP-Success; Class, Session-Timeout, MSK = Recv-Key || Send-Key"
grep -q "^ok: Accounting-Response to Stop verified" "$work/probe.out" || fail "accounting"
grep -q "Acct-Status-Type = Start" "$work/radiusd.log" || fail "FreeRADIUS did not log the Start"
grep -q 'Class = 0x' "$work/radiusd.log" || fail "FreeRADIUS saw no Class echoed"
grep -q "Acct-Input-Gigawords = 1" "$work/radiusd.log" || fail "FreeRADIUS saw no Gigawords"
pass "3. Accounting Start and Stop answered and verified (Class echoed, Gigawords seen)"

# 4. A wrong password.
run_probe "$secret" alice alice-password wrong || fail "the wrong password was not refused cleanly"
grep -q "^ok: Access-Reject verified, EAP-Failure" "$work/probe.out" || fail "no Access-Reject"
pass "4. wrong password: Access-Reject with EAP-Failure, verified"

# 5. A wrong shared secret: FreeRADIUS drops what does not verify.
if run_probe wrong-secret alice alice-password; then
    fail "a request with the wrong secret was answered"
fi
grep -q "no answer from the server" "$work/probe.out" || fail "the probe failed otherwise"
pass "5. wrong shared secret: FreeRADIUS drops the request"
echo "PASS"
