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
{
    echo "connections {"
    lab_swan_branch_conn "auth = psk
      id = hq.example" "auth = psk
      id = branch.example"
    echo "}"
    lab_swan_secrets hq.example branch.example
} >"$work/cl/swanctl.conf"
lab_swan_load

lab_psk_file
{
    printf 'gateway:\n  listen: [198.51.100.1]\npeers:\n'
    TUN_CLIENT_TS=10.1.0.0/24 TUN_PEER_EXTRA="    remote: 198.51.100.2" \
        lab_peer_yaml hq hq.example branch.example
} >"$work/veer.yaml"
veer_ike_initiate hq
lab_wait_initiated
lab_expect_initiator_sa_agree
pass "veer initiated; IKE SA $swan_spi_i/$swan_spi_r established on both sides"
grep -q "natt=yes" "$work/state" || fail "veer did not follow strongSwan to port 4500"
pass "Child SA $swan_in/$swan_out agreed, keys equal on both sides"

# veer deletes: on SIGTERM veer-ike deletes its IKE SAs (INFORMATIONAL Delete) before it exits.
lab_veer_ike_stop_deletes
pass "veer's shutdown deleted the SA on strongSwan's side"
echo "strongswan_initiator: all checks passed"
