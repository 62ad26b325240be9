#!/usr/bin/env bash
# Receive losses of an af_packet port, shown where an operator looks: DPDK
# 22.11's af_packet PMD reports no imissed, so when veer reads its packet
# ring too slowly the kernel drops frames unseen. /veer/ports compares the
# interface's own kernel count with what the PMD delivered (kernel_rx,
# kernel_unread). Here veer's worker sleeps 20 ms whenever its ring is empty
# and the ring holds 64 frames, and the client sends 20,000 UDP datagrams
# as fast as it can: some must be lost, and the telemetry must say so.
#
# Needs root (network namespaces) and DPDK. Cleans up on exit. Usage:
#   tests/interop/af_packet_loss.sh BUILD_DIR
set -uo pipefail
# shellcheck source=tests/interop/lib.sh
source "$(dirname "$0")/lib.sh"
lab_init "${1:?usage: $0 BUILD_DIR}" vl
lab_topology_dpdk

cat >"$work/veer.yaml" <<EOF
dataplane:
  workers: 1
  idle_sleep_us: 20000
  mbufs: 4096
  ports:
    - name: outside
      device: net_af_packet0,iface=${tag}g,framecnt=64
      address: 198.51.100.1/24
peers:
EOF
lab_psk_file
lab_peer_yaml >>"$work/veer.yaml"
veer_dp_start "$work/veer.yaml"
wait_for 50 ip netns exec "$ns_cl" ping -c 1 -W 1 198.51.100.1 || fail "veer did not answer ping"

port_col() { tel /veer/ports | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['/veer/ports']['$1'][0])"; }
before=$(port_col kernel_rx)
ip netns exec "$ns_cl" /usr/bin/python3 - <<'EOF'
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(20000):
    s.sendto(b"x" * 64, ("198.51.100.1", 9))
EOF
sleep 1
# One reply, so the three figures are of one moment.
read -r krx unread ipk < <(tel /veer/ports | /usr/bin/python3 -c "import json,sys
p=json.load(sys.stdin)['/veer/ports']; print(p['kernel_rx'][0], p['kernel_unread'][0], p['ipackets'][0])")
sent=$((krx - before))
[ "$sent" -ge 20000 ] || fail "kernel_rx grew by $sent, not the 20000 sent: $(tel /veer/ports)"
[ "$unread" -gt 0 ] || fail "no loss shown although the ring was too small: $(tel /veer/ports)"
# What the kernel got is what the PMD delivered plus what it never read.
[ $((ipk + unread)) -eq "$krx" ] || fail "ipackets $ipk + kernel_unread $unread != kernel_rx $krx"
pass "20000 datagrams into a 64-frame ring read every 20 ms: /veer/ports shows kernel_rx $krx, ipackets $ipk, kernel_unread $unread (imissed $(port_col imissed))"
veer_dp_stop
echo "af_packet_loss: all checks passed"
