#!/usr/bin/env bash
# Interop through the DPDK dataplane: app/veer owns the gateway's end of the
# link through net_af_packet; its worker lcore classifies every frame and
# hands ARP and IKE to the control lcore over a ring, which answers ARP for
# the gateway's address and runs IKE. A strongSwan 5.9 client establishes an
# IKE SA and a Child SA (PSK, X25519, AES-GCM, NAT-T); veer deletes it.
#
# Asserts: the client resolved veer's MAC by ARP, both sides agree on the IKE
# and Child SA SPIs, veer's worker handed the packets to the control lcore
# with no ring drops, the telemetry socket (owner-only) shows the SA, the
# workers and the ports, refuses malformed commands with error objects, and
# deletes the SA on request, which strongSwan then removes too.
#
# Needs root (network namespaces) and DPDK. Cleans up on exit. Usage:
#   tests/interop/strongswan_dpdk.sh BUILD_DIR
set -uo pipefail
# shellcheck source=tests/interop/lib.sh
source "$(dirname "$0")/lib.sh"
lab_init "${1:?usage: $0 BUILD_DIR}" vd
lab_topology_dpdk

lab_psk_file
{
    lab_dp_outside_yaml
    echo "peers:"
    lab_peer_yaml
} >"$work/veer.yaml"
veer_dp_start "$work/veer.yaml"

# ARP through the dataplane: the client learns veer's MAC.
ip netns exec "$ns_cl" ping -c 1 -W 1 198.51.100.1 >/dev/null 2>&1 # the first one waits for ARP
wait_for 30 sh -c "ip -n $ns_cl neigh show 198.51.100.1 | grep -q lladdr" ||
    fail "the client never learnt veer's MAC by ARP"
pass "ARP answered by veer's control lcore through the worker and the ring"
# The gateway answers ping itself, in the worker (lib/dp/worker/echo.c).
ip netns exec "$ns_cl" ping -c 3 -i 0.2 -W 1 198.51.100.1 >"$work/ping-gw.out" 2>&1 ||
    fail "veer did not answer ping: $(cat "$work/ping-gw.out")"
[ "$(wcount icmp_echo_replied)" -ge 3 ] || fail "icmp_echo_replied: $(wcount icmp_echo_replied)"
pass "ping to veer's address answered by the worker ($(wcount icmp_echo_replied) echo replies)"

charon_start
lab_tunnel_swanctl_conf
lab_swan_load
lab_swan_initiate
lab_expect_sa_agree "" 20
grep -q "natt=yes" "$work/state" || fail "veer did not move to port 4500"
pass "IKE SA $swan_spi_i/$swan_spi_r and Child SA $swan_in/$swan_out agreed through the DPDK dataplane (NAT-T)"

to_ctrl=$(sed -n 's/^worker0 to_control=//p' "$work/state")
ring_full=$(sed -n 's/^worker0 drop_ring_full=//p' "$work/state")
rx_ike=$(sed -n 's/^ctrl rx_ike=//p' "$work/state")
[ "${to_ctrl:-0}" -ge 3 ] && [ "${rx_ike:-0}" -ge 2 ] && [ "${ring_full:-1}" = 0 ] ||
    fail "worker/control counters: to_control=$to_ctrl rx_ike=$rx_ike ring_full=$ring_full"
pass "worker handed $to_ctrl packets to the control lcore, no ring drops"

# --- the telemetry socket (dpdk-telemetry.py)
sock=$(find /var/run/dpdk/"$tag" -name dpdk_telemetry.v2 2>/dev/null | head -n1)
[ -n "$sock" ] || fail "no telemetry socket"
[ "$(stat -c %a "$sock")" = 600 ] || fail "telemetry socket mode $(stat -c %a "$sock"), not 600"
pass "telemetry socket is owner-only ($sock)"
tel_one_sa "$swan_spi_i" "$swan_spi_r" "$swan_out/$swan_in" ||
    fail "/veer/ike/sas (SA or its children): $(tel /veer/ike/sas)"
lab_expect_tel /veer/workers '"workers": 1, "rx_packets": \[[1-9]' /veer/workers
lab_expect_tel /veer/ports '"name": \["outside"\], .*"address": \["198.51.100.1"\], .*"ipackets": \[[1-9]' /veer/ports
lab_expect_tel /veer/ike/counters '"sa_established": 1' /veer/ike/counters
lab_expect_tel /veer/control '"rx_ike": [1-9]' /veer/control
pass "telemetry: /veer/ike/sas, /veer/workers, /veer/ports, /veer/control and /veer/ike/counters show the SA and traffic"
for bad in "/veer/ike/sas,abc" "/veer/ike/delete,zz" "/veer/ike/delete,1" "/veer/version,x" \
    "/veer/ike/delete,1,2"; do
    out=$(tel "$bad")
    echo "$out" | grep -q '"error": "' || fail "$bad gave no error object: $out"
done
kill -0 "$veer_pid" 2>/dev/null || fail "veer died on malformed telemetry commands"
pass "malformed and unknown-SA telemetry commands get error objects; veer keeps running"

# --- delete from veer, through telemetry: strongSwan is told and removes it too
lab_expect_tel "/veer/ike/delete,$swan_spi_i,$swan_spi_r" '"deleting"' /veer/ike/delete
wait_for 50 veer_has_no_sa || fail "veer kept the SA it deleted"
wait_for 50 swan_lacks ESTABLISHED ||
    fail "strongSwan kept the SA veer deleted"
pass "/veer/ike/delete removed the SA on both sides"

veer_dp_stop
pass "veer stopped cleanly on SIGTERM"
echo "strongswan_dpdk: all checks passed"
