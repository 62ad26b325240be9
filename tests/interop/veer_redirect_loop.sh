#!/usr/bin/env bash
# veer-ike as the initiator of a site-to-site SA, redirected (RFC 5685 6) by
# veer-ike gateways, three real processes in network namespaces:
#   initiator 198.51.100.2 --- A 198.51.100.1
#             203.0.113.2  --- B 203.0.113.1  (B routes 198.51.100.2 back over its link)
#   1. follow: A authenticates follow.example and sends it to B in the IKE_AUTH
#      response (peer redirect_to); the initiator deletes its SA with A, starts
#      over with B announcing REDIRECTED_FROM A, and ends with an IKE SA and a
#      Child SA on B, none on A.
#   2. loop: A sends loop.example to B and B sends it back to A. The initiator
#      follows at most 5 times (lib/ike's max_redirects within
#      redirect_loop_period_s, RFC 5685 9.1), refuses the sixth, keeps running,
#      and nothing is established anywhere: A and B each saw exactly 3
#      IKE_SA_INITs, and no more come.
# Asserts each process's counters and SAs (state files) and, from captures on
# A's and B's links read by tshark, what the IKE_SA_INIT requests carried:
# REDIRECTED_FROM (16408) naming the gateway that redirected, REDIRECT_SUPPORTED
# (16406) only on a first contact.
#
# Needs root (network namespaces) and tshark. Cleans up on exit. About 15 s. Usage:
#   tests/interop/veer_redirect_loop.sh BUILD_DIR
set -uo pipefail
# shellcheck source=tests/interop/lib.sh
source "$(dirname "$0")/lib.sh"
lab_init "${1:?usage: $0 BUILD_DIR}" vl
command -v dumpcap >/dev/null && command -v tshark >/dev/null ||
    fail "tshark and dumpcap (package tshark) not installed; this test does not skip"
lab_topology
# lab.sh's "gateway" namespace is gateway A, its "client" namespace the initiator.
b_pid=""
i_pid=""
cap_pids=()
cleanup_all() {
    [ -n "$i_pid" ] && kill "$i_pid" 2>/dev/null
    [ -n "$b_pid" ] && kill "$b_pid" 2>/dev/null
    for p in "${cap_pids[@]}"; do kill "$p" 2>/dev/null; done
    lab_cleanup
}
trap cleanup_all EXIT
# fail() prints A's log and state; these add the other two.
fail_all() {
    echo "--- initiator log"
    tail -n 40 "$work/i.log" 2>/dev/null
    echo "--- initiator state"
    cat "$work/i.state" 2>/dev/null
    echo "--- B log"
    tail -n 30 "$work/b.log" 2>/dev/null
    echo "--- B state"
    cat "$work/b.state" 2>/dev/null
    fail "$@"
}

lab_link_b
# The initiator keeps its one address (its SA's local address) after a redirect.
ip -n "$ns_b" route add 198.51.100.2/32 via 203.0.113.2

# Captures first: every IKE_SA_INIT A and B receive is judged by tshark at the end.
capture() {
    ip netns exec "$1" dumpcap -q -i "$2" -f "udp port 500" -w "$work/$3.pcapng" \
        >"$work/$3.cap.log" 2>&1 &
    cap_pids+=($!)
}
capture "$ns_gw" "${tag}g" a
capture "$ns_b" "${tag}y" b
wait_for 50 grep -q "Capturing on" "$work/a.cap.log" || fail "dumpcap on A did not start"
wait_for 50 grep -q "Capturing on" "$work/b.cap.log" || fail "dumpcap on B did not start"

lab_psk_file
# A gateway's peer for identity $1, sent to $2 in IKE_AUTH (none: served here).
gw_peer() {
    lab_peer_yaml "${1%%.*}" "$1"
    [ -n "${2:-}" ] && echo "    redirect_to: $2"
}
{
    printf 'gateway:\n  listen: [198.51.100.1]\npeers:\n'
    gw_peer follow.example 203.0.113.1
    gw_peer loop.example 203.0.113.1
} >"$work/a.yaml"
{
    printf 'gateway:\n  listen: [203.0.113.1]\npeers:\n'
    gw_peer follow.example
    gw_peer loop.example 198.51.100.1
} >"$work/b.yaml"
# The initiator: one site-to-site peer per identity, both towards A.
{
    printf 'gateway:\n  listen: [198.51.100.2]\npeers:\n'
    for who in follow loop; do
        TUN_LOCAL_TS=10.1.0.0/24 TUN_CLIENT_TS=10.2.0.0/24 TUN_PEER_EXTRA="    remote: 198.51.100.1" \
            lab_peer_yaml "$who" gw.example "$who.example"
    done
} >"$work/i.yaml"

veer_start "$work/a.yaml" # A: $work/state, $work/veer.log
ip netns exec "$ns_b" "$veer_ike" -c "$work/b.yaml" --state-file "$work/b.state" -v \
    >"$work/b.log" 2>&1 &
b_pid=$!
wait_for 50 grep -q "veer-ike running" "$work/b.log" || fail_all "veer-ike B did not start"
# State files are rewritten every 100 ms; wait for the first ones before reading counters.
wait_for 30 test -s "$work/state" || fail_all "A wrote no state file"
wait_for 30 test -s "$work/b.state" || fail_all "B wrote no state file"

# Counter $2 from state file $1 (0 when absent).
ctr() {
    local v
    v=$(sed -n "s/^counter $2=\([0-9]*\)$/\1/p" "$1" 2>/dev/null)
    echo "${v:-0}"
}
a_ctr() { ctr "$work/state" "$1"; }
b_ctr() { ctr "$work/b.state" "$1"; }
i_ctr() { ctr "$work/i.state" "$1"; }
no_sa() { ! grep -q '^ike_sa' "$1"; }

start_initiator() {
    rm -f "$work/i.state"
    ip netns exec "$ns_cl" "$veer_ike" -c "$work/i.yaml" --initiate "$1" \
        --state-file "$work/i.state" -v >"$work/i.log" 2>&1 &
    i_pid=$!
    wait_for 50 grep -q "veer-ike running" "$work/i.log" || fail_all "initiator ($1) did not start"
}
stop_initiator() {
    kill -TERM "$i_pid"
    # It deletes its SAs, waiting up to 2 s for the answers (app/veer-ike/main.c).
    wait_for 50 sh -c "! kill -0 $i_pid 2>/dev/null" || fail_all "the initiator did not stop"
    wait "$i_pid" 2>/dev/null
    i_pid=""
}

# --- 1. follow: A redirects follow.example to B in IKE_AUTH
start_initiator follow
wait_for 100 grep -q "^ike_sa .*role=initiator state=ESTABLISHED.* child_in=" "$work/i.state" ||
    fail_all "1: the initiator has no IKE SA with a Child SA"
# What the initiator holds is B's SA: same IKE SPIs, the Child SPIs crossed.
read -r si sr ci co < <(sed -n 's/^ike_sa spi_i=\([0-9a-f]*\) spi_r=\([0-9a-f]*\) role=initiator state=ESTABLISHED.* child_in=\([0-9a-f]*\) child_out=\([0-9a-f]*\).*/\1 \2 \3 \4/p' \
    "$work/i.state" | head -n1)
wait_for 30 grep -q "^ike_sa spi_i=$si spi_r=$sr role=responder state=ESTABLISHED.* child_in=$co child_out=$ci" \
    "$work/b.state" || fail_all "1: B does not hold the initiator's SA $si/$sr with Child SA $ci/$co"
# A authenticated it, redirected it, and was told to delete it well before its own 10 s grace time.
wait_for 30 no_sa "$work/state" || fail_all "1: A still holds an SA (the initiator did not delete it)"
[ "$(i_ctr redirects_followed)" = 1 ] || fail_all "1: initiator redirects_followed=$(i_ctr redirects_followed), not 1"
[ "$(i_ctr redirect_loops)" = 0 ] || fail_all "1: the initiator saw a loop"
[ "$(i_ctr child_installed)" = 1 ] || fail_all "1: initiator child_installed=$(i_ctr child_installed)"
[ "$(a_ctr redirects_sent)" = 1 ] || fail_all "1: A redirects_sent=$(a_ctr redirects_sent), not 1"
[ "$(a_ctr child_installed)" = 0 ] || fail_all "1: A made a Child SA for a client it redirected"
[ "$(a_ctr sa_deleted)" -ge 1 ] || fail_all "1: A counted no delete"
[ "$(b_ctr child_installed)" = 1 ] || fail_all "1: B child_installed=$(b_ctr child_installed)"
[ "$(b_ctr redirects_sent)" = 0 ] || fail_all "1: B redirected follow.example"
grep -q "follow\[[0-9]*\] .*: redirected to 203.0.113.1" "$work/i.log" || fail_all "1: the initiator did not log the redirect"
pass "1. A redirected follow.example in IKE_AUTH; IKE SA $si/$sr and Child SA $ci/$co on B, nothing left on A"
stop_initiator
wait_for 30 no_sa "$work/b.state" || fail_all "1: B kept the SA after the initiator's delete"

# --- 2. loop: A and B send loop.example to each other
a_init0=$(a_ctr sa_created)
b_init0=$(b_ctr sa_created)
a_red0=$(a_ctr redirects_sent)
b_red0=$(b_ctr redirects_sent)
a_child0=$(a_ctr child_installed)
b_child0=$(b_ctr child_installed)
start_initiator loop
wait_for 100 sh -c "grep -q '^counter redirect_loops=[1-9]' '$work/i.state'" ||
    fail_all "2: the initiator did not detect the loop"
# Everybody's SAs go: the initiator deletes the one it refused to follow, as the others.
for f in i.state b.state state; do
    wait_for 50 no_sa "$work/$f" || fail_all "2: $f still holds an SA after the loop"
done
# Give a retry, if there were one, time to show up; the counters must not move.
snap() { echo "$(i_ctr redirects_followed) $(i_ctr redirect_loops) $(a_ctr sa_created) $(b_ctr sa_created)"; }
before=$(snap)
sleep 3
after=$(snap)
[ "$before" = "$after" ] || fail_all "2: still going after the loop was detected: $before -> $after"
kill -0 "$i_pid" 2>/dev/null || fail_all "2: the initiator stopped"
no_sa "$work/i.state" || fail_all "2: the initiator started over"
followed=$(i_ctr redirects_followed)
loops=$(i_ctr redirect_loops)
a_inits=$(($(a_ctr sa_created) - a_init0))
b_inits=$(($(b_ctr sa_created) - b_init0))
a_red=$(($(a_ctr redirects_sent) - a_red0))
b_red=$(($(b_ctr redirects_sent) - b_red0))
[ "$followed" = 5 ] || fail_all "2: initiator redirects_followed=$followed, not 5 (lib/ike's max_redirects)"
[ "$loops" = 1 ] || fail_all "2: initiator redirect_loops=$loops, not 1"
# The first contact and 5 redirects: A gets contacts 1, 3, 5 and B 2, 4, 6; each is redirected.
[ "$a_inits" = 3 ] && [ "$b_inits" = 3 ] ||
    fail_all "2: IKE_SA_INITs received: A $a_inits, B $b_inits (expected 3 and 3)"
[ "$a_red" = 3 ] && [ "$b_red" = 3 ] || fail_all "2: REDIRECTs sent: A $a_red, B $b_red (expected 3 and 3)"
[ "$(i_ctr child_installed)" = 0 ] && [ "$(a_ctr child_installed)" = "$a_child0" ] &&
    [ "$(b_ctr child_installed)" = "$b_child0" ] || fail_all "2: a Child SA was made during the loop"
grep -q "loop\[[0-9]*\] .*: redirected 5 times in 300 s: giving up (redirect loop)" "$work/i.log" ||
    fail_all "2: the initiator did not log why it gave up"
pass "2. loop A <-> B: followed $followed redirects, refused the next (redirect_loops=$loops); IKE_SA_INITs A $a_inits + B $b_inits; nothing established; the initiator still runs"
stop_initiator

# --- What A and B received, as tshark reads it
for p in "${cap_pids[@]}"; do kill -INT "$p" 2>/dev/null; done
for p in "${cap_pids[@]}"; do
    wait_for 50 sh -c "! kill -0 $p 2>/dev/null" || fail_all "dumpcap did not stop"
done
cap_pids=()
# One line per IKE_SA_INIT request to $2 in capture $1: the notify types, then the notify data.
inits() {
    tshark -n -r "$work/$1.pcapng" -Y "isakmp.exchangetype == 34 && isakmp.flag_r == 0 && ip.dst == $2" \
        -T fields -e isakmp.notify.msgtype -e isakmp.notify.data 2>/dev/null
}
inits a 198.51.100.1 >"$work/a.inits" || fail_all "tshark could not read A's capture"
inits b 203.0.113.1 >"$work/b.inits" || fail_all "tshark could not read B's capture"
# $1 file; $2 notify type; $3 its data (empty: any): how many requests carry such a notify.
# tshark lists the types and the data in the same order, "<MISSING>" for a notify without data.
count_with() {
    awk -F '\t' -v t="$2" -v d="${3:-}" '{
        n = split($1, types, ","); split($2, data, ",")
        for (i = 1; i <= n; i++)
            if (types[i] == t && (d == "" || data[i] == d)) { c++; break }
    } END { print c + 0 }' "$1"
}
# Gateway identities (RFC 5685 10): type 1 (IPv4), length 4, the address.
from_a=0104c6336401 # 198.51.100.1
from_b=0104cb007101 # 203.0.113.1
b_total=$(wc -l <"$work/b.inits")
b_from_a=$(count_with "$work/b.inits" 16408 "$from_a")
b_supported=$(count_with "$work/b.inits" 16406)
# B: one from phase 1 and three from the loop, every one redirected from A.
[ "$b_total" = 4 ] && [ "$b_from_a" = 4 ] && [ "$b_supported" = 0 ] ||
    fail_all "B's IKE_SA_INITs: $b_total, $b_from_a with REDIRECTED_FROM $from_a, $b_supported with REDIRECT_SUPPORTED: $(cat "$work/b.inits")"
a_total=$(wc -l <"$work/a.inits")
a_from_b=$(count_with "$work/a.inits" 16408 "$from_b")
a_supported=$(count_with "$work/a.inits" 16406)
# A: the two first contacts announce support; the loop's two returns come from B.
[ "$a_total" = 4 ] && [ "$a_from_b" = 2 ] && [ "$a_supported" = 2 ] ||
    fail_all "A's IKE_SA_INITs: $a_total, $a_from_b with REDIRECTED_FROM $from_b, $a_supported with REDIRECT_SUPPORTED: $(cat "$work/a.inits")"
pass "captures: B received $b_total IKE_SA_INITs, all with N(REDIRECTED_FROM 198.51.100.1); A $a_total, $a_supported with N(REDIRECT_SUPPORTED) and $a_from_b with N(REDIRECTED_FROM 203.0.113.1)"
echo "veer_redirect_loop: all checks passed"
