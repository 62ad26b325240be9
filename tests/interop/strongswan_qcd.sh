#!/usr/bin/env bash
# Interop: Quick Crash Detection (RFC 6290) against strongSwan 5.9, which has
# none. veer-ike is a QCD maker (qcd_secret_file), strongSwan a client with
# DPD every 2 s and dpd_action restart:
#   1. veer creates its secret file (0600, 32 bytes) on first start;
#   2. the IKE SA comes up although veer's final IKE_AUTH response carries
#      QUICK_CRASH_DETECTION (strongSwan ignores the unknown status notify);
#   3. strongSwan rekeys the IKE SA: veer's CREATE_CHILD_SA response carries
#      a new token, and strongSwan takes the rekey;
#   4. veer is killed (-9) and started again: it reads the same secret file,
#      answers strongSwan's liveness checks for the lost SA statelessly (or
#      stays silent when one is too short to answer without amplifying), and
#      strongSwan recovers through its own DPD as before, with a new IKE SA.
#
# Needs root (network namespaces). Cleans up on exit. About 20 s. Usage:
#   tests/interop/strongswan_qcd.sh BUILD_DIR
set -uo pipefail
# shellcheck source=tests/interop/lib.sh
source "$(dirname "$0")/lib.sh"
lab_init "${1:?usage: $0 BUILD_DIR}" vq
lab_topology

lab_psk_file
{
    printf 'gateway:\n  listen: [198.51.100.1]\n  qcd_secret_file: %s\npeers:\n' "$work/qcd.secret"
    TUN_ESP=aes128gcm16 lab_peer_yaml
} >"$work/veer.yaml"
veer_start "$work/veer.yaml"

# 1. The secret file, made on first start.
[ -f "$work/qcd.secret" ] || fail "veer-ike did not create its QCD secret file"
[ "$(stat -c %a "$work/qcd.secret")" = 600 ] || fail "secret file mode $(stat -c %a "$work/qcd.secret")"
[ "$(stat -c %s "$work/qcd.secret")" = 32 ] || fail "secret file of $(stat -c %s "$work/qcd.secret") bytes"
secret_sum=$(sha256sum <"$work/qcd.secret")
pass "1. secret file created: 32 bytes, mode 600"

# strongSwan retransmits quickly, so its DPD gives up within seconds.
charon_start "retransmit_tries = 2
  retransmit_timeout = 1.0
  retransmit_base = 1.4"
TUN_CONN_EXTRA="dpd_delay = 2s" TUN_CHILD_EXTRA="dpd_action = restart" lab_tunnel_swanctl_conf
lab_swan_load
lab_swan_initiate

# 2. Up, with veer's token in the final IKE_AUTH response.
lab_expect_sa_agree "2. "
first_spi_i=$swan_spi_i
[ "$(veer_counter qcd_tokens_sent)" = 1 ] || fail "veer sent $(veer_counter qcd_tokens_sent) tokens, not 1"
[ "$(veer_counter qcd_tokens_taken)" = 0 ] || fail "veer kept a token strongSwan never sends"
grep -q "^ike_sa .* qcd_token_sent=yes" "$work/state" || fail "the state file does not show the token sent"
pass "2. IKE SA $swan_spi_i/$swan_spi_r up with veer's QCD token in IKE_AUTH"

# 3. strongSwan rekeys the IKE SA; veer's response carries the new SPIs' token.
swan --rekey --ike gw >"$work/rekey.out" 2>&1 || fail "swan --rekey --ike"
wait_for 50 veer_counter_is ike_rekeyed 1 || fail "veer did not count the IKE SA rekey"
wait_for 50 swan_one_sa_agree || fail "after the rekey the two sides differ"
[ "$swan_spi_i" != "$first_spi_i" ] || fail "the IKE SA kept its SPIs"
[ "$(veer_counter qcd_tokens_sent)" = 2 ] || fail "no new token with the IKE SA rekey"
pass "3. IKE SA rekeyed to $swan_spi_i/$swan_spi_r, a new token in the CREATE_CHILD_SA response"
rekeyed_spi_i=$swan_spi_i

# 4. veer crashes and comes back; strongSwan's DPD finds out as it always did.
kill -9 "$veer_pid"
wait "$veer_pid" 2>/dev/null
mv "$work/veer.log" "$work/veer-before.log"
rm -f "$work/state"
veer_start "$work/veer.yaml"
[ "$(sha256sum <"$work/qcd.secret")" = "$secret_sum" ] || fail "the secret file changed on restart"
wait_for 300 swan_one_sa_agree || fail "strongSwan did not come back within 30 s of veer's restart"
[ "$swan_spi_i" != "$rekeyed_spi_i" ] || fail "strongSwan kept the IKE SA veer lost"
answered=$(veer_counter qcd_replies_sent)
silent=$(veer_counter qcd_no_reply)
[ $((answered + silent)) -ge 1 ] || fail "veer saw none of strongSwan's liveness checks for the lost SA"
pass "4. after veer's restart strongSwan reconnected through its DPD (IKE SA $swan_spi_i/$swan_spi_r; veer answered $answered of its checks for the lost SA, $silent too short to answer)"
echo "strongswan_qcd: all checks passed"
