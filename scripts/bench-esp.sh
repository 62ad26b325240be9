#!/usr/bin/env bash
# ESP throughput on one core, with the raw crypto limit beside it from the same run:
#   1. tests/bench/bench_esp: lib/dp's ESP tunnel mode (AES-GCM-128, and
#      AES-CBC-128/256 + HMAC-SHA-256-128; ESP in UDP), encrypt and decrypt,
#      64/512/1400 B and IMIX, release build: first one packet per call
#      (-b 1, dp_esp_encrypt / dp_esp_decrypt), then bursts of 32 as a worker
#      hands them over (dp_esp_encrypt_burst / dp_esp_decrypt_burst);
#   2. dpdk-test-crypto-perf with the crypto_aesni_gcm PMD (intel-ipsec-mb):
#      AES-GCM-128 encryption alone, 64/512/1400 B, bursts of 32;
#   3. the same with the crypto_aesni_mb PMD: AES-CBC-128 and AES-CBC-256,
#      each then HMAC-SHA-256 (16-byte digest), alone, 64/512/1408 B (CBC
#      needs whole blocks).
# Prints figures; never passes or fails. The machines are shared: run it alone,
# and compare the parts of one run rather than runs. bench_esp times short
# passes many times and keeps the fastest (a pass the scheduler interrupted is
# only ever slower), which holds up on a busy machine far better than one long
# pass; crypto-perf runs once, so on a busy machine it reads low.
#   scripts/bench-esp.sh        # bench_esp: best of 100 passes of 1024 packets per figure;
#                               # crypto-perf: best of 10 runs of 5000 operations per size
#   BENCH_PACKETS=50000 BENCH_REPEAT=10 BENCH_OPS=2000000 BENCH_CP_RUNS=1 scripts/bench-esp.sh
# The tables also go to CSV with a PNG each (scripts/lib-plot.sh), in build/bench-out
# (BENCH_OUT): bench-esp-per-packet, bench-esp-burst (Mpps per frame size, a line per
# suite and direction) and bench-esp-crypto-perf (Mops per buffer size, the three
# crypto-perf tables in one, a column naming the cipher).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
# shellcheck source=scripts/lib-plot.sh
source "$top/scripts/lib-plot.sh"
out=$(bench_csv_dir)
build=${BENCH_BUILD_DIR:-build-bench}
packets=${BENCH_PACKETS:-1024}
repeat=${BENCH_REPEAT:-100}
ops=${BENCH_OPS:-5000}
[ -f "$build/build.ninja" ] ||
    meson setup "$build" --buildtype=release -Dtests=false -Dfuzz=false -Dbench=true
ninja -C "$build" tests/bench/bench_esp
# bench_esp's table rows (suite, frames as "64 B" or "IMIX", op, cyc/pkt, Mpps, Gbps)
# from its output on stdin, as CSV into $1 (frames in bytes: 64, or IMIX), while the
# output goes on to the terminal. (In a pipeline: the caller adds $1 to bench_outputs.)
esp_csv() {
    awk -v csv="$1" '{ print; fflush() }
        $1 == "suite" && $2 == "frames" { print "suite,frames,op,cyc/pkt,Mpps,Gbps" >csv; on = 1; next }
        on && (NF == 6 || (NF == 7 && $3 == "B")) && $(NF - 2) ~ /^[0-9.]+$/ {
            print $1 "," $2 "," $(NF - 3) "," $(NF - 2) "," $(NF - 1) "," $NF >csv; next }
        { on = 0 }'
}
esp_plot() { # $1 table name, $2 title
    bench_plot --csv "$out/bench-esp-$1.csv" --out "$out/bench-esp-$1.png" --title "$2" \
        --x frames --y Mpps --series suite,op --xlabel "frame (bytes, or IMIX)" \
        --ylabel "Mpps on one core (best pass)" || true
}
echo "== veer (lib/dp) — $(date -u +%FT%TZ), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
"$build/tests/bench/bench_esp" -n "$packets" -r "$repeat" -b 1 | esp_csv "$out/bench-esp-per-packet.csv"
echo
"$build/tests/bench/bench_esp" -n "$packets" -r "$repeat" | esp_csv "$out/bench-esp-burst.csv"
bench_written_add "$out/bench-esp-per-packet.csv"
bench_written_add "$out/bench-esp-burst.csv"
echo
# crypto-perf BENCH_CP_RUNS times (default 10), the best run per buffer size kept, as bench_esp does.
# Its rows go to bench-esp-crypto-perf.csv too, under the cipher's name (cipher=...).
cp_runs=${BENCH_CP_RUNS:-10}
cp_csv=$out/bench-esp-crypto-perf.csv
bench_csv_header "$cp_csv" cipher buffer_B Mops Gbps cyc/op
crypto_perf() {
    local cipher=${1#cipher=} pmd=$2
    shift 2
    echo "+ dpdk-test-crypto-perf -l 0,1 --no-huge -m 512 --no-pci --vdev $pmd -- --devtype $pmd $* --total-ops $ops --ptest throughput --csv-friendly  (best of $cp_runs)"
    for _ in $(seq "$cp_runs"); do
        dpdk-test-crypto-perf -l 0,1 --no-huge -m 512 --no-pci --file-prefix "benchcp$$" \
            --log-level=error --vdev "$pmd" -- --devtype "$pmd" "$@" --total-ops "$ops" \
            --ptest throughput --csv-friendly 2>/dev/null | grep -E '^[0-9]' || true
    done | awk -F, -v csv="$cp_csv" -v cipher="$cipher" '!($2 in best) { order[++n] = $2 }
        $8 > best[$2] { best[$2] = $8; line[$2] = $0 }
        END { printf "%-8s %10s %10s %10s\n", "buffer", "Mops", "Gbps", "cyc/op"
              for (i = 1; i <= n; i++) { split(line[order[i]], f, ",")
                  printf "%-8s %10.2f %10.2f %10.0f\n", f[2] " B", f[8], f[9], f[10]
                  printf "%s,%s,%.2f,%.2f,%.0f\n", cipher, f[2], f[8], f[9], f[10] >>csv } }'
}
echo "== dpdk-test-crypto-perf, crypto_aesni_gcm, AES-GCM-128 encrypt (the crypto alone)"
crypto_perf cipher=AES-GCM-128 crypto_aesni_gcm --optype aead --aead-algo aes-gcm --aead-key-sz 16 --aead-iv-sz 12 \
    --aead-op encrypt --aead-aad-sz 8 --digest-sz 16 --buffer-sz 64,512,1400
for key in 16 32; do
    echo
    echo "== dpdk-test-crypto-perf, crypto_aesni_mb, AES-CBC-$((key * 8)) + HMAC-SHA-256-128 (the crypto alone)"
    crypto_perf "cipher=AES-CBC-$((key * 8))+HMAC-SHA-256-128" crypto_aesni_mb --optype cipher-then-auth --cipher-algo aes-cbc --cipher-op encrypt \
        --cipher-key-sz "$key" --cipher-iv-sz 16 --auth-algo sha2-256-hmac --auth-op generate \
        --auth-key-sz 32 --digest-sz 16 --buffer-sz 64,512,1408
done

esp_plot per-packet "lib/dp ESP tunnel mode, one core, one packet per call (bench_esp -b 1)"
esp_plot burst "lib/dp ESP tunnel mode, one core, bursts of 32 (bench_esp)"
bench_plot --csv "$cp_csv" --out "$out/bench-esp-crypto-perf.png" --style bars \
    --title "dpdk-test-crypto-perf, encryption alone, one core" --x buffer_B --y Mops \
    --series cipher --xlabel "buffer (bytes)" --ylabel "Mops (best run)" || true
echo
bench_outputs
