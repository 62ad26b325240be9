#!/usr/bin/env bash
# The flood test at memif speed: app/veer-flood on a net_memif port of its own
# (no kernel in its path) sends spoofed new IKE_SA_INITs from 203.0.113.0/25
# flat out (or FLOOD_RATE/s) into app/veer's one worker, while 20 strongSwan
# clients (which announce REDIRECT_SUPPORTED) connect through an af_packet port.
# admission: auto, overload_policy cookie-first, a redirect target.
#   1. the flood rate reached at veer's worker, measured over 2 s from its
#      rx_packets, is at least FLOOD_MIN_RATE (default 1,000,000/s);
#   2. all 20 clients establish and pass a ping under the flood, served here:
#      asked for a cookie, not redirected (gate_cookie_first,
#      gate_cookie_served_redirect_capable), no REDIRECT at all;
#   3. no admitted request was lost on the control ring; veer's resident set
#      stays flat;
#   4. the control lcore saturated for real (the flood now returns every
#      cookie: proven requests that the gate always admits, each one a DH),
#      the clients' new IKE_SA_INITs are redirected (gate_redirect_saturated),
#      and the flood (no REDIRECT support) got none of those REDIRECTs.
# The memif socket is abstract in DPDK 22.11: veer-flood runs in veer's
# namespace. veer-flood on CPU 0 with veer's control lcore and the clients,
# veer's worker on CPU 1. About 35 s on a quiet machine; each telemetry read
# takes seconds when the machine is loaded.
#
# Needs root (network namespaces) and DPDK. Cleans up on exit. Usage:
#   tests/interop/strongswan_flood_memif.sh BUILD_DIR
set -uo pipefail
# shellcheck source=tests/interop/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=tests/interop/lib_flood.sh
source "$(dirname "$0")/lib_flood.sh"
lab_init "${1:?usage: $0 BUILD_DIR}" vm
flood_init
clients=${FLOOD_CLIENTS:-20}
flood_rate=${FLOOD_RATE:-0}            # requests per second, 0: flat out
min_rate=${FLOOD_MIN_RATE:-1000000}    # what check 1 requires at veer's worker
saturate_rate=${FLOOD_SATURATE_RATE:-50000} # check 4: cookie-returning requests/s

lab_topology_tunnel
flood_client_addrs "$clients"
flood_psk_file
sock="$work/memif.sock"
{
    cat <<EOF
gateway:
  cookie_threshold: 200
dataplane:
  workers: 1
  idle_sleep_us: 50
  mbufs: 16384
  admission:
    mode: auto
    rate: 100
    overload_policy: cookie-first
    # Nobody listens there: a client sent away shows in the counters and its log.
    redirect_to: [192.0.2.77]
EOF
    flood_ports_yaml "net_memif0,role=server,socket=$sock"
    echo "peers:"
} >"$work/veer.yaml"
lab_peer_yaml road-warriors "'%any'" >>"$work/veer.yaml"
veer_dp_start "$work/veer.yaml"

# $1 rate, then veer-flood's own options; its output in $flood_out. In
# veer's namespace (the abstract socket).
flood_runs=0
memif_flood_start() {
    local rate=$1
    shift
    flood_runs=$((flood_runs + 1))
    flood_out="$work/flood.$flood_runs.out"
    flood_start "$ns_gw" "net_memif0,role=client,socket=$sock" --rx-queues 2 --rate "$rate" \
        --duration 120 --no-redirect-supported "$@"
    flood_wait_started
}

# --- 1. the flood, and its rate at veer's worker
memif_flood_start "$flood_rate"
sleep 2
rss_start=$(veer_rss_kb)
rx0=$(wcount rx_packets)
t0=$(date +%s.%N)
sleep 2
rx1=$(wcount rx_packets)
t1=$(date +%s.%N)
rate=$(awk -v a="$rx0" -v b="$rx1" -v s="$t0" -v e="$t1" 'BEGIN { printf "%.0f", (b - a) / (e - s) }')
echo "flood at veer's worker: $rate requests/s (rx_packets over $(awk -v s="$t0" -v e="$t1" 'BEGIN { printf "%.2f", e - s }') s)"
[ "$rate" -ge "$min_rate" ] || fail "1: the flood reached veer at $rate/s, under $min_rate/s"
pass "1. veer-flood over memif: $rate spoofed IKE_SA_INIT/s at veer's worker"

# --- 2. the clients, served here under the flood
flood_clients_connect "$clients" 30 300 "2: "
flood_clients_ping "$clients" "2: "
kill -0 "$flood_pid" 2>/dev/null || fail "2: the flood ended before the clients were in"
snap=$(tel /veer/workers)
wsnap() { echo "$snap" | sed -n "s/.*\"$1\": \[\([0-9]*\)\].*/\1/p"; }
asked=$(wsnap gate_cookie_first)
served=$(wsnap gate_cookie_served_redirect_capable)
redirects=$(wsnap gate_redirects)
[ "$redirects" = 0 ] || fail "2: $redirects REDIRECTs with capacity to spare: $(tel /veer/admission)"
[ "$asked" -ge "$clients" ] || fail "2: only $asked REDIRECT-capable requests asked for a cookie"
[ "$served" -ge "$clients" ] || fail "2: only $served REDIRECT-capable clients served here"
pass "2. $clients clients established and pinged under the flood, served here: $asked asked for a cookie, $served served, 0 redirected"

# --- 3. the ring, memory
rss_end=$(veer_rss_kb)
ring_full=$(wsnap drop_ring_full)
[ "$ring_full" = 0 ] || fail "3: $ring_full admitted requests lost to a full control ring"
growth=$((rss_end - rss_start))
[ "$growth" -lt 16384 ] || fail "3: veer's resident set grew by $growth KiB under the flood"
echo "admission: $(tel /veer/admission)"
pass "3. ring drops 0; RSS $rss_start -> $rss_end KiB; $(wsnap gate_cookies) COOKIEs, $(wsnap gate_admitted) admitted by rate, $(wsnap gate_cookie_admitted) cookies returned"
flood_stop
echo "flood: $(grep '^RESULT' "$flood_out" | tail -1)"

# --- 4. the control lcore saturated: the clients redirected
# Five clients leave (while veer has capacity) to come back while it has none.
for i in 0 1 2 3 4; do swan --terminate --ike "c$i" --timeout 5 >/dev/null 2>&1; done
memif_flood_start "$saturate_rate" --answer-cookies
sat=0
for _ in $(seq 50); do
    tel /veer/admission | grep -q '"saturated": 1' && sat=1 && break
    sleep 0.1
done
[ "$sat" = 1 ] || fail "4: the control lcore never saturated: $(tel /veer/admission)"
before=$(wcount gate_redirect_saturated)
for i in 0 1 2 3 4; do
    swan --initiate --ike "c$i" --timeout 3 >"$work/again.$i" 2>&1 &
done
# Each new IKE SA of a connection that has one already: redirected at once, or not at all.
sleep 3
after=$(wcount gate_redirect_saturated)
flood_stop
res=$(grep '^RESULT' "$flood_out" | tail -1)
echo "flood returning cookies: $res"
flood_redirects=$(echo "$res" | sed -n 's/.* redirect=\([0-9]*\).*/\1/p')
[ "$((after - before))" -ge 5 ] ||
    fail "4: $((after - before)) clients redirected while saturated: $(tel /veer/admission)"
[ "${flood_redirects:-0}" = 0 ] || fail "4: the flood (no REDIRECT support) got $flood_redirects REDIRECTs"
kill -0 "$veer_pid" 2>/dev/null || fail "4: veer died"
pass "4. control lcore saturated: $((after - before)) client requests redirected (gate_redirect_saturated), none to the flood"
