#!/usr/bin/env bash
# Issue 5's core, end to end: app/veer (gateway A, DPDK on af_packet) with its
# admission gate closed answers new IKE_SA_INITs on its worker lcore, without
# the control plane:
#   1. a strongSwan client that supports redirection (it sends
#      REDIRECT_SUPPORTED) gets REDIRECT to gateway B (veer-ike on
#      203.0.113.1), follows it with REDIRECTED_FROM, and establishes there;
#   2. a strongSwan client that does not (charon.follow_redirects = no) is never
#      sent REDIRECT: it gets a COOKIE, comes back with it, is let through by
#      the worker and establishes with A.
# Asserts both sides' SAs and the workers' gate counters, read over telemetry.
#
# Needs root (network namespaces) and DPDK. Cleans up on exit. Usage:
#   tests/interop/strongswan_redirect.sh BUILD_DIR
set -uo pipefail
# shellcheck source=tests/interop/lib.sh
source "$(dirname "$0")/lib.sh"
lab_init "${1:?usage: $0 BUILD_DIR}" vx
lab_topology_dpdk
ns_b="${tag}b"
b_pid=""
cleanup_b() {
    [ -n "$b_pid" ] && kill "$b_pid" 2>/dev/null
    ip netns del "$ns_b" 2>/dev/null
    lab_cleanup
}
trap cleanup_b EXIT

# Gateway B: veer-ike on 203.0.113.1, reached by the client over a second link.
ip netns add "$ns_b"
ip link add "${tag}x" type veth peer name "${tag}y"
ip link set "${tag}x" netns "$ns_cl"
ip link set "${tag}y" netns "$ns_b"
ip -n "$ns_cl" addr add 203.0.113.2/24 dev "${tag}x"
ip -n "$ns_b" addr add 203.0.113.1/24 dev "${tag}y"
ip -n "$ns_cl" link set "${tag}x" up
ip -n "$ns_b" link set "${tag}y" up
ip -n "$ns_b" link set lo up

printf 'labsecret-0123456789' >"$work/psk"
chmod 600 "$work/psk"
peer_yaml() {
    cat <<EOF
peers:
  - name: road-warriors
    local_id: gw.example
    remote_id: client.example
    psk_file: $work/psk
    ike_proposals: [aes128gcm16-prfsha256-x25519]
    esp_proposals: [aes128gcm16]
    local_ts: [10.2.0.0/24]
    remote_ts: [10.1.0.0/16]
EOF
}
{
    printf 'gateway:\n  listen: [203.0.113.1]\n'
    peer_yaml
} >"$work/b.yaml"
ip netns exec "$ns_b" "$veer_ike" -c "$work/b.yaml" --state-file "$work/b.state" -v \
    >"$work/b.log" 2>&1 &
b_pid=$!
wait_for 50 grep -q "veer-ike running" "$work/b.log" || fail "veer-ike B did not start"

# Gateway A: the gate closed, redirecting to B.
{
    cat <<EOF
dataplane:
  workers: 1
  idle_sleep_us: 100
  mbufs: 4096
  admission:
    mode: on
    redirect_to: [203.0.113.1]
  ports:
    - name: outside
      device: net_af_packet0,iface=${tag}g
      address: 198.51.100.1/24
EOF
    peer_yaml
} >"$work/veer.yaml"
veer_dp_start "$work/veer.yaml"

swanctl_conf() {
    cat <<EOF
connections {
  gw {
    remote_addrs = 198.51.100.1
    version = 2
    proposals = aes128gcm16-prfsha256-x25519
    local {
      auth = psk
      id = client.example
    }
    remote {
      auth = psk
      id = gw.example
    }
    children {
      c {
        local_ts = 10.1.0.1/32
        remote_ts = 10.2.0.0/24
        esp_proposals = aes128gcm16
      }
    }
  }
}
secrets {
  ike-gw {
    id-1 = client.example
    id-2 = gw.example
    secret = "labsecret-0123456789"
  }
}
EOF
}
counter() { tel /veer/workers | sed -n "s/.*\"$1\": \[\([0-9]*\)\].*/\1/p"; }

# --- 1. a client that supports redirection goes to B
charon_start
swanctl_conf >"$work/cl/swanctl.conf"
swan --load-all --file "$work/cl/swanctl.conf" >"$work/load.out" 2>&1 || fail "swan --load-all"
swan --initiate --child c --timeout 30 >"$work/initiate1.out" 2>&1 || {
    cat "$work/initiate1.out"
    fail "swan --initiate (redirected)"
}
swan --list-sas >"$work/sas1.out"
grep -q "ESTABLISHED.*" "$work/sas1.out" || fail "strongSwan: no IKE SA after the redirect"
grep -q "203.0.113.1" "$work/sas1.out" || fail "strongSwan's SA is not with B: $(cat "$work/sas1.out")"
grep -q "redirected to 203.0.113.1" "$work/charon.log" ||
    fail "strongSwan did not log a redirect"
wait_for 30 grep -q "state=ESTABLISHED" "$work/b.state" || fail "B has no established SA"
[ "$(counter gate_redirects)" -ge 1 ] || fail "A's worker sent no REDIRECT: $(tel /veer/workers)"
[ "$(tel /veer/ike/counters | sed -n 's/.*"sa_created": \([0-9]*\).*/\1/p')" = 0 ] ||
    fail "A's control plane made an SA although the gate was closed"
pass "1. REDIRECT from A's worker ($(counter gate_redirects) sent); the client established with B"
swan --terminate --ike gw --timeout 10 >/dev/null 2>&1

# --- 2. a client without redirection support gets a COOKIE and then A itself
kill "$charon_pid"
wait "$charon_pid" 2>/dev/null
charon_pid=""
charon_start "follow_redirects = no"
swan --load-all --file "$work/cl/swanctl.conf" >"$work/load2.out" 2>&1 || fail "swan --load-all (2)"
redirects_before=$(counter gate_redirects)
swan --initiate --child c --timeout 30 >"$work/initiate2.out" 2>&1 || {
    cat "$work/initiate2.out"
    fail "swan --initiate (cookie)"
}
swan --list-sas >"$work/sas2.out"
grep -q "198.51.100.1" "$work/sas2.out" || fail "strongSwan's SA is not with A: $(cat "$work/sas2.out")"
wait_for 30 grep -q "state=ESTABLISHED" "$work/state" || fail "A has no established SA"
[ "$(counter gate_redirects)" = "$redirects_before" ] ||
    fail "a client without REDIRECT_SUPPORTED was sent REDIRECT"
[ "$(counter gate_cookies)" -ge 1 ] && [ "$(counter gate_cookie_admitted)" -ge 1 ] ||
    fail "no COOKIE round trip on A's worker: $(tel /veer/workers)"
pass "2. COOKIE from A's worker ($(counter gate_cookies) sent, $(counter gate_cookie_admitted) returned and admitted); established with A, never redirected"
echo "strongswan_redirect: all checks passed"
