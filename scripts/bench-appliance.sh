#!/usr/bin/env bash
# The whole appliance on one worker core: app/veer reads traffic from a pcap
# that DPDK's net_pcap replays without end (infinite_rx=1), runs ESP tunnel
# mode on it, and sends the result into net_null. Encrypt (plaintext in on the
# protected port, ESP out) and decrypt (ESP sealed by OpenSSL in, plaintext
# out), AES-GCM-128, 64/512/1400 B and IMIX (7:4:1 of 64/576/1500), counted by
# veer's own worker counters over a fixed window. In the same run and on the
# same pcaps: DPDK's ipsec-secgw (scripts/bench-secgw.sh, when present) and the
# raw crypto limit from dpdk-test-crypto-perf.
#
# The SA is manually keyed (dataplane.static_sas) so that both gateways use the
# same keys and a replayed pcap is not refused as a replay (anti-replay is off
# for manual keys, as in ipsec-secgw's default). Prints figures; never passes or
# fails. Root is not needed. The machines are shared: compare within one run.
# Each figure also comes per CPU-second of the worker thread (its utime +
# stime from /proc): on a machine where other jobs take the worker's CPU now
# and then, that column holds where the wall-clock rate falls.
#   scripts/bench-appliance.sh                 # 5 s per figure
#   BENCH_SECONDS=10 BENCH_RUNS=5 scripts/bench-appliance.sh
#   BENCH_CASES="enc-64 dec-64" BENCH_REFERENCE=0 scripts/bench-appliance.sh
#   BENCH_VEER=/elsewhere/build/app/veer/veer ...   (another app/veer on the same pcaps)
#       (veer alone, two figures; cases: enc-SIZE, dec-SIZE for 64 512 1400 imix, redirect, cookie,
#       workers: 1 vs 2 workers encrypting with 1 and 16 SAs, 64 and 1400 B)
# Every table also goes to CSV with a PNG (scripts/lib-plot.sh) in build/bench-out
# (BENCH_OUT): bench-appliance-veer, -stateless, -workers, -crypto-perf, and
# bench-appliance-beside: veer's Mpps per size beside ipsec-secgw's and crypto-perf's.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
build=${BENCH_BUILD_DIR:-build-bench}
seconds=${BENCH_SECONDS:-5}
runs=${BENCH_RUNS:-3}
cases=${BENCH_CASES:-} # empty: every direction and size
reference=${BENCH_REFERENCE:-1}
veer=${BENCH_VEER:-$build/app/veer/veer} # another build's app/veer to compare with
[ -f "$build/build.ninja" ] ||
    meson setup "$build" --buildtype=release -Dtests=true -Dfuzz=false -Dbench=true
ninja -C "$build" app/veer/veer tests/tools/gen_bench_pcap tests/tools/gen_flood_pcap >/dev/null || exit 1
work=$(mktemp -d /tmp/veer-bench-appliance.XXXXXX)
veer_pid=""
cleanup() {
    [ -n "$veer_pid" ] && kill "$veer_pid" 2>/dev/null
    wait 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
# shellcheck source=scripts/lib-plot.sh
source "$top/scripts/lib-plot.sh"
out=$(bench_csv_dir)
csv_veer=$out/bench-appliance-veer.csv
csv_sl=$out/bench-appliance-stateless.csv
csv_workers=$out/bench-appliance-workers.csv
csv_cp=$out/bench-appliance-crypto-perf.csv
csv_beside=$out/bench-appliance-beside.csv
"$build/tests/tools/gen_bench_pcap" "$work" 4096 || exit 1
"$build/tests/tools/gen_flood_pcap" "$work/flood.pcap" 4096 || exit 1
"$build/tests/tools/gen_flood_pcap" "$work/flood-nors.pcap" 4096 --no-redirect-supported || exit 1
printf 'bench-only-0123456789' >"$work/psk"
chmod 600 "$work/psk"

# What every benchmark configuration starts with: one worker, the gate in mode $1.
dataplane_head() {
    cat <<EOF
dataplane:
  workers: 1
  idle_sleep_us: 100
  mbufs: 16384
  admission:
    mode: $1
EOF
}

# veer's config for one direction: the pcap on the input port, net_null on the other.
config() { # $1 enc|dec, $2 size
    local outside="net_null0,no-rx=1" inside="net_null1,no-rx=1"
    if [ "$1" = enc ]; then
        inside="net_pcap0,rx_pcap=$work/plain-$2.pcap,infinite_rx=1"
    else
        outside="net_pcap0,rx_pcap=$work/esp-$2.pcap,infinite_rx=1"
    fi
    dataplane_head off
    cat <<EOF
  ports:
    - name: outside
      device: $outside
      address: 198.51.100.1/24
      mtu: 9000 # the IMIX's 1500-byte packets leave whole (ESP adds 62), as before
    - name: inside
      device: $inside
      address: 10.2.0.1/24
  neighbours:
    - {address: 198.51.100.2, mac: "02:00:00:00:00:02", port: outside}
    - {address: 10.2.0.2, mac: "02:00:00:00:00:02", port: inside}
  static_sas:
    - name: bench
      local: 198.51.100.1
      remote: 198.51.100.2
      esp: aes128gcm16
      spi_in: 0x2000
      spi_out: 0x1000
      key_in: 101112131415161718191a1b1c1d1e1fb0b1b2b3
      key_out: 000102030405060708090a0b0c0d0e0fa0a1a2a3
      local_ts: [10.2.0.0/24]
      remote_ts: [10.1.0.0/24]
EOF
}

# One worker counter, summed over workers, from veer's telemetry.
counter() { # $1 prefix, $2 name
    echo /veer/workers | dpdk-telemetry.py -f "$1" 2>/dev/null |
        /usr/bin/python3 -c 'import json, sys
t = sys.stdin.read(); s = t.find("{\"")
d = json.loads(t[s:t.rfind("}") + 1]) if s >= 0 else {}
print(sum((next(iter(d.values()), None) or {}).get(sys.argv[1], [0])))' "$2"
}

avg_bytes() { # plaintext IP bytes per packet
    case $1 in imix) awk 'BEGIN { print (7 * 64 + 4 * 576 + 1500) / 12 }' ;; *) echo "$1" ;; esac
}

# CPU ticks (utime + stime) of veer's worker threads so far, summed.
worker_ticks() { # $1 pid
    local t sum=0
    for t in /proc/"$1"/task/*; do
        case $(cat "$t/comm" 2>/dev/null) in rte-worker*)
            sum=$((sum + $(awk '{ print $14 + $15 }' "$t/stat")))
            ;;
        esac
    done
    echo "$sum"
}

# Runs veer on a configuration for BENCH_SECONDS and prints "<count before> <after> <t0> <t1>
# <worker ticks before> <after>" of one worker counter (nothing when veer did not run).
# EAL lcores: $LCORES, by default the control lcore on CPU 0 (idle here), the worker alone on CPU 1.
measure() { # $1 config file, $2 counter
    local prefix c0 c1 t0 t1 u0 u1
    prefix="bench$$$(basename "$1" .yaml)"
    "$veer" --lcores "${LCORES:-0@0,1@1}" --no-huge -m 1024 --no-pci \
        --file-prefix "$prefix" --log-level=lib.eal:error -- -c "$1" >"${1%.yaml}.log" 2>&1 &
    veer_pid=$!
    for _ in $(seq 50); do
        grep -q "veer running" "${1%.yaml}.log" && break
        sleep 0.1
    done
    sleep 1 # warm up
    c0=$(counter "$prefix" "$2")
    t0=$(date +%s.%N)
    u0=$(worker_ticks "$veer_pid")
    sleep "$seconds"
    c1=$(counter "$prefix" "$2")
    t1=$(date +%s.%N)
    u1=$(worker_ticks "$veer_pid")
    kill "$veer_pid" 2>/dev/null
    wait "$veer_pid" 2>/dev/null
    veer_pid=""
    if [ -n "$c0" ] && [ -n "$c1" ]; then echo "$c0 $c1 $t0 $t1 $u0 $u1"; fi
}

# The fastest of BENCH_RUNS measurements (as scripts/bench-secgw.sh reports ipsec-secgw's).
best_of() { # $1 config, $2 counter
    local best="" bestrate=0 r rate
    for _ in $(seq "$runs"); do
        r=$(measure "$1" "$2")
        [ -n "$r" ] || continue
        rate=$(echo "$r" | awk '{ printf "%.0f", ($2 - $1) / ($4 - $3) }')
        if [ "$rate" -gt "$bestrate" ]; then
            bestrate=$rate
            best=$r
        fi
    done
    echo "$best"
}

echo "== veer, one worker core, best of $runs runs of ${seconds} s: net_pcap (infinite_rx) -> ESP -> net_null," \
    "$(date -u +%FT%TZ), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
printf '%-9s %-6s %10s %10s %14s\n' direction size Mpps Gbps "Mpps/CPU-s"
bench_csv_header "$csv_veer" direction size Mpps Gbps Mpps/CPU-s
hz=$(getconf CLK_TCK)
for dir in enc dec; do
    for size in 64 512 1400 imix; do
        [ -z "$cases" ] || [[ " $cases " == *" $dir-$size "* ]] || continue
        config "$dir" "$size" >"$work/veer-$dir-$size.yaml"
        what=esp_encrypted
        [ "$dir" = dec ] && what=esp_decrypted
        r=$(best_of "$work/veer-$dir-$size.yaml" "$what")
        if [ -z "$r" ]; then
            printf '%-9s %-6s %s\n' "$dir" "$size" "no figures: $(tail -1 "$work/veer-$dir-$size.log")"
            bench_csv_row "$csv_veer" "$dir" "$size" - - -
            continue
        fi
        # Gbps of plaintext IP bytes, as crypto-perf and ipsec-secgw figures are given.
        echo "$dir $size $r $(avg_bytes "$size") $hz" | awk -v csv="$csv_veer" '{
            pps = ($4 - $3) / ($6 - $5)
            cpu = ($8 - $7) / $10
            printf "%-9s %-6s %10.2f %10.2f %14s\n", ($1 == "enc" ? "encrypt" : "decrypt"), $2, pps / 1e6,
                pps * $9 * 8 / 1e9, (cpu > 0 ? sprintf("%.2f", ($4 - $3) / cpu / 1e6) : "-")
            printf "%s,%s,%.2f,%.2f,%s\n", ($1 == "enc" ? "encrypt" : "decrypt"), $2, pps / 1e6,
                pps * $9 * 8 / 1e9, (cpu > 0 ? sprintf("%.2f", ($4 - $3) / cpu / 1e6) : "-") >>csv }'
    done
done

# The stateless replies: new IKE_SA_INITs (tests/tools/gen_flood_pcap) replayed into one
# port with the gate closed; the worker answers each in place.
stateless_config() { # $1 pcap, $2 redirect_to line or empty
    dataplane_head on
    cat <<EOF
$2
  ports:
    - name: outside
      device: net_pcap0,rx_pcap=$1,infinite_rx=1
      address: 198.51.100.1/24
peers:
  - name: any
    local_id: gw.example
    remote_id: '%any'
    psk_file: $work/psk
    ike_proposals: [aes128gcm16-prfsha256-x25519]
    esp_proposals: [aes128gcm16]
    local_ts: [10.2.0.0/24]
    remote_ts: [10.1.0.0/16]
EOF
}
echo
echo "== veer, one worker core: stateless replies to new IKE_SA_INITs (net_pcap replay, 250 B requests)"
printf '%-34s %10s\n' reply Mpps
bench_csv_header "$csv_sl" reply Mpps
stateless_config "$work/flood.pcap" "    redirect_to: [192.0.2.77]" >"$work/sl-redirect.yaml"
stateless_config "$work/flood-nors.pcap" "" >"$work/sl-cookie.yaml"
for kind in redirect cookie; do
    [ -z "$cases" ] || [[ " $cases " == *" $kind "* ]] || continue
    r=$(best_of "$work/sl-$kind.yaml" "gate_${kind}s")
    label="REDIRECT (client supports it)"
    [ "$kind" = cookie ] && label="COOKIE (client without REDIRECT)"
    if [ -z "$r" ]; then
        printf '%-34s %s\n' "$label" "no figures: $(tail -1 "$work/sl-$kind.log")"
        bench_csv_row "$csv_sl" "$label" -
        continue
    fi
    echo "$r" | awk -v l="$label" '{ printf "%-34s %10.2f\n", l, ($2 - $1) / ($4 - $3) / 1e6 }'
    bench_csv_row "$csv_sl" "$label" "$(echo "$r" | awk '{ printf "%.2f", ($2 - $1) / ($4 - $3) / 1e6 }')"
done

# 1 vs 2 workers, encrypting: net_pcap replays the same pcap into one RX queue per worker,
# with one SA (every packet's SA owned by one worker: the other hands its half over) and with
# 16 (each worker owns 8: it hands half of what it receives to the other, and takes as much).
# 2 workers share the 2 CPUs with the control lcore ('0@0,1@0,2@1'): Mpps per CPU-second of
# the workers is the figure that does not depend on what else the CPUs did.
workers_config() { # $1 workers, $2 pcap, $3 SAs
    local rx="rx_pcap=$2" k
    [ "$1" = 2 ] && rx="rx_pcap=$2,rx_pcap=$2"
    dataplane_head off | sed "s/workers: 1/workers: $1/"
    cat <<EOF
  ports:
    - name: outside
      device: net_null0,no-rx=1
      address: 198.51.100.1/24
    - name: inside
      device: net_pcap0,$rx,infinite_rx=1
      address: 10.2.0.1/24
  neighbours:
    - {address: 198.51.100.2, mac: "02:00:00:00:00:02", port: outside}
  static_sas:
EOF
    for k in $(seq 0 $(($3 - 1))); do
        cat <<EOF
    - name: bench$k
      local: 198.51.100.1
      remote: 198.51.100.2
      esp: aes128gcm16
      spi_in: $((0x2000 + k))
      spi_out: $((0x1000 + k))
      key_in: 101112131415161718191a1b1c1d1e1fb0b1b2b3
      key_out: 000102030405060708090a0b0c0d0e0fa0a1a2a3
      local_ts: [10.2.0.0/24]
      remote_ts: [10.1.$k.0/24]
EOF
    done
}
# plain-SIZE.pcap with its destinations dealt over 10.1.0.2 .. 10.1.15.2 (16 SAs); UDP
# checksum 0 (none), IPv4 header checksum recomputed.
spread_pcap() { # $1 in, $2 out
    /usr/bin/python3 - "$1" "$2" <<'EOF'
import struct, sys
data = open(sys.argv[1], "rb").read()
out, off, i = bytearray(data[:24]), 24, 0
while off + 16 <= len(data):
    incl = struct.unpack_from("<I", data, off + 8)[0]
    rec = bytearray(data[off:off + 16 + incl])
    ip = 16 + 14
    rec[ip + 18] = i % 16
    rec[ip + 10:ip + 12] = b"\0\0"
    ihl = (rec[ip] & 15) * 4
    s = sum(struct.unpack_from("!%dH" % (ihl // 2), rec, ip))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    struct.pack_into("!H", rec, ip + 10, ~s & 0xffff)
    if rec[ip + 9] == 17:
        rec[ip + ihl + 6:ip + ihl + 8] = b"\0\0"
    out += rec
    off += 16 + incl
    i += 1
open(sys.argv[2], "wb").write(out)
EOF
}
if [ -z "$cases" ] || [[ " $cases " == *" workers "* ]]; then
    echo
    echo "== veer, 1 vs 2 workers, encrypt, best of $runs runs of ${seconds} s (2 CPUs: 2 workers share" \
        "them with the control lcore; per CPU-second counts the workers' own CPU time)"
    printf '%-6s %-5s %8s %8s %12s %8s %12s\n' size SAs "1w Mpps" "2w Mpps" "ratio" \
        "1w/CPU-s" "2w/CPU-s ratio"
    bench_csv_header "$csv_workers" size SAs "1w Mpps" "2w Mpps" ratio 1w/CPU-s 2w/CPU-s "CPU-s ratio"
    for size in 64 1400; do
        spread_pcap "$work/plain-$size.pcap" "$work/plain16-$size.pcap"
        for nsa in 1 16; do
            pcap="$work/plain-$size.pcap"
            [ "$nsa" = 16 ] && pcap="$work/plain16-$size.pcap"
            line="$size $nsa"
            for nw in 1 2; do
                workers_config "$nw" "$pcap" "$nsa" >"$work/w$nw-$size-$nsa.yaml"
                lc='0@0,1@1'
                [ "$nw" = 2 ] && lc='0@0,1@0,2@1'
                r=$(LCORES=$lc best_of "$work/w$nw-$size-$nsa.yaml" esp_encrypted)
                [ -n "$r" ] || r="0 0 0 1 0 0"
                line="$line $r"
            done
            echo "$line $hz" | awk -v csv="$csv_workers" '{
                p1 = ($4 - $3) / ($6 - $5); c1 = ($8 - $7) / $15
                p2 = ($10 - $9) / ($12 - $11); c2 = ($14 - $13) / $15
                q1 = c1 > 0 ? ($4 - $3) / c1 : 0; q2 = c2 > 0 ? ($10 - $9) / c2 : 0
                printf "%-6s %-5s %8.2f %8.2f %11.2fx %8.2f %8.2f %5.2fx\n", $1, $2, p1 / 1e6, p2 / 1e6,
                    (p1 > 0 ? p2 / p1 : 0), q1 / 1e6, q2 / 1e6, (q1 > 0 ? q2 / q1 : 0)
                printf "%s,%s,%.2f,%.2f,%.2f,%.2f,%.2f,%.2f\n", $1, $2, p1 / 1e6, p2 / 1e6,
                    (p1 > 0 ? p2 / p1 : 0), q1 / 1e6, q2 / 1e6, (q1 > 0 ? q2 / q1 : 0) >>csv }'
        done
    done
fi

# The plots, veer's Mpps beside the references run here, and where the files are.
finish() {
    local plot_veer=0
    awk -F, 'NR > 1 && $3 != "-" { found = 1 } END { exit !found }' "$csv_veer" && plot_veer=1
    [ "$plot_veer" = 1 ] && bench_plot --csv "$csv_veer" --out "${csv_veer%.csv}.png" --style bars \
        --title "app/veer, one worker core, AES-GCM-128 tunnel: net_pcap -> ESP -> net_null" \
        --x size --y Mpps --series direction --xlabel "plaintext IP packet (bytes, or IMIX)" \
        --ylabel "Mpps (best of $runs runs of ${seconds} s)"
    [ -s "$csv_workers" ] && bench_plot --csv "$csv_workers" --out "${csv_workers%.csv}.png" \
        --style bars --title "app/veer, 1 vs 2 workers encrypting (2 CPUs shared with the control lcore)" \
        --x size --y "1w Mpps,2w Mpps" --series SAs --xlabel "plaintext IP packet (bytes); SAs" \
        --ylabel "Mpps (best of $runs runs of ${seconds} s)"
    # veer, ipsec-secgw and crypto-perf in one table, when they ran in this run.
    [ "$plot_veer" = 1 ] || { echo; bench_outputs; return; }
    bench_csv_header "$csv_beside" gateway direction size Mpps
    awk -F, 'NR > 1 { print "veer," $1 "," $2 "," $3 }' "$csv_veer" >>"$csv_beside"
    [ -s "$out/bench-secgw-best.csv" ] &&
        awk -F, 'NR > 1 { print "ipsec-secgw," $1 "," $2 "," $3 }' "$out/bench-secgw-best.csv" >>"$csv_beside"
    # crypto-perf at the sizes veer ran (it has no IMIX).
    [ -s "$csv_cp" ] && awk -F, 'FNR == 1 { next } NR == FNR { ran[$2] = 1; next }
        ($1 in ran) { print "crypto-perf (crypto alone)," "encrypt," $1 "," $2 }' \
        "$csv_veer" "$csv_cp" >>"$csv_beside"
    bench_plot --csv "$csv_beside" --out "${csv_beside%.csv}.png" --style bars \
        --title "One core, AES-GCM-128 tunnel: app/veer beside DPDK ipsec-secgw and crypto-perf" \
        --x size --y Mpps --series gateway,direction --xlabel "plaintext IP packet (bytes, or IMIX)" \
        --ylabel "Mpps (crypto-perf: Mops)"
    echo
    bench_outputs
}

# A CSV of an earlier run must not be taken for this run's.
rm -f "$out/bench-secgw-best.csv" "$csv_cp"
[ "$reference" = 1 ] || { finish; exit 0; }
if [ -x scripts/bench-secgw.sh ]; then
    echo
    echo "== DPDK ipsec-secgw, one worker core, the same pcaps and keys (scripts/bench-secgw.sh)"
    SECGW_RUNS=$runs SECGW_SECONDS=$seconds scripts/bench-secgw.sh "$work" ||
        echo "(ipsec-secgw did not run)"
fi

echo
echo "== dpdk-test-crypto-perf, crypto_aesni_gcm, AES-GCM-128 encrypt (the crypto alone)"
dpdk-test-crypto-perf -l 0,1 --no-huge -m 512 --no-pci --file-prefix "benchcp$$" \
    --log-level=error --vdev crypto_aesni_gcm -- --devtype crypto_aesni_gcm --optype aead \
    --aead-algo aes-gcm --aead-key-sz 16 --aead-iv-sz 12 --aead-op encrypt --aead-aad-sz 8 \
    --digest-sz 16 --buffer-sz 64,512,1400 --total-ops 5000000 --ptest throughput \
    --csv-friendly 2>/dev/null | grep -E '^#|^[0-9]' |
    awk -F, -v csv="$csv_cp" 'NR == 1 { printf "%-8s %10s %10s %10s\n", "buffer", "Mops", "Gbps", "cyc/op"
               print "buffer_B,Mops,Gbps,cyc/op" >csv; next }
             { printf "%-8s %10.2f %10.2f %10.0f\n", $2 " B", $8, $9, $10
               printf "%s,%.2f,%.2f,%.0f\n", $2, $8, $9, $10 >>csv }'
[ -s "$csv_cp" ] && bench_written_add "$csv_cp"
finish
