# shellcheck shell=bash disable=SC2154 # work, tag, ns_cl, ns_gw, veer_ike: lib.sh's
# The restart storm, shared by tests/interop/veer_qcd_storm.sh and
# scripts/bench-restart.sh (source it after lib.sh and lab_init): app/veer as
# the responder (a QCD maker) on lab_topology_dpdk's gateway, veer-ike in the
# client namespace as a crowd of takers (--initiate gw --count N), app/veer
# killed (-9) and started again, and the time until the crowd is back.
#
#   storm_lab                        # lab_topology_dpdk, the PSK
#   storm_gw_yaml [ADMISSION_LINES]  # $work/gw.yaml
#   storm_gw_start                   # app/veer "gw" (veer_dp_start_as)
#   storm_client_yaml QCD RETX_MS [DPD]   # $work/client.yaml: qcd both|off, ...
#   storm_client_start N RATE        # veer-ike --initiate gw --count N --rate RATE
#   storm_wait_established N TENTHS  # bounded
#   storm_restart N TENTHS           # kill -9, start, measure; sets storm_* (below)
#   storm_client_stop
#
# Every wait is bounded; failures go through lib.sh's fail.

# The lab: lab_topology_dpdk (client 198.51.100.2, app/veer's port on the
# gateway's end) and the PSK of lab_psk_file.
storm_lab() {
    lab_topology_dpdk
    lab_psk_file
    storm_client_pid=""
}

# app/veer's configuration in $work/gw.yaml: the outside port only, a QCD
# secret, the responder peer `takers` (client.example) with one Child SA;
# $1: more `dataplane:` lines (indented by 2), e.g. the admission gate's.
# STORM_GW_TOP: more `gateway:` lines (indented by 2).
storm_gw_yaml() {
    {
        printf 'gateway:\n  qcd_secret_file: %s\n' "$work/gw.secret"
        if [ -n "${STORM_GW_TOP:-}" ]; then printf '%s\n' "$STORM_GW_TOP"; fi
        lab_dp_outside_yaml "${1:-}"
        echo "peers:"
        lab_peer_yaml takers
    } >"$work/gw.yaml"
}

# Starts app/veer "gw" in the gateway namespace (log $work/gw.log with times,
# telemetry TEL_PREFIX=${tag}gw); waits until it runs.
storm_gw_start() {
    veer_dp_start_as gw "$ns_gw" "$work/gw.yaml"
}

# veer-ike's configuration in $work/client.yaml: listening on 198.51.100.2,
# the peer `gw` (app/veer at 198.51.100.1) with start_action start, qcd $1,
# liveness checks every ${3:-1s} (dpd_delay), retransmissions from $2 ms on.
storm_client_yaml() {
    cat >"$work/client.yaml" <<EOF
gateway:
  listen: [198.51.100.2]
  retransmit_base_ms: $2
peers:
  - name: gw
    psk_file: $work/psk
    local_id: client.example
    remote_id: gw.example
    remote: 198.51.100.1
    start_action: start
    qcd: $1
    dpd_delay: ${3:-1s}
    ike_proposals: [aes128gcm16-prfsha256-x25519]
    esp_proposals: [aes128gcm16]
    local_ts: [10.1.0.0/16]
    remote_ts: [10.2.0.0/24]
EOF
}

# veer-ike in the client namespace: $1 IKE SAs with `gw`, $2 started per
# second; -q unless STORM_CLIENT_VERBOSE=1. Its summary lines go to
# $work/client.out, its log to $work/client.log, its state to $work/client.state.
storm_client_start() {
    local quiet=(-q)
    [ "${STORM_CLIENT_VERBOSE:-0}" = 1 ] && quiet=()
    rm -f "$work/client.state"
    ip netns exec "$ns_cl" "$veer_ike" -c "$work/client.yaml" --initiate gw --count "$1" \
        --rate "$2" --state-file "$work/client.state" "${quiet[@]}" \
        >"$work/client.out" 2>"$work/client.log" &
    storm_client_pid=$!
    lab_pids+=("$storm_client_pid")
}

# Stops veer-ike (SIGTERM: it deletes its SAs, up to 2 s), bounded to 10 s.
storm_client_stop() {
    [ -n "$storm_client_pid" ] || return 0
    kill "$storm_client_pid" 2>/dev/null
    wait_for 100 sh -c "! kill -0 $storm_client_pid" || kill -9 "$storm_client_pid" 2>/dev/null
    wait "$storm_client_pid" 2>/dev/null
    storm_client_pid=""
    return 0
}

# veer-ike's summary field $1 (ike_sas, established, reconnects, qcd_...) from
# its state file; 0 when absent.
storm_summary() {
    local v
    v=$(sed -n "s/^summary.* $1=\([0-9]*\).*/\1/p" "$work/client.state" 2>/dev/null)
    echo "${v:-0}"
}

# veer-ike's counter $1 from its state file; 0 when absent.
storm_client_counter() {
    local v
    v=$(sed -n "s/^counter $1=\([0-9]*\)$/\1/p" "$work/client.state" 2>/dev/null)
    echo "${v:-0}"
}

# Waits up to $2 tenths of a second until veer-ike has $1 established IKE SAs.
storm_wait_established() {
    wait_for "$2" sh -c "grep -q '^summary ike_sas=[0-9]* established=$1 ' '$work/client.state'"
}

# veer-ike's established IKE SAs whose SPIi is not in $work/old.spis (made
# after the restart).
storm_count_new() {
    awk 'NR == FNR { old[$1] = 1; next }
        /^ike_sa .*state=ESTABLISHED/ { sub("spi_i=", "", $2); if (!($2 in old)) n++ }
        END { print n + 0 }' "$work/old.spis" "$work/client.state" 2>/dev/null
}

# The now, in Unix seconds with 3 decimals.
storm_now() { date +%s.%3N; }

# app/veer killed (-9) and started again while veer-ike holds $1 established
# SAs; then, every 100 ms for up to $2 tenths of a second, how many veer-ike
# has established again. Sets, in seconds (3 decimals, from app/veer's
# "veer running"; empty when not reached):
#   storm_t50, storm_t99, storm_t100   50 %, 99 %, 100 % of the $1 back
#   storm_down                         from the kill to "veer running"
#   storm_back                         how many came back in the end
# shellcheck disable=SC2034 # storm_down, storm_t100, storm_back: for the caller
storm_restart() {
    local n=$1 tenths=$2 t_kill up now new
    storm_t50="" storm_t99="" storm_t100="" storm_back=0
    sed -n 's/^ike_sa spi_i=\([0-9a-f]*\) .*state=ESTABLISHED.*/\1/p' "$work/client.state" \
        >"$work/old.spis"
    t_kill=$(storm_now)
    veer_dp_kill gw KILL
    storm_gw_start
    up=$(lab_stamp_of "$work/gw.log" "veer running")
    storm_down=$(awk -v a="$t_kill" -v b="$up" 'BEGIN { printf "%.3f", b - a }')
    local need50=$(((n + 1) / 2)) need99=$(((n * 99 + 99) / 100))
    for _ in $(seq "$tenths"); do
        new=$(storm_count_new)
        now=$(awk -v a="$up" -v b="$(storm_now)" 'BEGIN { printf "%.3f", b - a }')
        [ -z "$storm_t50" ] && [ "$new" -ge "$need50" ] && storm_t50=$now
        [ -z "$storm_t99" ] && [ "$new" -ge "$need99" ] && storm_t99=$now
        if [ "$new" -ge "$n" ]; then
            storm_t100=$now
            break
        fi
        sleep 0.1
    done
    storm_back=$(storm_count_new)
    return 0
}

# app/veer's admission gate and QCD counters since its start, one line:
# the workers' (summed) and the control lcore's.
storm_gate_line() {
    local out="" c
    for c in gate_admitted gate_cookies gate_cookie_admitted gate_redirects gate_ring_busy \
        drop_ring_full qcd_replied qcd_rate_limited qcd_no_reply_too_large; do
        out="$out $c=$(TEL_PREFIX="${tag}gw" wcount "$c")"
    done
    for c in sa_established cookies_sent qcd_replies_sent qcd_no_reply init_restarted \
        rx_no_sa; do
        out="$out $c=$(TEL_PREFIX="${tag}gw" ike_count "$c")"
    done
    echo "${out# }"
}

# veer-ike's QCD and liveness counters, one line.
storm_client_line() {
    local out="" c
    for c in qcd_peer_restarted qcd_no_token reconnects peer_dead liveness_checks tx_retransmits; do
        out="$out $c=$(storm_client_counter "$c")"
    done
    echo "${out# }"
}
