#!/usr/bin/env bash
# RFC 5685 4 and the run-time redirect policy, end to end: app/veer (gateway A,
# DPDK on af_packet, its admission gate OPEN) owns the anycast address
# 198.51.100.100 beside its unicast 198.51.100.1.
#   1. a strongSwan client connects to the anycast address; A's worker answers
#      its IKE_SA_INIT with REDIRECT to A's own unicast address
#      (redirect.anycast.self), the client follows (REDIRECTED_FROM the anycast
#      address) and is established with A on 198.51.100.1;
#   2. the targets are changed over telemetry (/veer/redirect/targets: gateway B
#      on 203.0.113.1, A's own address weight 0), with no restart: the next
#      client to the anycast address ends up established with B;
#   3. /veer/redirect shows the new table, the per-target count and the
#      anycast reason; loads and the policy change at run time; malformed
#      commands get an error.
#
# Needs root (network namespaces) and DPDK. Cleans up on exit. Usage:
#   tests/interop/strongswan_anycast.sh BUILD_DIR
set -uo pipefail
# shellcheck source=tests/interop/lib.sh
source "$(dirname "$0")/lib.sh"
lab_init "${1:?usage: $0 BUILD_DIR}" va
lab_topology_dpdk
lab_psk_file
peer_yaml() {
    echo "peers:"
    lab_peer_yaml road-warriors "'%any'"
}
{
    printf 'gateway:\n  listen: [203.0.113.1]\n'
    peer_yaml
} >"$work/b.yaml"
# Gateway B: veer-ike on 203.0.113.1, reached by the client over a second link.
lab_gateway_b "$work/b.yaml"

# Gateway A: gate open; the anycast address sends clients to A's own unicast address.
{
    lab_dp_outside_yaml "  admission:
    mode: off"
    cat <<YAML
redirect:
  policy: weighted_round_robin
  anycast:
    addresses: [198.51.100.100]
    self: 198.51.100.1
YAML
    peer_yaml
} >"$work/veer.yaml"
veer_dp_start "$work/veer.yaml"

mkdir -p "$work/cl"
TUN_GW_ADDR=198.51.100.100 lab_tunnel_swanctl_conf
charon_pid=""
fresh_client() {
    charon_restart
    lab_swan_load
}

# --- 1. to the anycast address: redirected to A's unicast address, established there
fresh_client
swan --initiate --child c --timeout 30 >"$work/initiate1.out" 2>&1 || {
    cat "$work/initiate1.out"
    fail "swan --initiate (anycast)"
}
grep -q "redirected to 198.51.100.1\b" "$work/charon.log" ||
    fail "1: strongSwan was not redirected to the unicast address: $(grep -i redirect "$work/charon.log")"
swan --list-sas >"$work/sas1.out"
grep -q "ESTABLISHED" "$work/sas1.out" || fail "1: strongSwan has no established IKE SA"
grep -q "198.51.100.1\[" "$work/sas1.out" ||
    fail "1: strongSwan's SA is not with 198.51.100.1: $(cat "$work/sas1.out")"
wait_for 30 grep -q "state=ESTABLISHED" "$work/state" || fail "1: A has no established SA"
[ "$(wcount redirect_anycast)" = 1 ] ||
    fail "1: A's worker counted no anycast redirect: $(tel /veer/workers)"
[ "$(wcount gate_admitted)" -ge 1 ] || fail "1: the request to the unicast address was not admitted"
pass "1. anycast 198.51.100.100 -> REDIRECT with the gate open -> established with A on 198.51.100.1"
swan --terminate --ike gw --timeout 10 >/dev/null 2>&1

# --- 2. targets changed at run time: the next anycast client goes to B
out=$(tel "/veer/redirect/targets,203.0.113.1=2,198.51.100.1=0")
echo "$out" | grep -q '"gateway": \["198.51.100.1", "203.0.113.1"\]' ||
    fail "2: /veer/redirect/targets: $out"
echo "$out" | grep -q '"weight": \[0, 2\]' || fail "2: weights not as set: $out"
fresh_client
swan --initiate --child c --timeout 30 >"$work/initiate2.out" 2>&1 || {
    cat "$work/initiate2.out"
    fail "swan --initiate (after the change)"
}
grep -q "redirected to 203.0.113.1" "$work/charon.log" || fail "2: strongSwan was not sent to B"
swan --list-sas >"$work/sas2.out"
grep -q "203.0.113.1\[" "$work/sas2.out" || fail "2: strongSwan's SA is not with B: $(cat "$work/sas2.out")"
wait_for 30 grep -q "state=ESTABLISHED" "$work/b.state" || fail "2: B has no established SA"
pass "2. /veer/redirect/targets took effect without restart: the next anycast client established with B"

# --- 3. what telemetry shows, and what it refuses
out=$(tel /veer/redirect)
echo "$out" | grep -q '"policy": "weighted_round_robin"' || fail "3: $out"
echo "$out" | grep -q '"anycast": \["198.51.100.100"\]' || fail "3: no anycast address: $out"
echo "$out" | grep -q '"kind": \["self_for_anycast", "other"\]' || fail "3: kinds: $out"
echo "$out" | grep -q '"redirected": \[0, 1\]' || fail "3: per-target counts: $out"
echo "$out" | grep -q '"redirect_anycast": 2' || fail "3: anycast reason count: $out"
for bad in "/veer/redirect/targets," "/veer/redirect/targets,203.0.113.1=1001" \
    "/veer/redirect/targets,198.51.100.100" "/veer/redirect/targets,a_b.example" \
    "/veer/redirect/policy,random" "/veer/redirect/load,203.0.113.9,5" \
    "/veer/redirect/load,203.0.113.1,x"; do
    tel "$bad" | grep -q '"error"' || fail "3: $bad was not refused: $(tel "$bad")"
done
out=$(tel /veer/redirect/load,203.0.113.1,70)
echo "$out" | grep -q '"load": \[0, 70\]' || fail "3: load not set: $out"
out=$(tel /veer/redirect/policy,least_loaded)
echo "$out" | grep -q '"policy": "least_loaded"' || fail "3: policy not switched: $out"
echo "$out" | grep -q '"redirected": \[0, 1\]' || fail "3: a policy switch lost the counts: $out"
pass "3. /veer/redirect lists targets, weights, loads and counts; bad commands get errors"
echo "strongswan_anycast: all checks passed"
