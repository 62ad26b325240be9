#!/usr/bin/env bash
# Two workers: app/veer with 2 worker lcores on af_packet ports of 2 queue
# pairs each (the kernel's fanout hash spreads flows over them), three
# strongSwan peers (one charon, three addresses and identities), and
# veer-flood on a third port. Then:
#   1. the three peers establish; veer warns that its ports spread without
#      RSS, and /veer/ports says so;
#   2. three TCP connections of 192 KiB from the server to each peer at once
#      (flows of one SA over both workers' queues) and 256 KiB back, SHA-256
#      equal at both ends, while the client's side of the link is captured:
#      every SA's sequence numbers arrive in order, none twice (so none 32 or
#      more below the highest sent before it: a receiver with a 32-packet
#      window, Linux's and strongSwan's default, drops none); both workers
#      sealed and opened ESP, packets handed to SA owners, none lost to a
#      full handoff ring;
#   3. a Child SA rekey of each peer under traffic: IKE of each peer reaches
#      the control lcore in order (no message ID refused);
#   4. spoofed IKE_SA_INITs from 128 sources are answered by both workers'
#      gates; the counters of telemetry sum the workers.
#
# Needs root (network namespaces), DPDK and tshark. About 30 s. Usage:
#   tests/interop/strongswan_workers.sh BUILD_DIR
set -uo pipefail
# shellcheck source=tests/interop/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/interop/lib_flood.sh
source "$(dirname "$0")/lib_flood.sh"
lab_init "${1:?usage: $0 BUILD_DIR}" vw
flood_init
command -v dumpcap >/dev/null || fail "dumpcap (package tshark) not installed"
py=/usr/bin/python3
peers=3
cap_pid=""
workers_cleanup() {
    [ -n "$cap_pid" ] && kill "$cap_pid" 2>/dev/null
    flood_cleanup
}
trap workers_cleanup EXIT

lab_topology_tunnel
flood_link
# Peer k: 198.51.100.(1+k) outside, 10.1.0.k behind it (peer 1's are the lab's own).
for k in $(seq 2 $peers); do
    ip -n "$ns_cl" addr add "198.51.100.$((1 + k))/24" dev "${tag}c"
    ip -n "$ns_cl" addr add "10.1.0.$k/32" dev lo
done

lab_psk_file
{
    cat <<EOF
dataplane:
  workers: 2
  idle_sleep_us: 50
  mbufs: 16384
  admission:
    mode: auto
    rate: 100
EOF
    flood_ports_yaml "net_af_packet2,iface=${tag}f,qpairs=2" ",qpairs=2"
    echo "peers:"
    for k in $(seq 1 $peers); do
        TUN_CLIENT_TS="10.1.0.$k/32" lab_peer_yaml "p$k" "client$k.example"
    done
} >"$work/veer.yaml"
# Three lcores (control and two workers) on the machine's CPUs, floating.
VEER_EAL_LCORES="(0-2)@(0-1)" veer_dp_start "$work/veer.yaml"

# Worker counters from one snapshot of /veer/workers (wsnap; each telemetry call takes
# seconds on a loaded machine): wcol prints counter $1's column ("a b"), wsum its sum,
# wall is true when every worker's is above 0.
wsnap() { tel /veer/workers >"$work/workers.json"; }
wread() { "$py" -c "import json,sys; c = json.load(open('$work/workers.json'))['/veer/workers']['$1']; $2"; }
wcol() { wread "$1" "print(*c)"; }
wsum() { wread "$1" "print(sum(c))"; }
wall() { wread "$1" "sys.exit(not (len(c) == 2 and all(x > 0 for x in c)))"; }

# --- 1. three peers through two workers
CHARON_ROUTES=yes charon_start
{
    echo "connections {"
    for k in $(seq 1 $peers); do
        TUN_CONN_EXTRA="local_addrs = 198.51.100.$((1 + k))" TUN_SWAN_LOCAL_TS="10.1.0.$k/32" \
            lab_swan_conn "gw$k" "local {
      auth = psk
      id = client$k.example
    }" psk "c$k"
    done
    echo "}"
    lab_swan_secrets client1.example client2.example client3.example gw.example
} >"$work/cl/swanctl.conf"
lab_swan_load "1: "
pids=()
for k in $(seq 1 $peers); do
    swan --initiate --child "c$k" --timeout 20 >"$work/initiate.$k" 2>&1 &
    pids+=($!)
done
for k in $(seq 1 $peers); do
    wait "${pids[$((k - 1))]}" || fail "1: peer $k: swan --initiate: $(tail -3 "$work/initiate.$k")"
done
for k in $(seq 1 $peers); do
    wait_for 50 ip netns exec "$ns_cl" ping -c 1 -W 1 -I "10.1.0.$k" 10.2.0.2 >/dev/null ||
        fail "1: no ping through peer $k's tunnel: $(tel /veer/workers)"
done
grep -q "warning: port outside: 2 RX queues without RSS" "$work/veer.log" ||
    fail "1: no warning about RX queues without RSS: $(grep port "$work/veer.log")"
lab_expect_tel /veer/ports '"rx_spread": \["no rss", "no rss", "no rss"\]' "1: /veer/ports"
pass "1. $peers peers established through 2 workers; RSS off on af_packet warned about and shown"

# --- 2. TCP to every peer at once, the client's side of the link captured
ip netns exec "$ns_cl" dumpcap -q -i "${tag}c" -f "udp src port 4500 and src host 198.51.100.1" \
    -B 64 -s 64 -w "$work/esp.pcapng" >"$work/dumpcap.out" 2>&1 &
cap_pid=$!
wait_for 50 test -s "$work/esp.pcapng" || fail "2: dumpcap did not start: $(cat "$work/dumpcap.out")"
wsnap
before_sent=$(wsum handoff_sent)
# Three connections per peer: three flows the fanout hash deals over both workers' queues,
# all plaintext of one SA.
pids=()
for k in $(seq 1 $peers); do
    for j in 1 2 3; do
        port=$((5100 + 10 * k + j))
        (lab_tcp_transfer "$ns_cl" "10.1.0.$k" "$ns_srv" "$port" $((192 * 1024)) ||
            echo "peer $k: sent $(cat "$work/tx.$port"), received $(cat "$work/rx.$port")" \
                >"$work/tcp.fail.$port") &
        pids+=($!)
    done
done
lab_tcp_transfer "$ns_srv" 10.2.0.2 "$ns_cl" 5200 $((256 * 1024)) ||
    fail "2: client -> server: sent $(cat "$work/tx.5200"), received $(cat "$work/rx.5200")"
wait "${pids[@]}"
for f in "$work"/tcp.fail.*; do
    [ -f "$f" ] && fail "2: server -> $(cat "$f")"
done
sleep 0.3
kill "$cap_pid"
wait "$cap_pid" 2>/dev/null
cap_pid=""
# Per SPI in arrival order: how far below the highest number sent before it each one is.
tshark -r "$work/esp.pcapng" -T fields -e esp.spi -e esp.sequence \
    -Y esp >"$work/esp.txt" 2>"$work/tshark.err" || fail "2: tshark: $(tail -2 "$work/tshark.err")"
"$py" - "$work/esp.txt" >"$work/order.txt" <<'EOF' || fail "2: $(cat "$work/order.txt")"
import sys
top, seen, worst, n = {}, set(), {}, 0
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) != 2:
        continue
    spi, seq = f[0], int(f[1])
    n += 1
    if (spi, seq) in seen:
        print(f"SPI {spi}: sequence number {seq} sent twice"); sys.exit(1)
    seen.add((spi, seq))
    behind = top.get(spi, 0) - seq
    worst[spi] = max(worst.get(spi, 0), behind)
    top[spi] = max(top.get(spi, 0), seq)
late = {s: w for s, w in worst.items() if w >= 32}
print(f"{n} ESP packets of {len(top)} SAs; furthest behind the highest sent: "
      f"{max(worst.values(), default=0)}; 32 or more behind: {late or 'none'}")
# One worker seals each SA's packets and sends them on one queue: in order, not just
# within a 32-packet window.
sys.exit(1 if any(worst.values()) or len(top) < 3 or n < 1000 else 0)
EOF
wsnap
for c in esp_encrypted esp_decrypted; do
    wall "$c" || fail "2: not both workers: $c = $(wcol "$c")"
done
sent=$(($(wsum handoff_sent) - before_sent))
[ "$sent" -gt 0 ] || fail "2: no packet handed to an SA's owner: $(wcol handoff_sent)"
[ "$(wsum handoff_sent)" = "$(wsum handoff_received)" ] ||
    fail "2: handed $(wsum handoff_sent), taken $(wsum handoff_received)"
[ "$(wsum drop_handoff_full)" = 0 ] || fail "2: drop_handoff_full: $(wcol drop_handoff_full)"
pass "2. 3 x 192 KiB to each peer at once, 256 KiB back, SHA-256 equal; $(cat "$work/order.txt"); encrypted per worker: $(wcol esp_encrypted), decrypted: $(wcol esp_decrypted), handed to owners: $sent"

# --- 3. a Child SA rekey of each peer under traffic: IKE in order; meanwhile veer-flood's
# spoofed IKE_SA_INITs from 128 sources on the third port
wsnap
before=$(wcol gate_cookies)
flood_start "$ns_fl" "net_af_packet0,iface=${tag}F" --rate 20000 --duration 4
before_bad=$(ike_count rx_bad_msg_id)
ip netns exec "$ns_cl" ping -f -w 3 -I 10.1.0.1 10.2.0.2 >/dev/null 2>&1 &
ping_pid=$!
for k in $(seq 1 $peers); do
    swan --rekey --child "c$k" >"$work/rekey.$k" 2>&1 || fail "3: swan --rekey --child c$k"
done
wait "$ping_pid"
wait_for 50 sh -c "[ \"\$(ip netns exec $ns_cl swanctl --list-sas --uri unix://$work/cl/vici 2>/dev/null | grep -c '^ *in  ')\" = $peers ]" ||
    fail "3: the rekeys did not settle: $(swan --list-sas 2>&1 | grep -c '^ *in  ') Child SAs"
bad=$(ike_count rx_bad_msg_id)
[ "$bad" = "${before_bad:-0}" ] || fail "3: IKE messages refused for their message ID: $bad"
for k in $(seq 1 $peers); do
    ip netns exec "$ns_cl" ping -c 2 -i 0.2 -W 1 -I "10.1.0.$k" 10.2.0.2 >/dev/null 2>&1 ||
        fail "3: no traffic over peer $k's new Child SA"
done
pass "3. each peer's Child SA rekeyed under traffic; no IKE message out of order (rx_bad_msg_id $bad)"

# --- 4. the flood over both workers' gates
wait "$flood_pid"
flood_pid=""
wsnap
"$py" - "$before" "$(wcol gate_cookies)" <<'EOF' || fail "4: gate_cookies per worker: before $before, after $(wcol gate_cookies)"
import sys
a, b = [int(x) for x in sys.argv[1].split()], [int(x) for x in sys.argv[2].split()]
sys.exit(not all(y - x > 100 for x, y in zip(a, b)))
EOF
# veerctl's counters: one column per worker and their total.
veerctl="$(cd "$(dirname "$0")/../.." && pwd)/app/veerctl/veerctl"
"$veerctl" --prefix "$tag" counters --json >"$work/counters.json" 2>"$work/veerctl.err" ||
    fail "4: veerctl counters: $(cat "$work/veerctl.err")"
sum=$("$py" - "$work/counters.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
per = [w["gate_cookies"] for w in d["workers"]]
print(d["total"]["gate_cookies"] if len(per) == 2 and d["total"]["gate_cookies"] == sum(per) else "")
EOF
)
[ -n "$sum" ] || fail "4: veerctl counters --json does not sum the 2 workers: $(head -c 600 "$work/counters.json")"
kill -0 "$veer_pid" 2>/dev/null || fail "4: veer died"
pass "4. the flood answered by both gates: COOKIEs per worker $(wcol gate_cookies), veerctl's total $sum"
echo "strongswan_workers: all checks passed"
