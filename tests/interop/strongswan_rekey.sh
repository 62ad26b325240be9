#!/usr/bin/env bash
# Interop: the life of an SA between a strongSwan 5.9 client and veer-ike.
# After the IKE SA and Child SA are up (PSK, X25519, AES-GCM, PFS for rekeys):
#   1. strongSwan rekeys the Child SA (veer answers CREATE_CHILD_SA with REKEY_SA),
#   2. strongSwan rekeys the IKE SA (veer moves the Child SA to the new IKE SA),
#   3. veer rekeys the Child SA on its own timer (child_rekey_time),
#   4. veer rekeys the IKE SA on its own timer (ike_rekey_time),
#   5. veer runs liveness checks (DPD) and strongSwan answers them,
#   6. strongSwan dies without a word: veer declares it dead and removes everything.
# After each step both sides must agree on the IKE and Child SA SPIs, the old
# SAs must be gone on both, and the Child SA keys veer derived must equal the
# ones strongSwan logs.
#
# Needs root (network namespaces). Cleans up on exit. Usage:
#   tests/interop/strongswan_rekey.sh BUILD_DIR
set -uo pipefail
# shellcheck source=tests/interop/lib.sh
source "$(dirname "$0")/lib.sh"
lab_init "${1:?usage: $0 BUILD_DIR}" vr
lab_topology

lab_psk_file
{
    printf 'gateway:\n  listen: [198.51.100.1]\n  retransmit_base_ms: 300\n  retransmit_tries: 3\npeers:\n'
    TUN_ESP=aes128gcm16-x25519 TUN_PEER_EXTRA="    child_rekey_time: 12s
    child_life_time: 1h
    ike_rekey_time: 24s
    rekey_jitter: 0
    dpd_delay: 2s" lab_peer_yaml
} >"$work/veer.yaml"
veer_start "$work/veer.yaml"

charon_start
# dpd_delay longer than veer's: whoever checks first keeps the other quiet (any message counts).
TUN_ESP=aes128gcm16-x25519 TUN_CONN_EXTRA="rekey_time = 0
    dpd_delay = 30s" TUN_CHILD_EXTRA="rekey_time = 0" lab_tunnel_swanctl_conf
lab_swan_load
lab_swan_initiate

# Both sides show exactly one IKE SA and one Child SA, with the same SPIs and keys.
# Sets ike_spis and child_in (veer's inbound SPI). $1 names the step.
agree() {
    local what=$1
    swan_one_sa_agree || return 1
    ike_spis="$swan_spi_i/$swan_spi_r"
    child_in=$swan_out
    keys_match_child "$child_in" || return 1
    [ -n "$what" ] && pass "$what: IKE SA $ike_spis, Child SA $swan_in/$swan_out, keys equal on both sides"
    return 0
}

# Step $1 (named $2 in the pass): within $4 tenths of a second veer's counter
# $3 (child_rekeyed or ike_rekeyed) reaches $5 (else fails "$6"), then within
# 5 s both sides agree again (else fails "after $7 the two sides differ").
rekeyed() {
    wait_for "$4" veer_counter_is "$3" "$5" || fail "$6"
    wait_for 50 agree "" || fail "after $7 the two sides differ"
    agree "$1. $2" || fail "step $1"
}

wait_for 50 agree "" || fail "not established alike on both sides"
agree "established" >/dev/null
pass "established: IKE SA $ike_spis, Child SA $child_in"
first_ike=$ike_spis
first_child=$child_in

# 1. strongSwan rekeys the Child SA.
swan --rekey --child c >"$work/rekey1.out" 2>&1 || fail "swan --rekey --child"
rekeyed 1 "Child SA rekeyed by strongSwan" child_rekeyed 50 1 "veer did not count the Child SA rekey" \
    "strongSwan's Child SA rekey"
[ "$child_in" != "$first_child" ] || fail "the Child SA kept its SPIs"
grep -q "child-sa delete spi_in=$first_child" "$work/veer.log" || fail "old Child SA not deleted in veer"
swan_child=$child_in

# 2. strongSwan rekeys the IKE SA; the Child SA moves along untouched.
swan --rekey --ike gw >"$work/rekey2.out" 2>&1 || fail "swan --rekey --ike"
rekeyed 2 "IKE SA rekeyed by strongSwan" ike_rekeyed 50 1 "veer did not count the IKE SA rekey" \
    "strongSwan's IKE SA rekey"
[ "$ike_spis" != "$first_ike" ] || fail "the IKE SA kept its SPIs"
[ "$child_in" = "$swan_child" ] || fail "the Child SA changed with the IKE SA"
swan_ike=$ike_spis

# 3. veer rekeys the Child SA 12 s after it was installed (step 1).
rekeyed 3 "Child SA rekeyed by veer (child_rekey_time, PFS)" child_rekeyed 200 2 \
    "veer did not rekey the Child SA on its timer" "veer's Child SA rekey"
[ "$child_in" != "$swan_child" ] || fail "the Child SA kept its SPIs"
grep -q " child $child_in/[0-9a-f]*: Child SA installed: .* PFS" "$work/veer.log" || fail "veer's rekey had no PFS"

# 4. veer rekeys the IKE SA 24 s after it was made (step 2).
rekeyed 4 "IKE SA rekeyed by veer (ike_rekey_time)" ike_rekeyed 250 2 \
    "veer did not rekey the IKE SA on its timer" "veer's IKE SA rekey"
[ "$ike_spis" != "$swan_ike" ] || fail "the IKE SA kept its SPIs"
grep -q "^ike_sa .* role=initiator " "$work/state" ||
    fail "veer, having rekeyed, should be the new IKE SA's original initiator"

# 5. Liveness: veer checked strongSwan every 2 s of silence and got answers.
[ "$(veer_counter liveness_checks)" -ge 1 ] || fail "veer sent no liveness check"
[ "$(veer_counter peer_dead)" = 0 ] || fail "veer thought a live peer dead"
pass "5. veer sent $(veer_counter liveness_checks) liveness checks, all answered"

# 6. strongSwan dies: veer's liveness checks go unanswered, it gives up and cleans up.
kill -9 "$charon_pid"
wait "$charon_pid" 2>/dev/null
charon_pid=""
wait_for 150 veer_has_no_sa || fail "veer kept the SA of a dead peer"
[ "$(veer_counter peer_dead)" = 1 ] || fail "peer_dead not counted"
grep -q "child-sa delete spi_in=$child_in" "$work/veer.log" || fail "Child SA of the dead peer kept"
pass "6. dead peer detected after $(veer_counter liveness_checks) liveness checks; SAs removed"
echo "strongswan_rekey: all checks passed"
