#!/usr/bin/env bash
# The admission gate end to end: app/veer (gateway A, DPDK on af_packet) with its
# admission gate closed answers new IKE_SA_INITs on its worker lcore, without
# the control plane:
#   1. a strongSwan client that supports redirection (it sends
#      REDIRECT_SUPPORTED) gets REDIRECT to gateway B (veer-ike on
#      203.0.113.1), follows it with REDIRECTED_FROM, and establishes there;
#   2. a strongSwan client that does not (charon.follow_redirects = no) is never
#      sent REDIRECT: it gets a COOKIE, comes back with it, is let through by
#      the worker and establishes with A.
# Then, with the gate opened at run time (/veer/admission,off), A's control
# plane redirects:
#   3. an established client, told by telemetry (/veer/ike/redirect, RFC 5685 5):
#      it reconnects to B and A deletes its old SA;
#   4. a client whose identity A's configuration sends elsewhere, in IKE_AUTH
#      (RFC 5685 6): authenticated by A and told to go to B, with no Child SA
#      (strongSwan 5.9.8 then crashes on its way to B; see step 4).
# Asserts both sides' SAs and the gate and redirect counters, read over telemetry.
#
# Needs root (network namespaces) and DPDK. Cleans up on exit. Usage:
#   tests/interop/strongswan_redirect.sh BUILD_DIR
set -uo pipefail
# shellcheck source=tests/interop/lib.sh
source "$(dirname "$0")/lib.sh"
lab_init "${1:?usage: $0 BUILD_DIR}" vx
lab_topology_dpdk
lab_psk_file
{
    printf 'gateway:\n  listen: [203.0.113.1]\npeers:\n'
    lab_peer_yaml road-warriors "'%any'"
} >"$work/b.yaml"
# Gateway B: veer-ike on 203.0.113.1, reached by the client over a second link.
lab_gateway_b "$work/b.yaml"

# Gateway A: the gate closed, redirecting to B.
{
    lab_dp_outside_yaml "  admission:
    mode: on
    redirect_to: [203.0.113.1]"
    echo "peers:"
    lab_peer_yaml
    TUN_PEER_EXTRA="    redirect_to: 203.0.113.1" lab_peer_yaml movers moved.example
} >"$work/veer.yaml"
veer_dp_start "$work/veer.yaml"

mkdir -p "$work/cl"
{
    echo "connections {"
    lab_swan_conn gw
    lab_swan_conn mv "local {
      auth = psk
      id = moved.example
    }" psk m
    echo "}"
    lab_swan_secrets client.example moved.example gw.example
} >"$work/cl/swanctl.conf"

# --- 1. a client that supports redirection goes to B
charon_start
lab_swan_load
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
[ "$(wcount gate_redirects)" -ge 1 ] || fail "A's worker sent no REDIRECT: $(tel /veer/workers)"
[ "$(ike_count sa_created)" = 0 ] ||
    fail "A's control plane made an SA although the gate was closed"
pass "1. REDIRECT from A's worker ($(wcount gate_redirects) sent); the client established with B"
swan --terminate --ike gw --timeout 10 >/dev/null 2>&1

# --- 2. a client without redirection support gets a COOKIE and then A itself
charon_restart "follow_redirects = no"
lab_swan_load "2: "
redirects_before=$(wcount gate_redirects)
swan --initiate --child c --timeout 30 >"$work/initiate2.out" 2>&1 || {
    cat "$work/initiate2.out"
    fail "swan --initiate (cookie)"
}
swan --list-sas >"$work/sas2.out"
grep -q "198.51.100.1" "$work/sas2.out" || fail "strongSwan's SA is not with A: $(cat "$work/sas2.out")"
wait_for 30 grep -q "state=ESTABLISHED" "$work/state" || fail "A has no established SA"
[ "$(wcount gate_redirects)" = "$redirects_before" ] ||
    fail "a client without REDIRECT_SUPPORTED was sent REDIRECT"
[ "$(wcount gate_cookies)" -ge 1 ] && [ "$(wcount gate_cookie_admitted)" -ge 1 ] ||
    fail "no COOKIE round trip on A's worker: $(tel /veer/workers)"
pass "2. COOKIE from A's worker ($(wcount gate_cookies) sent, $(wcount gate_cookie_admitted) returned and admitted); established with A, never redirected"
# --- 3. gateway-initiated: the gate opens, the client connects to A, A sends it to B
out=$(tel /veer/admission,off)
echo "$out" | grep -q '"mode": "off"' || fail "/veer/admission,off: $out"
swan --terminate --ike gw --timeout 10 >/dev/null 2>&1
wait_for 50 veer_has_no_sa || fail "A kept the SA the client deleted"
charon_restart
lab_swan_load "3: "
swan --initiate --child c --timeout 30 >"$work/initiate3.out" 2>&1 || fail "swan --initiate (3)"
wait_for 30 grep -q "state=ESTABLISHED" "$work/state" || fail "3: A has no established SA"
read -r si sr < <(sed -n 's/^ike_sa spi_i=\([0-9a-f]*\) spi_r=\([0-9a-f]*\) .*ESTABLISHED.*/\1 \2/p' "$work/state")
b_before=$(grep -c '^ike_sa .*ESTABLISHED' "$work/b.state")
# Draining another identity or another peer configuration leaves this client alone.
for other in "/veer/ike/drain_id,203.0.113.1,someone.example" \
    "/veer/ike/drain_peer,203.0.113.1,site-to-site"; do
    out=$(tel "$other")
    echo "$out" | grep -q '"redirected": 0' || fail "3: $other: $out"
done
for bad in "/veer/ike/drain_id,203.0.113.1" "/veer/ike/drain_id,,client.example" \
    "/veer/ike/drain_peer" "/veer/ike/drain_id,203.0.113.1,O=x,CN"; do
    out=$(tel "$bad")
    echo "$out" | grep -q '"error": "' || fail "3: $bad gave no error object: $out"
done
grep -q "spi_i=$si spi_r=$sr .*ESTABLISHED" "$work/state" || fail "3: a drain of others moved the client"
out=$(tel "/veer/ike/drain_id,203.0.113.1,client.example")
echo "$out" | grep -q '"redirected": 1' || fail "/veer/ike/drain_id: $out"
wait_for 100 grep -q "redirected to 203.0.113.1" "$work/charon.log" || fail "3: strongSwan was not redirected"
wait_for 100 sh -c "[ \$(grep -c '^ike_sa .*ESTABLISHED' '$work/b.state') -gt $b_before ]" ||
    fail "3: the client did not establish with B"
wait_for 150 veer_has_no_sa || fail "3: A kept the redirected SA"
pass "3. /veer/ike/drain_id sent the established client.example from A to B (drains of another identity or peer moved nothing); A's SA is gone"

# --- 4. redirect in IKE_AUTH by identity: moved.example is authenticated by A, then sent to B.
# strongSwan 5.9.8 (Debian 12) acts on the REDIRECT and then aborts with "double free" while
# starting over towards B (every time, in a fresh charon too), so what is checked is A's side:
# the client authenticated, was told to go to B in the IKE_AUTH response, and strongSwan read it.
redirects=$(ike_count redirects_sent)
charon_restart
lab_swan_load "4: "
swan --initiate --child m --timeout 10 >"$work/initiate4.out" 2>&1
grep -q "parsed IKE_AUTH response 1 \[ IDr AUTH N(REDIR) \]" "$work/charon.log" ||
    fail "4: no IKE_AUTH response with IDr, AUTH and REDIRECT"
grep -q "authentication of 'gw.example' with pre-shared key successful" "$work/charon.log" ||
    fail "4: strongSwan did not authenticate A before the redirect"
grep -q "redirected to 203.0.113.1" "$work/charon.log" || fail "4: strongSwan did not take the redirect"
after=$(ike_count redirects_sent)
[ "$after" -gt "$redirects" ] || fail "4: A counted no IKE_AUTH redirect"
grep -q "movers\[[0-9]*\] .*: INIT_DONE -> ESTABLISHED" "$work/veer.log" || fail "4: A did not authenticate moved.example"
[ "$(grep -c 'child-sa install' "$work/veer.log")" = "$(grep -c 'road-warriors\[[0-9]*\] .*: INIT_DONE -> ESTABLISHED' "$work/veer.log")" ] ||
    fail "4: A made a Child SA for the redirected client"
pass "4. IKE_AUTH redirect by identity: moved.example authenticated by A, sent to B with no Child SA"
echo "strongswan_redirect: all checks passed"
