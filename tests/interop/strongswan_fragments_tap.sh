#!/usr/bin/env bash
# veer's own IPv4 reassembly against a real peer. app/veer's outside port is
# a net_tap (af_packet would not do: DPDK's af_packet PMD joins a
# PACKET_FANOUT group with PACKET_FANOUT_FLAG_DEFRAG, so the kernel reassembles
# before veer sees anything); once veer runs, the TAP interface is moved into
# the client's namespace and becomes the client's link, with a route of MTU
# 1280 to veer. A strongSwan 5.9 client (kernel-libipsec) then:
#   1. authenticates with RSA certificates and IKE fragmentation off, so its
#      IKE_AUTH (about 1.7 KB) leaves in two IP fragments: veer reassembles it
#      on a worker (reass_packets) and its control plane establishes the SA
#      (no RFC 7383 fragment counted);
#   2. pings the server behind veer with 1400-byte packets without DF: its
#      ESP-in-UDP packets (about 1460 bytes) leave in two fragments each, veer
#      reassembles, decrypts and forwards them; the replies are pre-fragmented;
#   3. sends 1 MiB over TCP to the server, and receives 1 MiB back, SHA-256
#      equal at both ends; nothing counted as invalid, timed out or refused.
#
# Needs root (network namespaces), DPDK and openssl. Cleans up on exit. Usage:
#   tests/interop/strongswan_fragments_tap.sh BUILD_DIR
set -uo pipefail
# shellcheck source=tests/interop/lib.sh
source "$(dirname "$0")/lib.sh"
lab_init "${1:?usage: $0 BUILD_DIR}" vr
command -v openssl >/dev/null || fail "openssl command not installed"
lab_topology_tap

lab_make_pki rsa
pki="$work/pki-rsa"
TUN_TOP_EXTRA="gateway:
  cacerts: [$pki/ca.pem]" \
    TUN_DP_EXTRA="  reassembly: {flows: 256, timeout_ms: 1000}" \
    TUN_OUTSIDE_DEVICE="net_tap0,iface=$tap" TUN_OUTSIDE_EXTRA="      mtu: 1280" \
    TUN_PEER_NAME=cert-clients TUN_PEER_AUTH="    auth: pubkey
    cert: $pki/gw.pem
    key: $pki/gw.key" lab_tunnel_veer_yaml
veer_dp_start "$work/veer.yaml"
lab_tap_to_client

CHARON_ROUTES=yes charon_start
lab_swan_load_cert_conn "$pki" "fragmentation = no"

# --- 1. IKE_AUTH with certificates in IP fragments
lab_swan_initiate "1: " "tel /veer/workers"
ike_reass=$(wcount reass_packets)
[ "$ike_reass" -ge 1 ] || fail "1: veer reassembled no IKE message: $(tel /veer/workers)"
grep -q '^counter rx_fragments=0$' "$work/state" || fail "1: IKE fragments (RFC 7383) were used"
pass "1. IKE_AUTH with RSA certificates in IP fragments: $(wcount reass_fragments) fragments reassembled into $ike_reass datagram(s) by veer, SA established"

# --- 2. 1400-byte pings, ESP in UDP in IP fragments
lab_ping_1400 2 || fail "2: 1400-byte pings: $(tail -2 "$work/ping.out"); $(tel /veer/workers)"
[ "$reass" -ge 5 ] || fail "2: veer reassembled $reass ESP packets, expected 5"
[ "$frag" -ge 5 ] || fail "2: veer pre-fragmented $frag replies, expected 5"
pass "2. 1400-byte pings: $reass fragmented ESP-in-UDP packets reassembled and decrypted by veer, $frag replies pre-fragmented"

# --- 3. TCP each way
before=$(wcount reass_packets)
lab_tcp_mib_clean 3
pass "3. 1 MiB each way over TCP, SHA-256 equal ($(($(wcount reass_packets) - before)) datagrams reassembled by veer meanwhile); no reassembly failure counted"
