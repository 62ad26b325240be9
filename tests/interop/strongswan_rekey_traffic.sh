#!/usr/bin/env bash
# Rekeys while traffic flows through app/veer (DPDK, af_packet): a strongSwan
# 5.9 client (kernel-libipsec, ESP in UDP/4500) with a server behind veer.
#   a. strongSwan rekeys the IKE SA during an 8 MiB TCP transfer: the transfer
#      arrives intact (SHA-256), the Child SA is untouched, and the new IKE SA
#      carries the next exchanges (veer's Child SA rekey in c goes over it);
#   b. veer rekeys the Child SA on its own timer (child_rekey_time) while a
#      UDP echo stream of 100 datagrams/s runs: at most LOSS_MAX lost;
#   c. veer rekeys the IKE SA on its own timer (ike_rekey_time) under the same
#      stream: likewise, and the Child SA keeps its SPIs.
# After each step both views agree: swanctl --list-sas, veer's state file and
# its telemetry (/veer/ike/sas, /veer/ike/counters) show one IKE SA and one
# Child SA with the same SPIs.
#
# Loss bound: the stream is sequence-numbered and echoed by the server, so a
# datagram counts as lost only if it or its echo never came back (the sender
# waits 1 s, hundreds of round trips, for the last echoes, so nothing in flight at the end is counted).
# A Child SA rekey may lose what one end sends on the new SA before the other
# has installed it: the packets in flight during one CREATE_CHILD_SA
# response, a few ms, i.e. at most a datagram or two at 100/s. LOSS_MAX (5)
# leaves room for a stalled scheduler on a loaded 2-core machine; the stream
# being lost altogether across a rekey (hundreds of datagrams) fails it.
#
# Timers (rekey_jitter 0), from the first Child SA's birth t0: strongSwan's
# IKE SA rekey at about t0+2; veer's Child SA rekeys at t0+20 (b), t0+40, ...;
# veer's IKE SA rekey at about t0+30 (c), 28 s after strongSwan's. A step
# takes about 5 s past its rekey (1 s more stream, 1 s for the last echoes,
# the checks over swanctl and telemetry), so b is over by about t0+25 and
# c's stream runs from then; c is over by about t0+35 and the last step
# (strongSwan's Child SA rekey, which restarts veer's timer) starts before
# t0+40: each step sees only its own rekey, with 4-5 s to spare on a loaded
# machine. strongSwan rekeys nothing on its own. About 45 s.
#
# Needs root (network namespaces) and DPDK. Cleans up on exit. Usage:
#   tests/interop/strongswan_rekey_traffic.sh BUILD_DIR
set -uo pipefail
# shellcheck source=tests/interop/lib.sh
source "$(dirname "$0")/lib.sh"
lab_init "${1:?usage: $0 BUILD_DIR}" vk
lab_topology_tunnel
py=/usr/bin/python3
LOSS_MAX=${LOSS_MAX:-5}
# Seconds since the SA was established, in the messages: the steps depend on veer's timers.
at() { echo "t0+$((SECONDS - t0))s"; }

TUN_PEER_EXTRA="    child_rekey_time: 20s
    child_life_time: 1h
    ike_rekey_time: 28s
    rekey_jitter: 0" TUN_CONN_EXTRA="rekey_time = 0" TUN_CHILD_EXTRA="rekey_time = 0" lab_tunnel_up

counter() { tel /veer/ike/counters | sed -n "s/.*\"$1\": \([0-9]*\).*/\1/p"; }

# Both views show exactly one IKE SA and one Child SA with the same SPIs.
# Sets ike_spis ("spi_i/spi_r") and child ("veer_in/veer_out").
agree() {
    swan_one_sa_agree || return 1
    tel_one_sa "$swan_spi_i" "$swan_spi_r" "$swan_out/$swan_in" || return 1
    ike_spis="$swan_spi_i/$swan_spi_r"
    child="$swan_out/$swan_in"
}

# The echo server behind veer, and the stream's sender on the client: one
# sequence-numbered datagram every 10 ms until $work/stop.N appears, then 1 s
# for the last echoes; prints "sent N echoed M lost L first_lost_seqs...".
cat >"$work/echo.py" <<'PY'
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.2.0.2", 7000))
while True:
    b, a = s.recvfrom(2048)
    s.sendto(b, a)
PY
cat >"$work/stream.py" <<'PY'
import os, socket, struct, sys, time
stop, limit = sys.argv[1], float(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.1.0.1", 0))
s.setblocking(False)
got, sent, start = set(), 0, time.monotonic()
def drain():
    while True:
        try:
            b = s.recv(2048)
        except BlockingIOError:
            return
        if len(b) >= 4:
            got.add(struct.unpack("!I", b[:4])[0])
nxt = start
while not os.path.exists(stop) and time.monotonic() - start < limit:
    s.sendto(struct.pack("!I", sent) + bytes(60), ("10.2.0.2", 7000))
    sent += 1
    nxt += 0.01
    while time.monotonic() < nxt:
        drain()
        time.sleep(0.001)
end = time.monotonic() + 1
while time.monotonic() < end:
    drain()
    time.sleep(0.01)
lost = [i for i in range(sent) if i not in got]
print("sent", sent, "echoed", len(got), "lost", len(lost), *lost[:20])
PY
ip netns exec "$ns_srv" "$py" "$work/echo.py" >/dev/null 2>&1 &
echo_pid=$!
trap 'kill $echo_pid 2>/dev/null; lab_cleanup' EXIT

# Runs the stream until veer's counter $1 reaches $2 (bounded by $3 tenths of
# a second) and 1 s more; fails unless the event fell inside the stream and at
# most LOSS_MAX datagrams were lost, then unless both views agree within 5 s
# after it ($5 names the rekey). $4 names the step. Sets stream_result, and
# unknown_before (veer's drop_esp_unknown_spi before the stream).
stream_across() {
    local what=$4 n=$1 target=$2 bound=$3 sid=$RANDOM
    unknown_before=$(wcount drop_esp_unknown_spi)
    rm -f "$work/stop.$sid"
    ip netns exec "$ns_cl" "$py" "$work/stream.py" "$work/stop.$sid" 60 >"$work/stream.$sid" 2>&1 &
    local sp=$!
    sleep 1
    [ "$(counter "$n")" -lt "$target" ] || fail "$what: $n reached $target before the stream started"
    wait_for "$bound" sh -c "[ \"\$(sed -n 's/^counter $n=//p' '$work/state')\" -ge $target ]" || {
        touch "$work/stop.$sid"
        wait "$sp"
        fail "$what: veer's $n did not reach $target"
    }
    kill -0 "$sp" 2>/dev/null || fail "$what: the stream ended before the rekey"
    echo "$what: $n=$target at $(at)"
    sleep 1
    touch "$work/stop.$sid"
    wait "$sp"
    stream_result=$(cat "$work/stream.$sid")
    local sent lost
    read -r _ sent _ _ _ lost _ <<<"$stream_result"
    [ "${sent:-0}" -ge 300 ] || fail "$what: stream too short: $stream_result"
    [ "${lost:-999}" -le "$LOSS_MAX" ] || fail "$what: more than $LOSS_MAX lost: $stream_result"
    wait_for 50 agree || fail "$what: after $5 the two sides differ"
}

t0=$SECONDS
wait_for 50 agree || fail "not established alike on both sides"
first_ike=$ike_spis
first_child=$child
wait_for 50 ip netns exec "$ns_cl" ping -c 1 -W 1 -I 10.1.0.1 10.2.0.2 ||
    fail "no ping reply from the server through the tunnel"
pass "[$(at)] established: IKE SA $first_ike, Child SA $first_child; ping through the tunnel"

# --- a. strongSwan rekeys the IKE SA during a TCP transfer (about t0+1)
# A short transfer first: it writes lab.sh's tcp.py and shows TCP crosses at all.
lab_tcp_transfer "$ns_srv" 10.2.0.2 "$ns_cl" 5000 65536 || fail "a: 64 KiB warm-up transfer"
size=$((8 * 1024 * 1024))
ip netns exec "$ns_srv" timeout 60 "$py" "$work/tcp.py" serve 10.2.0.2 5001 $size \
    >"$work/rx.5001" 2>&1 &
rx=$!
sleep 0.5
# Paced (64 KiB every 20 ms, at least 2.6 s), so that the rekey falls inside
# the transfer however fast the machine is; same output as tcp.py's sender.
ip netns exec "$ns_cl" timeout 60 "$py" - 10.2.0.2 5001 $size >"$work/tx.5001" 2>&1 <<'PY' &
import hashlib, os, socket, sys, time
host, port, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
data = os.urandom(size)
s = socket.create_connection((host, port), timeout=30)
for off in range(0, size, 65536):
    s.sendall(data[off:off + 65536])
    time.sleep(0.02)
s.close()
print(size, hashlib.sha256(data).hexdigest())
PY
tx=$!
sleep 0.5
swan --rekey --ike gw >"$work/rekey-ike.out" 2>&1 || fail "a: swan --rekey --ike"
kill -0 "$tx" 2>/dev/null || fail "a: the transfer was over before the rekey completed"
wait_for 50 veer_counter_is ike_rekeyed 1 ||
    fail "a: veer did not count the IKE SA rekey"
wait "$tx"
wait "$rx"
[ -s "$work/rx.5001" ] && [ "$(cat "$work/rx.5001")" = "$(cat "$work/tx.5001")" ] ||
    fail "a: transfer across the IKE SA rekey: sent $(cat "$work/tx.5001"), received $(cat "$work/rx.5001")"
wait_for 50 agree || fail "a: after strongSwan's IKE SA rekey the two sides differ"
[ "$ike_spis" != "$first_ike" ] || fail "a: the IKE SA kept its SPIs"
[ "$child" = "$first_child" ] || fail "a: the Child SA changed with the IKE SA ($first_child -> $child)"
grep -q "^ike_sa .* role=responder " "$work/state" || fail "a: veer should be the new IKE SA's responder"
swan_ike=$ike_spis
pass "[$(at)] a. IKE SA rekeyed by strongSwan ($first_ike -> $swan_ike) during 8 MiB over TCP: arrived intact, Child SA $child kept"

# --- b. veer rekeys the Child SA on its timer under the UDP stream
stream_across child_rekeyed 1 150 "b" "veer's Child SA rekey"
[ "$child" != "$first_child" ] || fail "b: the Child SA kept its SPIs"
[ "$ike_spis" = "$swan_ike" ] || fail "b: the IKE SA changed with the Child SA rekey"
# It went over strongSwan's new IKE SA: the old one is gone on both sides (agree: one IKE SA).
grep -q "parsed CREATE_CHILD_SA request" "$work/charon.log" ||
    fail "b: strongSwan logged no CREATE_CHILD_SA request from veer"
veer_child=$child
pass "[$(at)] b. Child SA rekeyed by veer ($first_child -> $veer_child) over the IKE SA strongSwan made; stream: $stream_result; unknown-SPI drops $(($(wcount drop_esp_unknown_spi) - unknown_before))"

# --- c. veer rekeys the IKE SA on its timer under the UDP stream
stream_across ike_rekeyed 2 150 "c" "veer's IKE SA rekey"
[ "$ike_spis" != "$swan_ike" ] || fail "c: the IKE SA kept its SPIs"
[ "$child" = "$veer_child" ] || fail "c: the Child SA changed with the IKE SA ($veer_child -> $child)"
grep -q "^ike_sa .* role=initiator " "$work/state" ||
    fail "c: veer, having rekeyed, should be the new IKE SA's original initiator"
pass "[$(at)] c. IKE SA rekeyed by veer ($swan_ike -> $ike_spis), Child SA $child kept; stream: $stream_result; unknown-SPI drops $(($(wcount drop_esp_unknown_spi) - unknown_before))"

# The IKE SA veer made carries an exchange: strongSwan rekeys the Child SA over it.
swan --rekey --child c >"$work/rekey-child.out" 2>&1 || fail "swan --rekey --child"
wait_for 50 veer_counter_is child_rekeyed 2 ||
    fail "veer did not count strongSwan's Child SA rekey over veer's new IKE SA"
wait_for 50 agree || fail "after the last Child SA rekey the two sides differ"
ip netns exec "$ns_cl" ping -c 3 -i 0.2 -W 1 -I 10.1.0.1 10.2.0.2 >/dev/null 2>&1 ||
    fail "no traffic over the last Child SA"
[ "$(counter auth_failed)" = 0 ] && [ "$(counter peer_dead)" = 0 ] ||
    fail "unexpected counters: $(tel /veer/ike/counters)"
pass "[$(at)] the IKE SA veer made carries strongSwan's Child SA rekey ($veer_child -> $child); ping goes on"
echo "strongswan_rekey_traffic: all checks passed"
