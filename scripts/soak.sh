#!/usr/bin/env bash
# The soak: app/veer under churn for a set time, sampled, and failed on
# anything that does not come back (docs/operations.md#soak).
#
#   scripts/soak.sh [--minutes N] [--sample SECONDS] [BUILD_DIR]    (root)
#
# Default 60 minutes (SOAK_SECONDS overrides --minutes), a sample a minute
# (every 20 s for runs of 5 minutes or less), BUILD_DIR build. Meanwhile:
#   - SOAK_CROWDS (4) crowds of SOAK_CROWD_SIZE (50) veer-ike initiators, half
#     of the crowds behind an nftables NAT, each with a virtual IP from
#     veer's pool; veer rekeys their Child SAs every 20 s and IKE SAs every
#     60 s (SOAK_CHILD_REKEY, SOAK_IKE_REKEY);
#   - SOAK_SWANS (4) strongSwan clients behind the NAT, a ping every 0.5 s
#     through each tunnel;
#   - every SOAK_CHURN_S (10) s one of: a crowd leaves with deletes and comes
#     back; a crowd is killed (-9) and comes back two rounds later (veer must
#     find its SAs dead); the NAT rebinds (new address and ports for every
#     NATed client); a strongSwan client deletes and reconnects, or every
#     second time charon is killed (-9) and started again;
#   - veer-flood sends SOAK_FLOOD_RATE (2000) spoofed IKE_SA_INITs a second.
# Each sample (a table row; all columns in SOAK_CSV, default
# BUILD_DIR/soak.csv): veer's RSS, IKE and Child SAs, pool leases, mbufs in
# use, every counter. At the end the flood stops and every client leaves
# (half with deletes, half killed); it fails (exit 1, a FAIL line saying why) on
#   - app/veer dying, or any sanitizer report in its log or a non-zero exit
#     once stopped (built with ASan: LeakSanitizer's report at exit);
#   - an IKE SA, Child SA or leased address left 60 s after the last peer left (a
#     released address stays held for its identity: at most one per crowd);
#   - an mbuf not back in its pool by then;
#   - RSS, SAs or mbufs that grow past the warm-up's level (tests/tools/soak_sample.py judge).
# Warm-up: the first sixth of the run, at least three samples.
set -uo pipefail
seconds=${SOAK_SECONDS:-}
sample_s=""
while [ $# -gt 0 ]; do
    case $1 in
    --minutes) [ -n "$seconds" ] || seconds=$((${2:?--minutes N} * 60)); shift 2 ;;
    --sample) sample_s=${2:?--sample SECONDS}; shift 2 ;;
    -h | --help) sed -n '2,30p' "$0"; exit 0 ;;
    -*) echo "usage: $0 [--minutes N] [--sample SECONDS] [BUILD_DIR]" >&2; exit 2 ;;
    *) break ;;
    esac
done
top=$(cd "$(dirname "$0")/.." && pwd)
seconds=${seconds:-3600}
[ -n "$sample_s" ] || { if [ "$seconds" -le 300 ]; then sample_s=20; else sample_s=60; fi; }
warmup=$((seconds / 6))
[ "$warmup" -ge $((3 * sample_s)) ] || warmup=$((3 * sample_s))
crowds=${SOAK_CROWDS:-4}
crowd_size=${SOAK_CROWD_SIZE:-50}
swans=${SOAK_SWANS:-4}
churn_s=${SOAK_CHURN_S:-10}
flood_rate=${SOAK_FLOOD_RATE:-2000}
drain_s=60

# shellcheck source=tests/interop/lib.sh
source "$top/tests/interop/lib.sh"
# shellcheck source=tests/interop/lib_flood.sh
source "$top/tests/interop/lib_flood.sh"
# shellcheck source=tests/interop/lib_soak.sh
source "$top/tests/interop/lib_soak.sh"
lab_init "${1:-$top/build}" sk
command -v nft >/dev/null || fail "nft (package nftables) not installed"
command -v conntrack >/dev/null || fail "conntrack (package conntrack) not installed"
csv=${SOAK_CSV:-$build/soak.csv}
sampler="$top/tests/tools/soak_sample.py"
rm -f "$csv"
echo "soak: ${seconds} s, a sample every ${sample_s} s, warm-up ${warmup} s; $crowds crowds of" \
    "$crowd_size, $swans strongSwan clients, flood $flood_rate/s, churn every ${churn_s} s; CSV $csv"

soak_lab
soak_veer_yaml "$crowds" "$swans"
# The ASan build's quarantine keeps freed memory for a while (256 MiB by default): smaller,
# so that the resident set says something about leaks there too.
[ -n "${ASAN_OPTIONS:-}" ] && export ASAN_OPTIONS="$ASAN_OPTIONS:quarantine_size_mb=16"
# Without -v: an hour of debug lines from hundreds of clients would fill the disk.
VEER_OPTS="--state-file $work/gw.state" veer_dp_start_as gw "$ns_gw" "$work/gw.yaml"
veer=${veer_pids[gw]}
sample() { # $1 the time, $2 the phase
    python3 "$sampler" sample --prefix "${tag}gw" --pid "$veer" --csv "$csv" --t "$1" --phase "$2" ||
        fail "the sampler could not read app/veer"
}
alive() { kill -0 "$veer" 2>/dev/null || fail "app/veer died: $(tail -n 20 "$work/gw.log")"; }
sleep 2
sample 0 idle
# mbufs in use before any client came: what "back in the pool" means at the end.
idle_mbufs=$(python3 "$sampler" now --prefix "${tag}gw" | sed -n 's/.*mbufs_in_use=\([0-9]*\).*/\1/p')
[ -n "$idle_mbufs" ] || fail "no mbuf figures from /veer/mempools"

# --- the churn
soak_flood_start "$flood_rate" $((seconds + 300))
soak_swan_start "$swans"
soak_ping_pids=()
soak_pings_start
for k in $(seq 0 $((crowds - 1))); do soak_crowd_start "$k" "$crowd_size"; done
declare -A come_back # killed crowd -> the round it comes back in
start=$(date +%s)
next_sample=$sample_s next_churn=$churn_s round=0 crowd_turn=0 swan_turn=0
while :; do
    now=$(($(date +%s) - start))
    [ "$now" -ge "$seconds" ] && break
    alive
    if [ "$now" -ge "$next_churn" ]; then
        for k in "${!come_back[@]}"; do
            if [ "${come_back[$k]}" -le "$round" ]; then
                soak_crowd_start "$k" "$crowd_size"
                unset "come_back[$k]"
            fi
        done
        case $((round % 4)) in
        0) # a crowd leaves, deleting its SAs, and comes back
            k=$((crowd_turn % crowds)) crowd_turn=$((crowd_turn + 1))
            if [ -n "${crowd_pids[$k]:-}" ]; then
                soak_crowd_stop "$k" TERM
                soak_crowd_start "$k" "$crowd_size"
            fi ;;
        1) # a crowd vanishes; back two rounds later
            k=$((crowd_turn % crowds)) crowd_turn=$((crowd_turn + 1))
            if [ -n "${crowd_pids[$k]:-}" ]; then
                soak_crowd_stop "$k" KILL
                come_back[$k]=$((round + 2))
            fi ;;
        2) soak_nat_rebind ;;
        3) # a strongSwan client reconnects; every second time charon vanishes
            if [ $((swan_turn % 2)) = 1 ]; then
                soak_swan_kill
                soak_swan_start "$swans"
            else
                soak_swan_cycle $((swan_turn / 2 % swans))
            fi
            swan_turn=$((swan_turn + 1)) ;;
        esac
        round=$((round + 1))
        next_churn=$((next_churn + churn_s))
    fi
    if [ "$now" -ge "$next_sample" ]; then
        sample "$now" churn
        next_sample=$((next_sample + sample_s))
    fi
    sleep 1
done
alive
echo "soak: $round churn rounds; the clients leave"

# --- everyone leaves: the flood stops, half the crowds delete, the rest and charon vanish
soak_flood_stop
soak_pings_stop
for k in $(seq 0 $((crowds - 1))); do
    if [ $((k % 2)) = 0 ]; then soak_crowd_stop "$k" TERM; else soak_crowd_stop "$k" KILL; fi
done
soak_swan_kill
left=$(date +%s)
drained() {
    python3 "$sampler" now --prefix "${tag}gw" >"$work/now" 2>&1 || return 1
    grep -q "ike_sas=0 ike_established=0 child_sas=0 pool_used=0 " "$work/now" &&
        [ "$(sed -n 's/.*mbufs_in_use=\([0-9]*\).*/\1/p' "$work/now")" -le "$idle_mbufs" ]
}
next=10
while ! drained; do
    alive
    t=$(($(date +%s) - left))
    [ "$t" -ge "$drain_s" ] && break
    if [ "$t" -ge "$next" ]; then
        sample $((seconds + t)) drain
        next=$((next + 10))
    fi
    sleep 1
done
echo "soak: $(($(date +%s) - left)) s after the last client left: $(cat "$work/now")"
sample $(($(date +%s) - start)) end
for i in $(seq 0 $((swans - 1))); do
    echo "ping through swan$i: $(grep 'packets transmitted' "$work/ping$i.out")"
done
echo "flood: $(grep '^veer-flood total' "$work/flood.out")"

# --- the verdict: growth, what was left, then veer's own exit (ASan's leak report)
verdict=0
python3 "$sampler" judge --csv "$csv" --warmup "$warmup" --identities "$crowds" || verdict=1
for i in $(seq 0 $((swans - 1))); do
    received=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$work/ping$i.out")
    if [ "${received:-0}" -eq 0 ]; then
        echo "FAIL: no ping crossed strongSwan client $i's tunnel"
        verdict=1
    fi
done
kill -TERM "$veer"
wait "$veer"
rc=$?
veer_pids[gw]=""
if [ "$rc" != 0 ]; then
    echo "FAIL: app/veer exited $rc when stopped"
    verdict=1
fi
if grep -q "Sanitizer\|runtime error:" "$work/gw.log"; then
    echo "FAIL: sanitizer report in app/veer's log:"
    grep -A 30 "Sanitizer\|runtime error:" "$work/gw.log" | head -n 80
    verdict=1
fi
grep -q "veer stopped" "$work/gw.log" || { echo "FAIL: app/veer did not stop cleanly"; verdict=1; }
[ "$verdict" = 0 ] || fail "the soak found the problems above (samples: $csv)"
echo "soak: all checks passed (samples: $csv)"
