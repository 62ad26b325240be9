#!/usr/bin/env bash
# EAP-MSCHAPv2 logins per second through a gateway that relays EAP to RADIUS:
# app/veer (remote_auth: eap-radius) beside strongSwan 5.9.8 charon (its
# eap-radius plugin), both against the same FreeRADIUS 3.2 in the same run,
# under the same load generator. Benchmarks print figures; they never pass or
# fail.
#
# The lab (tests/interop/lib.sh's namespaces):
#   - FreeRADIUS in a namespace of its own (192.0.2.1), reached from the
#     gateway namespace's 192.0.2.2 over a veth; Debian's configuration with
#     one user (alice@example.org, Cleartext-Password), default_eap_type
#     mschapv2, started once (`freeradius -f`, no debug log) for every run;
#   - the gateway on 198.51.100.1: app/veer on a DPDK af_packet port (RADIUS
#     over its control lcore's kernel sockets), or charon on the kernel veth
#     (kernel-libipsec, install_routes = no); the gateway authenticates with
#     a PSK, the client with EAP-MSCHAPv2 through RADIUS; one Child SA each;
#   - the load: veer-ike in the client namespace (198.51.100.2) as a crowd,
#     --initiate gw --count N --rate R, every IKE SA its own login as
#     alice@example.org (local_auth: eap-mschapv2), X25519, AES-GCM-128.
#
# A login is an IKE SA established with its Child SA after EAP-MSCHAPv2 via
# RADIUS: three Access-Request/Challenge round trips, an Access-Accept with
# the MS-MPPE keys, the MSK-keyed AUTHs. Counted from the generator's log
# (one "-> ESTABLISHED" per IKE SA), no more than the Child SAs it installed
# (its child_installed counter), and checked against the gateway's own counters
# (app/veer: sa_established and radius_accepts over telemetry; charon:
# swanctl --stats). The generator's log lines are stamped as they come, so
# each login's latency is from its first logged state change to ESTABLISHED:
# lib/ike logs none when it sends IKE_SA_INIT, so that is from the
# IKE_SA_INIT response (INIT_SENT -> AUTH_SENT): the IKE_AUTH rounds with
# EAP and RADIUS, without the first round trip and the DH.
#
# Offered rates: BENCH_RATES (logins started per second; 0: flat out, all N
# at once, lib/ike's retransmissions doing the pacing). N is rate times
# BENCH_SECONDS, or BENCH_FLAT_N when flat out. A run ends when all N are
# established or nothing new was established for BENCH_STALL seconds.
#
# Also printed per run: the gateway's RADIUS and IKE counters (app/veer:
# radius_queued, requests that waited for one of a server's 256
# identifiers; radius_retransmits; IKE retransmissions it answered from its
# cache; its workers' gate replies) and the UDP datagrams each namespace's
# kernel dropped for a full receive buffer (/proc/net/snmp RcvbufErrors):
# FreeRADIUS's socket overflows when a gateway sends it hundreds of
# Access-Requests at once.
#
# CPU pinning (two CPUs): the gateway alone on CPU 1 (app/veer's control and
# worker lcores --lcores 0@1,1@1, idle_sleep_us 50; charon with taskset);
# FreeRADIUS and the generator share CPU 0. CPU seconds are utime+stime from
# /proc/PID/stat over the run (crowd start to its end), per 1000 logins.
#
# strongSwan is configured for a crowd from one address: cookie_threshold
# 1000 (app/veer's default), cookie_threshold_ip and block_threshold as high
# (their defaults, 3 and 5 half-open SAs per address, would refuse the
# crowd), an IKE SA table of 32768 buckets in 16 segments as
# scripts/bench-ike.sh has (the default is one bucket), and its eap-radius plugin with BENCH_SWAN_SOCKETS sockets (default
# 16, one per charon thread: the default of 1 serialises every RADIUS round
# trip).
#
#   sudo scripts/bench-logins.sh                     # rates 50 100 200 400, flat out
#   BENCH_RATES="20 0" BENCH_SECONDS=5 BENCH_FLAT_N=200 sudo scripts/bench-logins.sh
#   BENCH_ONLY=veer (or strongswan)   BUILD_DIR=build   KEEP_WORK=1
#   BENCH_OUT=DIR                     # where logins.csv goes (default $build/bench-out)
#
# The machines are shared and noisy: compare figures of one run side by side.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$top/build}
rates=${BENCH_RATES:-50 100 200 400 0}
secs=${BENCH_SECONDS:-10}
flat_n=${BENCH_FLAT_N:-2000}
stall=${BENCH_STALL:-10}
only=${BENCH_ONLY:-veer strongswan}
swan_sockets=${BENCH_SWAN_SOCKETS:-16}

# shellcheck source=tests/interop/lib.sh
source "$top/tests/interop/lib.sh"
lab_init "$build" bl
# cpu_ticks and stop_pid; lib.sh's lab_cleanup removes the work directory.
cache=""
# shellcheck source=scripts/lib-peers.sh
source "$top/scripts/lib-peers.sh"
[ -x "$build/app/veer/veer" ] || fail "$build/app/veer/veer not built (DPDK missing?)"
command -v freeradius >/dev/null || fail "freeradius (package freeradius) not installed"
[ -e /usr/lib/ipsec/plugins/libstrongswan-eap-radius.so ] ||
    fail "strongSwan's eap-radius plugin is not installed (libcharon-extra-plugins)"
out_dir=${BENCH_OUT:-$build/bench-out}
mkdir -p "$out_dir" || fail "cannot make $out_dir"
csv="$out_dir/logins.csv"

secret="bench-logins-radius-$$"
user=alice@example.org
password=alice-bench-pw
gw_pid=""
rad_pid=""
crowd_pid=""

lab_topology_dpdk
lab_psk_file
# --- FreeRADIUS: Debian's configuration, one client (the gateway), one user.
lab_freeradius_prepare
cat >"$raddb/clients.conf" <<EOF
client gateway {
    ipaddr = 192.0.2.2
    secret = $secret
    require_message_authenticator = yes
}
EOF
sed -i -e 's/^\(\s*\)default_eap_type = md5/\1default_eap_type = mschapv2/' \
    "$raddb/mods-available/eap"
grep -q "default_eap_type = mschapv2" "$raddb/mods-available/eap" ||
    fail "could not set FreeRADIUS's default_eap_type"
users="$raddb/mods-config/files/authorize"
{
    printf '%s\tCleartext-Password := "%s"\n\n' "$user" "$password"
    cat "$users"
} >"$users.new" && mv "$users.new" "$users"
taskset -c 0 ip netns exec "$ns_rad" freeradius -f -l stdout -d "$raddb" >"$work/radiusd.log" 2>&1 &
rad_pid=$!
lab_pids+=("$rad_pid")
wait_for 150 grep -q "Ready to process requests" "$work/radiusd.log" ||
    fail "freeradius not ready within 15 s: $(tail -5 "$work/radiusd.log")"
printf '%s' "$secret" >"$work/radius-secret"
chmod 600 "$work/radius-secret"

# --- the generator: veer-ike's crowd, one EAP-MSCHAPv2 login per IKE SA.
printf '%s %s\n' "$user" "$password" >"$work/eap-users"
chmod 600 "$work/eap-users"
# $1: how many IKE SAs the table must hold.
crowd_yaml() {
    cat >"$work/crowd.yaml" <<EOF
gateway:
  listen: [198.51.100.2]
  max_sas: $(($1 + 1024))
peers:
  - name: gw
    local_auth: eap-mschapv2
    remote_auth: psk
    psk_file: $work/psk
    eap_secrets_file: $work/eap-users
    local_id: $user
    remote_id: gw.example
    remote: 198.51.100.1
    ike_proposals: [aes128gcm16-prfsha256-x25519]
    esp_proposals: [aes128gcm16]
    local_ts: [10.1.0.0/16]
    remote_ts: [10.2.0.0/24]
EOF
}

# Starts the crowd: $1 IKE SAs, $2 per second (0: at once); its log, each line
# stamped with the Unix time it was written, in $work/crowd.log.
crowd_start() {
    crowd_yaml "$1"
    local pace=()
    [ "$2" != 0 ] && pace=(--rate "$2")
    # shellcheck disable=SC2016 # perl's $| and $_
    taskset -c 0 ip netns exec "$ns_cl" "$veer_ike" -c "$work/crowd.yaml" --initiate gw \
        --count "$1" "${pace[@]}" --state-file "$work/crowd.state" >"$work/crowd.out" 2> >(taskset -c 0 perl -MTime::HiRes=time \
            -ne '$| = 1; printf "%.3f %s", time, $_' >"$work/crowd.log") &
    crowd_pid=$!
    lab_pids+=("$crowd_pid")
}

# The crowd's counter $1 from its state file (rewritten every 100 ms); 0 when absent.
crowd_counter() {
    local v
    v=$(sed -n "s/^counter $1=\([0-9]*\)$/\1/p" "$work/crowd.state" 2>/dev/null)
    echo "${v:-0}"
}

crowd_stop() {
    stop_pid "$crowd_pid"
    crowd_pid=""
}

# How many of the crowd's IKE SAs reached ESTABLISHED so far.
crowd_established() { grep -c -- '-> ESTABLISHED' "$work/crowd.log" 2>/dev/null || true; }

# From the stamped log: "established first_start last_established median_ms max_ms",
# one login per SPIi: its first logged state change (the IKE_SA_INIT response
# came) to its ESTABLISHED.
crowd_figures() {
    # A line about an IKE SA names it by "SPIi_SPIr" (docs/operations.md#logs).
    awk '{
            spi = ""
            for (i = 2; i <= NF; i++)
                if (length($i) == 33 && $i ~ /^[0-9a-f]+_[0-9a-f]+$/) { spi = substr($i, 1, 16); break }
            if (spi == "") next
            if (!(spi in first)) first[spi] = $1
            if ($0 ~ /-> ESTABLISHED/ && !(spi in est)) {
                est[spi] = $1; n++; lat[n] = ($1 - first[spi]) * 1000
                if (t_last == "" || $1 > t_last) t_last = $1
            }
            if (t0 == "" || $1 < t0) t0 = $1
        }
        END {
            if (n == 0) { print 0, t0 + 0, t0 + 0, "-", "-"; exit }
            for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (lat[j] < lat[i]) { t = lat[i]; lat[i] = lat[j]; lat[j] = t }
            printf "%d %.3f %.3f %.0f %.0f\n", n, t0, t_last, lat[int((n + 1) / 2)], lat[n]
        }' "$work/crowd.log"
}

# --- the gateways
veer_yaml() {
    {
        cat <<EOF
radius:
  timeout: 2s
  tries: 3
  nas_identifier: veer-bench
  servers:
    - address: 192.0.2.1
      secret_file: $work/radius-secret
EOF
        lab_dp_outside_yaml "" | sed -e 's/^  idle_sleep_us: .*/  idle_sleep_us: 50/' \
            -e 's/^  mbufs: .*/  mbufs: 16384/'
        echo "peers:"
        TUN_PEER_AUTH="    local_auth: psk
    remote_auth: eap-radius
    psk_file: $work/psk" lab_peer_yaml crowd "'%any'"
    } >"$work/veer.yaml"
}

gw_start_veer() {
    ip -n "$ns_gw" addr flush dev "${tag}g"
    ip -n "$ns_gw" addr del 10.2.0.1/32 dev lo 2>/dev/null
    veer_yaml
    taskset -c 1 ip netns exec "$ns_gw" "$build/app/veer/veer" --lcores '0@1,1@1' --no-huge -m 512 \
        --no-pci --file-prefix "$tag" --log-level=lib.eal:error -- -c "$work/veer.yaml" \
        >"$work/veer.log" 2>&1 &
    gw_pid=$!
    lab_pids+=("$gw_pid")
    wait_for 150 grep -q "veer running" "$work/veer.log" || fail "app/veer did not start: $(tail -5 "$work/veer.log")"
}

# app/veer's IKE counters named in $@, "name=value ..." (from telemetry).
veer_gw_counters() {
    local js c
    js=$(tel /veer/ike/counters)
    for c in "$@"; do
        printf '%s=%s ' "$c" "$(sed -n "s/.*\"$c\": \([0-9]*\).*/\1/p" <<<"$js")"
    done
}

swan_gw() { ip netns exec "$ns_gw" swanctl "$@" --uri "unix://$work/gw/vici"; }

gw_start_strongswan() {
    ip -n "$ns_gw" addr replace 198.51.100.1/24 dev "${tag}g"
    # kernel-libipsec refuses policies unless the host owns an address in its local_ts.
    ip -n "$ns_gw" addr replace 10.2.0.1/32 dev lo
    mkdir -p "$work/gw/swanctl"
    cat >"$work/gw/strongswan.conf" <<EOF
charon {
  load_modular = no
  load = random nonce kdf openssl pem pkcs1 x509 pubkey kernel-libipsec kernel-netlink socket-default vici eap-radius
  install_routes = no
  cookie_threshold = 1000
  cookie_threshold_ip = 1000000
  block_threshold = 1000000
  ikesa_table_size = 32768
  ikesa_table_segments = 16
  plugins {
    vici { socket = unix://$work/gw/vici }
    kernel-libipsec { allow_peer_ts = yes }
    eap-radius {
      nas_identifier = swan-bench
      servers {
        freeradius {
          address = 192.0.2.1
          secret = $secret
          sockets = $swan_sockets
        }
      }
    }
  }
  filelog {
    gw {
      path = $work/charon-gw.log
      default = ${BENCH_SWAN_LOG:-0}
      ike = 1
    }
  }
}
EOF
    cat >"$work/gw/swanctl/swanctl.conf" <<EOF
connections {
  crowd {
    version = 2
    proposals = aes128gcm16-prfsha256-x25519
    local {
      auth = psk
      id = gw.example
    }
    remote {
      auth = eap-radius
      id = %any
    }
    children {
      c {
        local_ts = 10.2.0.0/24
        remote_ts = 10.1.0.0/16
        esp_proposals = aes128gcm16
      }
    }
  }
}
secrets {
  ike-gw {
    id = gw.example
    secret = "$(cat "$work/psk")"
  }
}
EOF
    taskset -c 1 ip netns exec "$ns_gw" unshare -m sh -c "mount -t tmpfs tmpfs /run && \
        STRONGSWAN_CONF=$work/gw/strongswan.conf exec /usr/lib/ipsec/charon" \
        >"$work/charon-gw.out" 2>&1 &
    gw_pid=$!
    lab_pids+=("$gw_pid")
    wait_for 100 swan_gw --stats >/dev/null 2>&1 || fail "charon (gateway) did not start"
    SWANCTL_DIR="$work/gw/swanctl" swan_gw --load-all --file "$work/gw/swanctl/swanctl.conf" \
        >"$work/gw/load.out" 2>&1 || fail "swanctl --load-all: $(cat "$work/gw/load.out")"
}

# The gateway's own count: "established=... (and its RADIUS counters)".
gw_count() {
    case $1 in
    veer)
        veer_gw_counters sa_established radius_accepts radius_rejects radius_gave_up \
            radius_queued radius_queue_full radius_retransmits cookies_sent rx_retransmit_answered
        printf 'gate_replies=%s' "$(veer_gate_replies "$tag" | tr ' ' /)" ;;
    strongswan)
        printf 'ike_sas=%s' "$(swan_gw --stats 2>/dev/null | sed -n 's/^IKE_SAs: \([0-9]*\) total.*/\1/p')" ;;
    esac
}

gw_stop() {
    [ "$1" = strongswan ] && swan_gw --terminate --ike crowd --timeout 1 >/dev/null 2>&1
    stop_pid "$gw_pid"
    gw_pid=""
    rm -rf "/var/run/dpdk/$tag"
}

# UDP datagrams the kernel of namespace $1 dropped for a full receive buffer.
udp_rcvbuf_errors() {
    # shellcheck disable=SC2016 # awk's $i
    ip netns exec "$1" awk '/^Udp:/ { if (!h) { for (i = 1; i <= NF; i++) col[$i] = i; h = 1 }
        else print $col["RcvbufErrors"] }' /proc/net/snmp
}

# One run: gateway $1, offered rate $2 (0: flat out). Appends to results.
results=()
run_one() {
    local gw=$1 rate=$2 n last=-1 now_est idle=0 deadline
    if [ "$rate" = 0 ]; then n=$flat_n; else n=$((rate * secs)); fi
    "gw_start_$gw"
    local g0 r0 g1 r1 t0 t1 i0 idle_s=2
    # The gateway's CPU while nothing happens (app/veer's lcores poll), to subtract.
    i0=$(cpu_ticks "$gw_pid")
    sleep "$idle_s"
    g0=$(cpu_ticks "$gw_pid")
    r0=$(cpu_ticks "$rad_pid")
    local gb0 rb0
    gb0=$(udp_rcvbuf_errors "$ns_gw")
    rb0=$(udp_rcvbuf_errors "$ns_rad")
    t0=$(date +%s.%N)
    crowd_start "$n" "$rate"
    local c1=0
    deadline=$((SECONDS + (rate > 0 ? n / rate : 0) + 120))
    while [ "$SECONDS" -lt "$deadline" ]; do
        sleep 0.5
        now_est=$(crowd_established)
        [ "$now_est" -ge "$n" ] && break
        if [ "$now_est" = "$last" ]; then
            idle=$((idle + 1))
            [ "$idle" -ge $((stall * 2)) ] && break
        else
            idle=0
            last=$now_est
        fi
    done
    g1=$(cpu_ticks "$gw_pid")
    r1=$(cpu_ticks "$rad_pid")
    c1=$(cpu_ticks "$crowd_pid")
    local drops
    drops="udp_rcvbuf_drops gateway_ns=$(($(udp_rcvbuf_errors "$ns_gw") - gb0))"
    drops="$drops freeradius_ns=$(($(udp_rcvbuf_errors "$ns_rad") - rb0))"
    t1=$(date +%s.%N)
    local counted
    counted=$(gw_count "$gw")
    read -r est first lastt med max < <(crowd_figures)
    # A login is an IKE SA with its Child SA: lib/ike's initiator reaches
    # ESTABLISHED before it checks the Child SA of the last IKE_AUTH. The
    # state file is rewritten every 100 ms, later on a loaded machine.
    local children
    for _ in $(seq 30); do
        children=$(crowd_counter child_installed)
        [ "$children" -ge "$est" ] && break
        sleep 0.1
    done
    [ "$children" -lt "$est" ] && est=$children
    local warns
    warns=$(grep -c '^[0-9.]* \(WARN\|ERR\)' "$work/crowd.log" 2>/dev/null || true)
    crowd_stop
    gw_stop "$gw"
    cp "$work/crowd.log" "$work/crowd-$gw-$rate.log" 2>/dev/null
    local figs
    figs=$(awk -v est="$est" -v a="$first" -v b="$lastt" -v g="$((g1 - g0))" -v r="$((r1 - r0))" \
        -v idle="$((g0 - i0))" -v idle_s="$idle_s" -v hz="$hz" -v w0="$t0" -v w1="$t1" -v c="$c1" 'BEGIN {
            d = b - a; lps = (est > 0 && d > 0) ? est / d : 0
            gs = g / hz; rs = r / hz; w = w1 - w0
            # busy: the run minus what the gateway burns idle over as long
            busy = gs - idle / hz / idle_s * w; if (busy < 0) busy = 0
            if (est > 0) printf "%.1f %.2f %.2f %.2f %.2f %.2f %.1f %.2f", lps, gs, rs, gs * 1000 / est, rs * 1000 / est, busy * 1000 / est, w, idle / hz / idle_s
            else printf "0 %.2f %.2f - - - %.1f %.2f", gs, rs, w, idle / hz / idle_s
            printf " %.2f", c / hz }')
    read -r lps gcpu rcpu gper rper bper wall idle_cpu ccpu <<<"$figs"
    local offered=$rate
    [ "$rate" = 0 ] && offered=flat
    echo "$gw offered=$offered/s n=$n established=$est logins/s=$lps failed=$((n - est))" \
        "IKE_AUTH latency median=${med}ms max=${max}ms gateway_cpu=${gcpu}s (idle: ${idle_cpu} CPU-s/s)" \
        "freeradius_cpu=${rcpu}s generator_cpu=${ccpu}s (window ${wall}s) crowd warnings=$warns;" \
        "gateway counts: $counted; $drops"
    results+=("$gw|$offered|$n|$est|$lps|$((n - est))|$med|$max|$gper|$bper|$rper|$gcpu|$rcpu|$idle_cpu|$counted")
}

hz=$(getconf CLK_TCK)
echo "bench-logins: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "rates \"$rates\" (0: flat out, $flat_n at once), $secs s of logins per rate, gateways \"$only\"," \
    "strongSwan eap-radius sockets $swan_sockets; gateway on CPU 1, FreeRADIUS and the generator on CPU 0"
echo "FreeRADIUS: $(freeradius -v 2>/dev/null | head -n1)"
for rate in $rates; do
    for gw in $only; do
        run_one "$gw" "$rate"
    done
done

echo
echo "| gateway | offered/s | N | logins | logins/s | failed | IKE_AUTH median ms | max ms | gateway CPU s/1000 | ... idle subtracted | FreeRADIUS CPU s/1000 | gateway's own count |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
echo "gateway,offered,n,logins,logins_per_s,failed,latency_median_ms,latency_max_ms,gw_cpu_s_per_1000,gw_busy_cpu_s_per_1000,radius_cpu_s_per_1000,gw_cpu_s,radius_cpu_s,gw_idle_cpu_s_per_s" >"$csv"
for r in "${results[@]}"; do
    IFS='|' read -r gw offered n est lps failed med max gper bper rper gcpu rcpu idle_cpu counted <<<"$r"
    echo "| $gw | $offered | $n | $est | $lps | $failed | $med | $max | $gper | $bper | $rper | $counted |"
    # "flat" is a category of its own at the right of the plot (lib-plot.sh).
    echo "$gw,$offered,$n,$est,$lps,$failed,$med,$max,$gper,$bper,$rper,$gcpu,$rcpu,$idle_cpu" >>"$csv"
done
echo
echo "CSV: $csv"
if [ -f "$top/scripts/lib-plot.sh" ]; then
    # shellcheck source=/dev/null
    . "$top/scripts/lib-plot.sh"
    bench_plot --csv "$csv" --out "$csv.png" --title "EAP-MSCHAPv2 logins via RADIUS (FreeRADIUS 3.2)" \
        --x offered --y logins_per_s --series gateway --xlabel "offered logins/s" \
        --ylabel "logins/s completed"
else
    echo "plot skipped: scripts/lib-plot.sh missing"
fi
