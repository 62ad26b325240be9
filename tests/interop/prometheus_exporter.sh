#!/usr/bin/env bash
# veer-exporter (app/veer-exporter) scraped by a real Prometheus (Debian's 2.42)
# on a live app/veer with a strongSwan client connected through the tunnel lab:
#   1. /metrics passes `promtool check metrics` (names, HELP, TYPE, units),
#      counts the client's IKE SA as established with one Child SA, and has
#      the Child SA's series with strongSwan's SPIs;
#   2. Prometheus shows veer_up 1 through its HTTP query API; after pings
#      through the tunnel, the workers' decrypted ESP and the Child SA's
#      inbound packets moved in Prometheus;
#   3. veer stopped: Prometheus shows veer_up 0 and a scrape error counted.
# Prometheus (scraping every 2 s) and the exporter are the test's own
# processes, on loopback in the gateway's namespace (its own configuration, a
# temporary storage directory), never the system's service. About 30 s (45 s on a loaded
# 2-CPU machine).
#
# Needs root (network namespaces), DPDK and the prometheus package. Cleans up
# on exit. Usage:
#   tests/interop/prometheus_exporter.sh BUILD_DIR
set -uo pipefail
# shellcheck source=tests/interop/lib.sh
source "$(dirname "$0")/lib.sh"
lab_init "${1:?usage: $0 BUILD_DIR}" pe
command -v prometheus >/dev/null && command -v promtool >/dev/null ||
    fail "prometheus not installed (scripts/install-deps.sh installs Debian's)"
exporter="$(cd "$(dirname "$0")/../.." && pwd)/app/veer-exporter/veer-exporter"
exporter_at=127.0.0.1:9612
prom_at=127.0.0.1:9090

lab_topology_tunnel

# The exporter and Prometheus start with the lab (Prometheus takes a few
# seconds), in the gateway's namespace, so that their loopback ports are the
# test's alone. Until veer runs, the exporter answers veer_up 0.
ip netns exec "$ns_gw" "$exporter" --listen "$exporter_at" --prefix "$tag" \
    >"$work/exporter.log" 2>&1 &
lab_pids+=("$!")
cat >"$work/prometheus.yml" <<EOF
global:
  scrape_interval: 2s
  scrape_timeout: 2s
scrape_configs:
  - job_name: veer
    static_configs:
      - targets: ['$exporter_at']
EOF
ip netns exec "$ns_gw" prometheus --config.file="$work/prometheus.yml" \
    --storage.tsdb.path="$work/tsdb" --web.listen-address="$prom_at" --log.level=warn \
    >"$work/prometheus.log" 2>&1 &
lab_pids+=("$!")

lab_tunnel_up
swan --list-sas >"$work/swan.sas" 2>/dev/null
read -r swan_in swan_out < <(swan_child_spis "$work/swan.sas")
[ -n "$swan_in" ] || fail "no Child SA listed by strongSwan: $(cat "$work/swan.sas")"

# Fetches URL $1 from inside the gateway's namespace (never through a proxy);
# its body on stdout, and a failure for an HTTP error or no answer within 5 s.
fetch() {
    ip netns exec "$ns_gw" /usr/bin/python3 -c 'import sys, urllib.request
direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
sys.stdout.write(direct.open(sys.argv[1], timeout=5).read().decode())' "$1"
}

# --- 1. the exporter alone
wait_for 50 fetch "http://$exporter_at/metrics" || fail "1: no /metrics: $(cat "$work/exporter.log")"
fetch "http://$exporter_at/metrics" >"$work/metrics.txt"
grep -qx "veer_up 1" "$work/metrics.txt" || fail "1: no veer_up 1: $(head -20 "$work/metrics.txt")"
promtool check metrics <"$work/metrics.txt" >"$work/promtool.out" 2>&1 ||
    fail "1: promtool check metrics: $(head -20 "$work/promtool.out")"
# /veer/gauges: the client's SA, established, with its Child SA.
for line in 'veer_ike_sas{state="established"} 1' 'veer_child_sas 1' 'veer_ike_sas_half_open 0'; do
    grep -qxF "$line" "$work/metrics.txt" || fail "1: no \"$line\": $(grep -E '^veer_(ike_sas|child)' "$work/metrics.txt")"
done
# veer's inbound Child SA is strongSwan's outbound one.
grep -q "^veer_sa_packets_total{.*spi_in=\"$swan_out\".*spi_out=\"$swan_in\"" "$work/metrics.txt" ||
    fail "1: no series for the Child SA $swan_out/$swan_in: $(grep veer_sa_ "$work/metrics.txt")"
pass "1. /metrics: $(grep -vc '^#' "$work/metrics.txt") series, promtool clean, Child SA $swan_out/$swan_in"

# --- 2. Prometheus scrapes it
wait_for 150 fetch "http://$prom_at/-/ready" || fail "2: Prometheus not ready: $(tail "$work/prometheus.log")"

# Prints the value of PromQL $1 at Prometheus now (the first series; nothing when none).
promq() {
    fetch "http://$prom_at/api/v1/query?query=$(/usr/bin/python3 -c \
        'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$1")" |
        /usr/bin/python3 -c 'import json, sys
r = json.load(sys.stdin)["data"]["result"]
print(r[0]["value"][1] if r else "")'
}
# Succeeds when PromQL $1 has the value $2 at Prometheus now.
promq_is() { [ "$(promq "$1")" = "$2" ]; }

wait_for 100 promq_is veer_up 1 || fail "2: Prometheus never saw veer_up 1: $(promq up)"
before=$(promq 'veer_dataplane_esp_decrypted_total')
sa_in="veer_sa_packets_total{spi_in=\"$swan_out\",direction=\"in\"}"
sa_before=$(promq "$sa_in")
[ -n "$before" ] && [ -n "$sa_before" ] || fail "2: no ESP counters in Prometheus"
lab_ping_both_ways "2: "
moved() {
    [ "$(promq "veer_dataplane_esp_decrypted_total - $before >= 10")" != "" ] &&
        [ "$(promq "$sa_in - $sa_before >= 10")" != "" ]
}
wait_for 50 moved || fail "2: ESP counters did not move in Prometheus: $(promq veer_dataplane_esp_decrypted_total), $(promq "$sa_in")"
after=$(promq 'veer_dataplane_esp_decrypted_total')
pass "2. Prometheus: veer_up 1; decrypted ESP $before -> $after, Child SA in $sa_before -> $(promq "$sa_in")"

# --- 3. veer stopped
# The exporter ran before veer did: count only what comes after the stop.
errors_before=$(promq 'veer_exporter_scrape_errors_total{reason="not_running"}')
log_before=$(wc -l <"$work/exporter.log")
veer_dp_stop
wait_for 100 promq_is veer_up 0 || fail "3: Prometheus never saw veer_up 0: $(promq veer_up)"
errors=$(promq 'veer_exporter_scrape_errors_total{reason="not_running"}')
[ "${errors:-0}" -gt "${errors_before:-0}" ] ||
    fail "3: no scrape error counted: $errors_before -> $errors"
tail -n +"$((log_before + 1))" "$work/exporter.log" | grep -q "no veer running" ||
    fail "3: the exporter did not say why: $(cat "$work/exporter.log")"
pass "3. veer stopped: veer_up 0, scrapes without veer $errors_before -> $errors"
