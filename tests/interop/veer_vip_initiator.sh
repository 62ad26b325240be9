#!/usr/bin/env bash
# veer-ike as a remote-access client: it asks a strongSwan 5.9 responder for
# a virtual IPv4 address (`vips: [0.0.0.0]`, a CFG_REQUEST in IKE_AUTH, RFC
# 7296 2.19), strongSwan leases one from its pool, and veer's Child SA has
# that address, and nothing wider, as its side.
# Asserts: both agree on the IKE and Child SA SPIs and keys; veer's state
# shows the address strongSwan lists for it; the Child SA's selectors on
# strongSwan's side are exactly that host; veer's delete frees the lease.
#
# Needs root (network namespaces). Cleans up on exit. Usage:
#   tests/interop/veer_vip_initiator.sh BUILD_DIR
set -uo pipefail
# shellcheck source=tests/interop/lib.sh
source "$(dirname "$0")/lib.sh"
lab_init "${1:?usage: $0 BUILD_DIR}" vk
lab_topology
# strongSwan is the gateway here, in the "client" namespace (198.51.100.2, 10.1.0.1 behind it).

charon_start
cat >"$work/cl/swanctl.conf" <<EOF
connections {
  branch {
    version = 2
    proposals = aes128gcm16-prfsha256-x25519
    encap = yes
    pools = vip
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
        remote_ts = dynamic
        esp_proposals = aes128gcm16
      }
    }
  }
}
pools {
  vip {
    addrs = 10.9.0.0/28
  }
}
EOF
lab_swan_secrets hq.example branch.example >>"$work/cl/swanctl.conf"
lab_swan_load

lab_psk_file
{
    printf 'gateway:\n  listen: [198.51.100.1]\npeers:\n'
    TUN_CLIENT_TS=10.1.0.0/24 TUN_PEER_EXTRA="    remote: 198.51.100.2
    vips: [0.0.0.0]" lab_peer_yaml hq hq.example branch.example
} >"$work/veer.yaml"
veer_ike_initiate hq
lab_wait_initiated
lab_expect_initiator_sa_agree
pass "veer initiated with a CFG_REQUEST; IKE SA $swan_spi_i/$swan_spi_r and Child SA $swan_in/$swan_out agreed, keys equal"

vip=$(sed -n 's/^ike_sa .* vips=\([0-9.]*\).*/\1/p' "$work/state")
[ "$vip" = 10.9.0.1 ] || fail "veer's state shows vips=\"$vip\": $(grep ^ike_sa "$work/state")"
swan --list-sas >"$work/sas.out" 2>/dev/null
grep -q "remote 'branch.example' @ 198.51.100.1\[4500\] \[10.9.0.1\]" "$work/sas.out" ||
    fail "strongSwan does not list 10.9.0.1 as veer's virtual IP: $(cat "$work/sas.out")"
grep -q "remote 10.9.0.1/32$" "$work/sas.out" ||
    fail "the Child SA's selector on veer's side is not 10.9.0.1/32: $(cat "$work/sas.out")"
[ "$(sed -n 's/^counter cp_addresses_received=//p' "$work/state")" = 1 ] ||
    fail "cp_addresses_received: $(grep cp_ "$work/state")"
pass "strongSwan leased 10.9.0.1 to veer; the Child SA carries exactly that host on veer's side"

lab_veer_ike_stop_deletes
swan --list-pools --leases >"$work/pools.out" 2>&1
grep -q "10.9.0.1 *offline *'branch.example'" "$work/pools.out" ||
    fail "strongSwan's lease is not offline after veer left: $(cat "$work/pools.out")"
pass "veer's delete freed the lease on strongSwan's side"
echo "veer_vip_initiator: all checks passed"
