#!/usr/bin/env bash
# Interop with veer as the initiator: strongSwan 5.9 is the responder (a
# gateway accepting a branch office), veer-ike starts the IKE SA and its Child
# SA (PSK, X25519, AES-GCM; kernel-libipsec makes strongSwan insist on ESP in
# UDP, so both move to 4500), then veer deletes it.
# Asserts: both sides agree on the IKE SPIs (veer the initiator) and the Child
# SA SPIs, the Child SA keys veer derived equal strongSwan's, and veer's Delete
# removes the SA on both sides.
#
# Needs root (network namespaces). Cleans up on exit. Usage:
#   tests/interop/strongswan_initiator.sh BUILD_DIR
set -uo pipefail
# shellcheck source=tests/interop/lib.sh
source "$(dirname "$0")/lib.sh"
lab_init "${1:?usage: $0 BUILD_DIR}" vi
lab_topology
# strongSwan is the gateway here, in the "client" namespace (198.51.100.2, 10.1.0.1 behind it).

charon_start
cat >"$work/cl/swanctl.conf" <<EOF
connections {
  branch {
    version = 2
    proposals = aes128gcm16-prfsha256-x25519
    encap = yes
    local {
      auth = psk
      id = hq.example
    }
    remote {
      auth = psk
      id = branch.example
    }
    children {
      net {
        local_ts = 10.1.0.0/24
        remote_ts = 10.2.0.0/24
        esp_proposals = aes128gcm16
      }
    }
  }
}
secrets {
  ike-branch {
    id-1 = hq.example
    id-2 = branch.example
    secret = "labsecret-0123456789"
  }
}
EOF
swan --load-all --file "$work/cl/swanctl.conf" >"$work/load.out" 2>&1 || fail "swan --load-all"

printf 'labsecret-0123456789' >"$work/psk"
chmod 600 "$work/psk"
cat >"$work/veer.yaml" <<EOF
gateway:
  listen: [198.51.100.1]
peers:
  - name: hq
    local_id: branch.example
    remote_id: hq.example
    remote: 198.51.100.2
    psk_file: $work/psk
    ike_proposals: [aes128gcm16-prfsha256-x25519]
    esp_proposals: [aes128gcm16]
    local_ts: [10.2.0.0/24]
    remote_ts: [10.1.0.0/24]
EOF
ip netns exec "$ns_gw" "$veer_ike" -c "$work/veer.yaml" --initiate hq --state-file "$work/state" \
    --log-keys -v >"$work/veer.log" 2>&1 &
veer_pid=$!
wait_for 100 grep -q "state=ESTABLISHED" "$work/state" || fail "veer: no IKE SA established"
wait_for 50 sh -c "ip netns exec $ns_cl swanctl --list-sas --uri unix://$work/cl/vici 2>/dev/null | grep -q INSTALLED" ||
    fail "strongSwan: no Child SA installed"
swan --list-sas >"$work/sas.out" 2>/dev/null
read -r si sr < <(swan_ike_spis "$work/sas.out")
grep -q "^ike_sa spi_i=$si spi_r=$sr role=initiator state=ESTABLISHED" "$work/state" ||
    fail "IKE SPIs differ or veer is not the initiator: strongSwan $si/$sr"
pass "veer initiated; IKE SA $si/$sr established on both sides"
read -r swan_in swan_out < <(swan_child_spis "$work/sas.out")
grep -q "child_in=$swan_out child_out=$swan_in" "$work/state" ||
    fail "Child SPIs differ: strongSwan in=$swan_in out=$swan_out"
grep -q "natt=yes" "$work/state" || fail "veer did not follow strongSwan to port 4500"
keys_match_child "$swan_out" || fail "Child SA keys differ from strongSwan's"
pass "Child SA $swan_in/$swan_out agreed, keys equal on both sides"

# veer deletes: on SIGTERM veer-ike deletes its IKE SAs (INFORMATIONAL Delete) before it exits.
kill -TERM "$veer_pid"
wait "$veer_pid" 2>/dev/null
veer_pid=""
wait_for 100 sh -c "! ip netns exec $ns_cl swanctl --list-sas --uri unix://$work/cl/vici 2>/dev/null | grep -q ESTABLISHED" ||
    fail "strongSwan kept the SA after veer stopped"
pass "veer's shutdown deleted the SA on strongSwan's side"
echo "strongswan_initiator: all checks passed"
