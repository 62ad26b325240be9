#!/usr/bin/env bash
# Full IKE SAs per second on one responder core: veer-ike and strongSwan's
# charon under the same load, in the same run, plus lib/ike's in-process
# figures (bench_ike_sa). Benchmarks print figures; they never pass or fail.
#
#   sudo scripts/bench-ike.sh                      # 10000 SAs, 128 in flight, best of 3
#   BENCH_IKE_SAS=20000 BENCH_IKE_WINDOW=256 BENCH_IKE_RUNS=5 sudo scripts/bench-ike.sh
#   BENCH_RESPONDER_CPU=1 BENCH_GENERATOR_CPU=0 sudo scripts/bench-ike.sh
#   BENCH_IKE_ONLY=veer sudo scripts/bench-ike.sh  # or strongswan: one responder only
#
# What runs: two network namespaces joined by a veth (tests/interop/lib.sh's
# lab, removed on exit). In the gateway namespace a responder, pinned with
# taskset to BENCH_RESPONDER_CPU (default 0): first veer-ike, then charon.
# In the client namespace tests/bench/bench_ike_load, pinned to
# BENCH_GENERATOR_CPU (default 1): lib/ike's initiator on UDP sockets
# establishing BENCH_IKE_SAS IKE SAs (IKE_SA_INIT + IKE_AUTH, PSK, X25519,
# AES-GCM-16-256, PRF HMAC-SHA2-256, one Child SA with AES-GCM-16-256) with at
# most BENCH_IKE_WINDOW exchanges in flight. Each run starts a fresh
# responder; the generator reads the responder's CPU time (every thread) and
# VmRSS from /proc before the first SA and after the last.
#
# Both responders get the same job, with their limits raised so that neither
# refuses or slows the load on purpose:
#   veer-ike: cookie_threshold 0 (no cookies), max_sas above the SA count,
#             -q (warnings only: no log line per SA).
#   charon:   dos_protection = no, cookie_threshold, cookie_threshold_ip and
#             block_threshold (half-open SAs per IP, default 5) at 1000000,
#             init_limit_half_open = 0, ikesa_table_size = 32768 with 16
#             segments (the default is one bucket: a linear list of every SA),
#             threads = 16 (its default), logging off (-1 everywhere).
# Differences that remain, on purpose: charon installs each Child SA into
# kernel-libipsec (its userspace ESP; this kernel has no ESP, docs/lab.md) and,
# because libipsec needs ESP in UDP, moves IKE to port 4500 (NAT-T forced);
# veer-ike has no dataplane and only reports a Child SA. charon uses its
# default plugins for this lab (random, nonce, kdf, openssl, ...).
#
# The machines are shared and noisy: compare figures from one run side by side.
# The final table also goes to CSV with a PNG of IKE SAs/s per responder
# (scripts/lib-plot.sh): bench-ike-sas.csv/.png in build/bench-out (BENCH_OUT).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
# shellcheck source=scripts/lib-plot.sh
source "$top/scripts/lib-plot.sh"
csv=$(bench_csv_dir)/bench-ike-sas.csv
build=${BENCH_BUILD_DIR:-build-bench}
nsas=${BENCH_IKE_SAS:-10000}
window=${BENCH_IKE_WINDOW:-128}
runs=${BENCH_IKE_RUNS:-3}
resp_cpu=${BENCH_RESPONDER_CPU:-0}
gen_cpu=${BENCH_GENERATOR_CPU:-1}
only=${BENCH_IKE_ONLY:-}
psk="bench-psk-0123456789"

run() {
    echo "+ $*"
    "$@"
}

[ "$(id -u)" = 0 ] || {
    echo "bench-ike.sh: needs root (network namespaces)" >&2
    exit 1
}
if [ ! -f "$build/build.ninja" ]; then
    run meson setup "$build" --buildtype=release -Dtests=false -Dfuzz=false -Dbench=true
fi
run ninja -C "$build"
gen="$build/tests/bench/bench_ike_load"

echo
echo "== in process: bench_ike_sa (lib/ike initiator and responder in one thread, no sockets)"
for _ in $(seq "$runs"); do
    run taskset -c "$resp_cpu" "$build/tests/bench/bench_ike_sa" -n "$nsas"
done

# shellcheck source=tests/interop/lib.sh
source "$top/tests/interop/lib.sh"
lab_init "$build" bi
lab_topology
# The lab has the client at 198.51.100.2 (10.1.0.1 behind it) and the gateway at
# 198.51.100.1; charon needs an address inside its own traffic selector too, or
# kernel-libipsec cannot install the Child SA's policies.
ip -n "$ns_gw" addr add 10.2.0.1/32 dev lo

cat >"$work/veer.yaml" <<EOF
gateway:
  listen: [198.51.100.1]
  max_sas: $((2 * nsas + 1024))
  cookie_threshold: 0
peers:
  - name: load
    local_id: gw.bench
    remote_id: load.bench
    psk_file: $work/psk
    ike_proposals: [aes256gcm16-prfsha256-x25519]
    esp_proposals: [aes256gcm16]
    local_ts: [10.2.0.0/16]
    remote_ts: [10.1.0.0/16]
EOF
printf '%s' "$psk" >"$work/psk"
chmod 600 "$work/psk"

mkdir -p "$work/gw"
cat >"$work/gw/strongswan.conf" <<EOF
charon {
  load_modular = no
  load = random nonce kdf openssl pem pkcs1 x509 pubkey kernel-libipsec kernel-netlink socket-default vici
  install_routes = no
  install_virtual_ip = no
  threads = 16
  dos_protection = no
  cookie_threshold = 1000000
  cookie_threshold_ip = 1000000
  block_threshold = 1000000
  init_limit_half_open = 0
  init_limit_job_load = 0
  ikesa_table_size = 32768
  ikesa_table_segments = 16
  plugins {
    vici { socket = unix://$work/gw/vici }
    kernel-libipsec { allow_peer_ts = yes }
  }
  filelog {
    gw {
      path = $work/charon.log
      default = -1
    }
  }
  syslog {
    daemon {
      default = -1
    }
  }
}
EOF
cat >"$work/gw/swanctl.conf" <<EOF
connections {
  load {
    version = 2
    proposals = aes256gcm16-prfsha256-x25519
    local {
      auth = psk
      id = gw.bench
    }
    remote {
      auth = psk
      id = load.bench
    }
    children {
      net {
        local_ts = 10.2.0.0/16
        remote_ts = 10.1.0.0/16
        esp_proposals = aes256gcm16
      }
    }
  }
}
secrets {
  ike-load {
    id-1 = gw.bench
    id-2 = load.bench
    secret = "$psk"
  }
}
EOF

gw_swan() { ip netns exec "$ns_gw" swanctl "$@" --uri "unix://$work/gw/vici"; }

start_veer() {
    : >"$work/veer.log"
    ip netns exec "$ns_gw" taskset -c "$resp_cpu" "$veer_ike" -c "$work/veer.yaml" -q \
        >"$work/veer.log" 2>&1 &
    veer_pid=$!
    wait_for 50 grep -q "veer-ike running" "$work/veer.log" || fail "veer-ike did not start"
    responder_pid=$veer_pid
}

stop_veer() {
    kill "$veer_pid" 2>/dev/null || true
    wait "$veer_pid" 2>/dev/null || true
    veer_pid=""
}

start_charon() {
    rm -f "$work/gw/vici"
    ip netns exec "$ns_gw" taskset -c "$resp_cpu" unshare -m sh -c "mount -t tmpfs tmpfs /run && \
        STRONGSWAN_CONF=$work/gw/strongswan.conf exec /usr/lib/ipsec/charon" \
        >"$work/charon.out" 2>&1 &
    charon_pid=$!
    wait_for 100 gw_swan --stats || fail "charon did not start"
    gw_swan --load-all --file "$work/gw/swanctl.conf" >"$work/load.out" 2>&1 ||
        fail "swanctl --load-all: $(cat "$work/load.out")"
    [ "$(cat "/proc/$charon_pid/comm")" = charon ] || fail "PID $charon_pid is not charon"
    responder_pid=$charon_pid
}

stop_charon() {
    # SIGKILL: tens of thousands of SAs would otherwise be torn down one by one.
    kill -KILL "$charon_pid" 2>/dev/null || true
    wait "$charon_pid" 2>/dev/null || true
    charon_pid=""
}

# One measured run against the responder started by $1; its result line is kept in $2.
measure() {
    local start=$1 stop=$2 out=$3
    "$start"
    sleep 0.5 # let it settle (charon's thread pool, the first fetches)
    run ip netns exec "$ns_cl" taskset -c "$gen_cpu" "$gen" -l 198.51.100.2 -r 198.51.100.1 \
        -n "$nsas" -w "$window" -k "$psk" -p "$responder_pid" -t 120 | tee -a "$out"
    "$stop"
}

# From a file of generator outputs: the result line with the highest rate.
best() {
    grep '^result ' "$1" | sed 's/.*rate=\([0-9]*\).*/\1 &/' | sort -n | tail -n1 | cut -d' ' -f2-
}

field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }

row() {
    local name=$1 line=$2
    if [ -z "$line" ]; then
        printf '| %-24s | %9s | %14s | %14s | %15s | %11s | %11s |\n' "$name" - - - - - -
        bench_csv_row "$csv" "$name" - - - - - -
        return
    fi
    local rate cpu rss gen est
    est="$(field established "$line")/$(field children "$line")"
    rate=$(field rate "$line")
    cpu=$(field resp_cpu_us "$line")
    rss=$(field rss_bytes_per_sa "$line")
    gen=$(field gen_cpu_pct "$line")
    local per_core
    per_core=$(awk -v c="$cpu" 'BEGIN { if (c > 0) printf "%.0f", 1e6 / c; else print "-" }')
    printf '| %-24s | %9s | %14s | %14s | %15s | %11s | %11s |\n' "$name" "$rate" "$cpu" \
        "$per_core" "$rss" "$gen%" "$est"
    bench_csv_row "$csv" "$name" "$rate" "$cpu" "$per_core" "$rss" "$gen" "$est"
}

if [ "$only" != strongswan ]; then
    echo
    echo "== veer-ike responder on CPU $resp_cpu, generator on CPU $gen_cpu"
    for _ in $(seq "$runs"); do measure start_veer stop_veer "$work/veer.results"; done
fi
if [ "$only" != veer ]; then
    echo
    echo "== strongSwan $(dpkg-query -W -f='${Version}' strongswan-charon 2>/dev/null || true) charon responder on CPU $resp_cpu, generator on CPU $gen_cpu"
    for _ in $(seq "$runs"); do measure start_charon stop_charon "$work/charon.results"; done
fi

echo
echo "== $nsas IKE SAs per run, $window in flight, best of $runs runs by rate; $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '| %-24s | %9s | %14s | %14s | %15s | %11s | %11s |\n' responder "IKE SAs/s" \
    "resp. us CPU/SA" "SAs/s per core" "RSS bytes/SA" "gen. CPU" "IKE/Child"
printf '| %-24s | %9s | %14s | %14s | %15s | %11s | %11s |\n' "---" "---" "---" "---" "---" "---" "---"
bench_csv_header "$csv" responder "IKE SAs/s" "resp. us CPU/SA" "SAs/s per core" "RSS bytes/SA" \
    "gen. CPU %" IKE/Child
if [ "$only" != strongswan ]; then row "veer-ike" "$(best "$work/veer.results" 2>/dev/null || true)"; fi
if [ "$only" != veer ]; then row "strongSwan charon" "$(best "$work/charon.results" 2>/dev/null || true)"; fi
echo "(SAs/s per core = 1e6 / responder CPU us per SA; gen. CPU near 100% means the generator set the pace)"
echo
bench_plot --csv "$csv" --out "${csv%.csv}.png" --style bars --x responder \
    --y "IKE SAs/s,SAs/s per core" --xlabel "" --ylabel "IKE SAs per second" \
    --title "Full IKE SAs (IKE_SA_INIT + IKE_AUTH, one Child SA), $nsas per run, $window in flight" || true
bench_outputs
