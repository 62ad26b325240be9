#!/usr/bin/env bash
# Interop: a strongSwan 5.9 client (kernel-libipsec, so ESP goes in UDP and
# NAT-T is forced) establishes an IKE SA and a Child SA with veer-ike using a
# shared key, X25519 and AES-GCM; then the client deletes it.
#
# Asserts on both sides: swan --list-sas and veer's state file agree on the
# IKE SPIs and the Child SA SPIs, and the Child SA keys veer derived equal the
# ones strongSwan logs (chd level 4), since no ESP flows through veer-ike.
#
# Needs root (network namespaces). Cleans up on exit. Usage:
#   tests/interop/strongswan_psk.sh BUILD_DIR
set -uo pipefail
# shellcheck source=tests/interop/lib.sh
source "$(dirname "$0")/lib.sh"
lab_init "${1:?usage: $0 BUILD_DIR}" vp
lab_topology

printf 'labsecret-0123456789' >"$work/psk"
chmod 600 "$work/psk"
cat >"$work/veer.yaml" <<EOF
gateway:
  listen: [198.51.100.1]
  half_open_timeout: 30
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
veer_start "$work/veer.yaml"

charon_start
cat >"$work/cl/swanctl.conf" <<EOF
connections {
  gw {
    remote_addrs = 198.51.100.1
    version = 2
    proposals = aes128gcm16-prfsha256-x25519
    dpd_delay = 1s
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
swan --load-all --file "$work/cl/swanctl.conf" >"$work/load.out" 2>&1 || fail "swan --load-all"

# --- establish
swan --initiate --child c --timeout 20 >"$work/initiate.out" 2>&1 || {
    cat "$work/initiate.out"
    fail "swan --initiate"
}
swan --list-sas >"$work/sas.out"
grep -q "ESTABLISHED" "$work/sas.out" || fail "strongSwan: IKE SA not ESTABLISHED"
grep -q "INSTALLED" "$work/sas.out" || fail "strongSwan: Child SA not INSTALLED"
wait_for 20 grep -q "state=ESTABLISHED" "$work/state" || fail "veer: IKE SA not ESTABLISHED"

read -r swan_spi_i swan_spi_r < <(swan_ike_spis "$work/sas.out")
grep -q "spi_i=$swan_spi_i spi_r=$swan_spi_r .*state=ESTABLISHED" "$work/state" ||
    fail "IKE SPIs differ: strongSwan $swan_spi_i/$swan_spi_r"
pass "IKE SA established, SPIs $swan_spi_i/$swan_spi_r on both sides"

read -r swan_in swan_out < <(swan_child_spis "$work/sas.out")
grep -q "child_in=$swan_out child_out=$swan_in" "$work/state" ||
    fail "Child SPIs differ: strongSwan in=$swan_in out=$swan_out"
grep -q "natt=yes" "$work/state" || fail "veer did not move to port 4500"
pass "Child SA installed, SPIs in=$swan_in out=$swan_out match crosswise; NAT-T on 4500"

# Keys: strongSwan (the initiator) logs its i->r key first; veer logs its inbound first.
read -r swan_ki swan_kr < <(swan_key_pairs | head -n1)
read -r veer_in veer_out < <(veer_key_pairs | head -n1)
[ -n "${swan_ki:-}" ] && [ -n "${veer_in:-}" ] ||
    fail "no keys logged (strongSwan '${swan_ki:-}', veer '${veer_in:-}')"
[ "$swan_ki" = "$veer_in" ] || fail "initiator->responder key differs: $swan_ki vs $veer_in"
[ "$swan_kr" = "$veer_out" ] || fail "responder->initiator key differs: $swan_kr vs $veer_out"
pass "Child SA keys (AES-GCM key and salt) identical on both sides"

# --- strongSwan's liveness checks (DPD, an empty INFORMATIONAL) are answered by veer
wait_for 50 grep -q "sending DPD request" "$work/charon.log" || fail "strongSwan sent no DPD request"
wait_for 50 grep -q "parsed INFORMATIONAL response" "$work/charon.log" ||
    fail "veer did not answer strongSwan's DPD request"
pass "strongSwan's DPD requests answered by veer"

# --- delete from the client
swan --terminate --ike gw --timeout 10 >"$work/terminate.out" 2>&1 || fail "swan --terminate"
wait_for 30 sh -c "! grep -q '^ike_sa' '$work/state'" || fail "veer kept the SA after the delete"
grep -q "child-sa delete spi_in=$swan_out" "$work/veer.log" || fail "veer did not delete the Child SA"
pass "delete from strongSwan removed the IKE SA and Child SA in veer"
echo "strongswan_psk: all checks passed"
