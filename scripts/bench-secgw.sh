#!/usr/bin/env bash
# DPDK's ipsec-secgw example as the reference beside veer in the whole-appliance
# ESP benchmark: AES-GCM-128 tunnel mode, encrypt and decrypt, one worker core,
# frames replayed from pcaps (net_pcap, infinite_rx) into net_null.
#
#   scripts/bench-secgw.sh PCAP_DIR
#
# PCAP_DIR holds plain-{64,512,1400,imix}.pcap and esp-{64,512,1400,imix}.pcap
# (scripts/make-bench-pcaps.py writes them; so will veer's generator): the
# plaintext frames the gateway encrypts with SPI 0x1000, and the ESP frames it
# decrypts with SPI 0x2000. Sizes are those of the plaintext IP packet.
#
# What it does, as root:
#   1. copies /usr/share/dpdk/examples/ipsec-secgw (Debian's dpdk-doc) into
#      build/secgw/src, drops its RX checksum offload requirement (below) and
#      builds it with its own Makefile (pkg-config libdpdk); nothing of DPDK's
#      tree is kept in this repository;
#   2. writes build/secgw/gw.cfg (SPs, SAs, routes of the benchmark);
#   3. checks once per direction and size that the output is right: replays the
#      pcap once into net_pcap's tx_pcap and has make-bench-pcaps.py decrypt
#      (encrypt direction) or read (decrypt direction) every packet out;
#   4. for each direction, size and crypto PMD, starts ipsec-secgw on one lcore,
#      waits for traffic, reads the output port's packet counter over telemetry
#      (/ethdev/stats,1) twice SECGW_SECONDS apart, and stops it. Best of
#      SECGW_RUNS runs (the machines are shared and noisy).
# Prints a table: direction, size, PMD, Mpps out, Gbps of plaintext IP bytes.
# Both its tables also go to CSV (scripts/lib-plot.sh) in build/bench-out
# (BENCH_OUT): bench-secgw-runs (each PMD) and bench-secgw-best, with a PNG of
# Mpps per size.
#
# Environment: SECGW_SECONDS (5), SECGW_RUNS (3), SECGW_CPU (1: the CPU of the
# single lcore), SECGW_SIZES ("64 512 1400 imix"), SECGW_DIRS ("encrypt
# decrypt"), SECGW_PMDS ("crypto_aesni_gcm crypto_aesni_mb"), SECGW_VERIFY (1),
# SECGW_LIBIPSEC (0; 1 runs ipsec-secgw's librte_ipsec code path, -l),
# SECGW_TYPE (lookaside-none; cpu-crypto makes the SAs synchronous CPU crypto,
# rte_ipsec calling the PMD's process function in the lcore itself, no crypto
# queues: the "synchronous CPU-crypto mode" of rte_ipsec; it implies -l).
set -uo pipefail

if [ $# -ne 1 ] || [ ! -d "$1" ]; then
    echo "usage: $0 PCAP_DIR   (scripts/make-bench-pcaps.py PCAP_DIR writes one)" >&2
    exit 2
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "bench-secgw: run as root (DPDK)" >&2
    exit 1
fi
pcaps=$(cd "$1" && pwd)
top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/lib-plot.sh
source "$top/scripts/lib-plot.sh"
out=$(bench_csv_dir)
work=$top/build/secgw
seconds=${SECGW_SECONDS:-5}
runs=${SECGW_RUNS:-3}
cpu=${SECGW_CPU:-1}
sizes=${SECGW_SIZES:-64 512 1400 imix}
dirs=${SECGW_DIRS:-encrypt decrypt}
pmds=${SECGW_PMDS:-crypto_aesni_gcm crypto_aesni_mb}
verify=${SECGW_VERIFY:-1}
libipsec=${SECGW_LIBIPSEC:-0}
sa_type=${SECGW_TYPE:-lookaside-none}
case "$sa_type" in
lookaside-none) sa_opt="" ;;
cpu-crypto) sa_opt=" type cpu-crypto" libipsec=1 ;;
*)
    echo "bench-secgw: SECGW_TYPE is lookaside-none or cpu-crypto, not $sa_type" >&2
    exit 2
    ;;
esac
example=/usr/share/dpdk/examples/ipsec-secgw
py=/usr/bin/python3   # Debian's python: sees python3-scapy
prefix=secgw$$
pid=

for f in "$example/ipsec-secgw.c" "$top/scripts/make-bench-pcaps.py"; do
    [ -f "$f" ] || { echo "bench-secgw: $f missing (apt-get install dpdk-doc?)" >&2; exit 1; }
done
for s in $sizes; do
    for k in plain esp; do
        [ -f "$pcaps/$k-$s.pcap" ] || { echo "bench-secgw: $pcaps/$k-$s.pcap missing" >&2; exit 1; }
    done
done

stop_secgw() {
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    pid=
    rm -rf "/var/run/dpdk/$prefix"
}
trap stop_secgw EXIT
trap 'exit 130' INT TERM

mkdir -p "$work"

# --- 1. build ---------------------------------------------------------------
# ipsec-secgw asks every port for RX checksum offload (port_conf.rxmode.offloads
# = RTE_ETH_RX_OFFLOAD_CHECKSUM, i.e. IPv4 + UDP + TCP checksums) and exits when
# a port lacks it; software ports (net_pcap, net_null) offer no RX offload:
#   Cause: Error: port 0 required RX offloads: 0xe, available RX offloads: 0x0
# Its poll-mode path never reads the checksum flags of received mbufs, so
# requesting no RX offload changes nothing else: the sed below turns that one
# initialiser into 0, and the build stops if it did not match.
doc_version=$(dpkg-query -W -f '${Version}' dpdk-doc 2>/dev/null || echo unknown)
stamp="dpdk-doc $doc_version, rx offloads 0"
if [ ! -x "$work/src/build/ipsec-secgw" ] || [ "$(cat "$work/stamp" 2>/dev/null)" != "$stamp" ]; then
    rm -rf "$work/src"
    cp -r "$example" "$work/src"
    sed -i 's/^\(\t\t\.offloads = \)RTE_ETH_RX_OFFLOAD_CHECKSUM,$/\10,/' "$work/src/ipsec-secgw.c"
    if grep -q 'RTE_ETH_RX_OFFLOAD_CHECKSUM' "$work/src/ipsec-secgw.c"; then
        echo "bench-secgw: the RX checksum offload line of ipsec-secgw.c did not match the sed" >&2
        exit 1
    fi
    echo "+ make -C $work/src   (ipsec-secgw from dpdk-doc $doc_version)"
    if ! make -C "$work/src" -j"$(nproc)" >"$work/build.log" 2>&1; then
        tail -20 "$work/build.log" >&2
        echo "bench-secgw: building ipsec-secgw failed (log: $work/build.log)" >&2
        exit 1
    fi
    echo "$stamp" >"$work/stamp"
fi
secgw=$work/src/build/ipsec-secgw

# --- 2. configuration ------------------------------------------------------
# Port 0 is the input (net_pcap), port 1 the output (net_null). Encrypt: port 0
# is the protected (inside) port, -u 0x2. Decrypt: port 0 is the unprotected
# (outside) port, -u 0x1. The same rules serve both: the routes send the outer
# destination of outbound ESP and the inner destination of decrypted packets to
# port 1. aead_key is the 16-byte key followed by the 4-byte salt.
cat >"$work/gw.cfg" <<EOF
# written by scripts/bench-secgw.sh (SA type $sa_type)
sp ipv4 out esp protect 4096 pri 1 dst 10.1.0.0/24 sport 0:65535 dport 0:65535
sp ipv4 in esp protect 8192 pri 1 dst 10.2.0.0/24 sport 0:65535 dport 0:65535
sa out 4096 aead_algo aes-128-gcm aead_key 00:01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f:a0:a1:a2:a3 mode ipv4-tunnel src 198.51.100.1 dst 198.51.100.2$sa_opt
sa in 8192 aead_algo aes-128-gcm aead_key 10:11:12:13:14:15:16:17:18:19:1a:1b:1c:1d:1e:1f:b0:b1:b2:b3 mode ipv4-tunnel src 198.51.100.2 dst 198.51.100.1$sa_opt
rt ipv4 dst 198.51.100.2/32 port 1
rt ipv4 dst 10.2.0.0/24 port 1
EOF

# Telemetry client (DPDK's v2 socket): "wait PREFIX SECONDS" until port 1 has
# sent something; "count PREFIX" prints port 1's opackets; "rate PREFIX SECONDS"
# prints the packets per second out of port 1 and into port 0.
cat >"$work/telemetry.py" <<'EOF'
import json, socket, sys, time
cmd, prefix = sys.argv[1], sys.argv[2]
path = f"/var/run/dpdk/{prefix}/dpdk_telemetry.v2"
def connect(deadline):
    while True:
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            s.connect(path)
            json.loads(s.recv(16384))
            return s
        except OSError:
            if time.monotonic() > deadline:
                sys.exit(f"telemetry: no socket {path}")
            time.sleep(0.2)
def stats(s, port):
    s.send(f"/ethdev/stats,{port}".encode())
    return json.loads(s.recv(65536))["/ethdev/stats"]
if cmd == "wait":
    deadline = time.monotonic() + float(sys.argv[3])
    s = connect(deadline)
    while stats(s, 1)["opackets"] == 0:
        if time.monotonic() > deadline:
            sys.exit("telemetry: nothing sent on port 1")
        time.sleep(0.2)
elif cmd == "count":
    print(stats(connect(time.monotonic() + 10), 1)["opackets"])
elif cmd == "rate":
    s = connect(time.monotonic() + 10)
    a, a0, t0 = stats(s, 1), stats(s, 0), time.monotonic()
    time.sleep(float(sys.argv[3]))
    b, b0, t1 = stats(s, 1), stats(s, 0), time.monotonic()
    print((b["opackets"] - a["opackets"]) / (t1 - t0), (b0["ipackets"] - a0["ipackets"]) / (t1 - t0))
EOF

# start_secgw DIRECTION SIZE PMD OUTPUT-VDEV [RX-DEVARGS]
start_secgw() {
    local dir=$1 size=$2 pmd=$3 out=$4 rxargs=${5:-} in unprot lib=()
    if [ "$dir" = encrypt ]; then in=plain; unprot=0x2; else in=esp; unprot=0x1; fi
    [ "$libipsec" = 1 ] && lib=(-l)
    # One lcore, the main one, does all the work (ipsec-secgw gives every lcore
    # a TX queue and net_pcap has one). It polls both ports (net_null0's RX is
    # off: no-rx=1), so that it owns crypto queue pairs for both directions
    # (the librte_ipsec path, -l, needs them at start). --mtu 1600: IMIX's
    # 1500-byte packets are 1556 bytes once in ESP; at the default 1500 the
    # example drops them.
    cmdline=("$secgw" -l "$cpu" --no-huge -m 1024 --no-pci --file-prefix "$prefix"
        --log-level=error
        --vdev "net_pcap0,rx_pcap=$pcaps/$in-$size.pcap$rxargs" --vdev "$out"
        --vdev "$pmd" -- -p 0x3 -P -u "$unprot" "${lib[@]}" --mtu 1600
        --config '(0,0,1),(1,0,1)' -f "$work/gw.cfg")
    "${cmdline[@]}" >"$work/secgw.log" 2>&1 &
    pid=$!
}

echo "== DPDK ipsec-secgw (dpdk-doc $doc_version), SAs $sa_type — $(date -u +%FT%TZ), $(nproc) CPUs,$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
echo "+ ${secgw#"$top"/} -l $cpu --no-huge -m 1024 --no-pci --file-prefix P --vdev net_pcap0,rx_pcap=PCAP_DIR/{plain,esp}-SIZE.pcap,infinite_rx=1 --vdev net_null0,no-rx=1 --vdev PMD -- -p 0x3 -P -u {0x2,0x1}$([ "$libipsec" = 1 ] && echo " -l") --mtu 1600 --config '(0,0,1),(1,0,1)' -f ${work#"$top"/}/gw.cfg"

# --- 3. correctness ----------------------------------------------------------
status=0
if [ "$verify" = 1 ]; then
    # A pcap with no packet: the global header alone (LE, v2.4, snaplen 65535,
    # Ethernet).
    printf '\xd4\xc3\xb2\xa1\x02\x00\x04\x00\0\0\0\0\0\0\0\0\xff\xff\0\0\x01\0\0\0' >"$work/empty.pcap"
    pmd=${pmds%% *}
    for dir in $dirs; do
        for size in $sizes; do
            rm -f "$work/out.pcap"
            # Port 1 reads an empty pcap, so that it has an RX queue as in the
            # measured runs.
            start_secgw "$dir" "$size" "$pmd" "net_pcap1,rx_pcap=$work/empty.pcap,tx_pcap=$work/out.pcap"
            want=$(capinfos -c -M "$pcaps/plain-$size.pcap" 2>/dev/null | awk '/Number of packets/ { print $NF }')
            # Bounded: the pcap is replayed once; stop when all of it has been
            # sent, or after 20 s.
            for _ in $(seq 100); do
                n=$("$py" "$work/telemetry.py" count "$prefix" 2>/dev/null) || n=0
                [ -n "$want" ] && [ "$n" = "$want" ] && break
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.2
            done
            stop_secgw
            if [ "$dir" = encrypt ]; then k=--verify-enc; else k=--verify-dec; fi
            printf '%-8s %-5s ' "$dir" "$size"
            if ! "$py" "$top/scripts/make-bench-pcaps.py" "$pcaps" "$k" "$work/out.pcap" --size "$size"; then
                echo "bench-secgw: ipsec-secgw's $dir output at $size is wrong (log: $work/secgw.log)" >&2
                status=1
            fi
        done
    done
fi

# --- 4. throughput -----------------------------------------------------------
# Mean plaintext IP packet size of each pcap, for Gbps.
declare -A meansize
for size in $sizes; do
    case $size in
        imix) meansize[$size]=$(awk 'BEGIN { print (7 * 64 + 4 * 576 + 1500) / 12 }') ;;
        *) meansize[$size]=$size ;;
    esac
done

declare -A best bestpmd
rows=()
echo
printf '%-8s %-5s %-17s %7s %7s   %s\n' direction size PMD Mpps Gbps "each run (Mpps out; rx if different)"
bench_csv_header "$out/bench-secgw-runs.csv" direction size PMD Mpps Gbps "each run"
for dir in $dirs; do
    for size in $sizes; do
        for pmd in $pmds; do
            top_mpps=0
            all=
            for run in $(seq "$runs"); do
                start_secgw "$dir" "$size" "$pmd" net_null0,no-rx=1 ",infinite_rx=1"
                if ! "$py" "$work/telemetry.py" wait "$prefix" 20; then
                    echo "bench-secgw: $dir $size $pmd run $run: no traffic; log:" >&2
                    tail -5 "$work/secgw.log" >&2
                    stop_secgw
                    status=1
                    continue
                fi
                sleep 1  # warm up
                r=$("$py" "$work/telemetry.py" rate "$prefix" "$seconds") || r="0 0"
                stop_secgw
                mpps=$(awk -v r="${r%% *}" 'BEGIN { printf "%.2f", r / 1e6 }')
                rxm=$(awk -v r="${r##* }" 'BEGIN { printf "%.2f", r / 1e6 }')
                all="$all $mpps"
                [ "$rxm" = "$mpps" ] || all="$all(rx $rxm)"
                top_mpps=$(awk -v a="$top_mpps" -v b="$mpps" 'BEGIN { print (b > a) ? b : a }')
            done
            gbps=$(awk -v m="$top_mpps" -v s="${meansize[$size]}" 'BEGIN { printf "%.2f", m * s * 8 / 1000 }')
            rows+=("$(printf '%-8s %-5s %-17s %7.2f %7s   %s' "$dir" "$size" "$pmd" "$top_mpps" "$gbps" "$all")")
            printf '%s\n' "${rows[-1]}"
            bench_csv_row "$out/bench-secgw-runs.csv" "$dir" "$size" "$pmd" "$top_mpps" "$gbps" "${all# }"
            k="$dir $size"
            if awk -v a="${best[$k]:-0}" -v b="$top_mpps" 'BEGIN { exit !(b > a) }'; then
                best[$k]=$top_mpps
                bestpmd[$k]=$pmd
            fi
        done
    done
done

echo
echo "== ipsec-secgw, AES-GCM-128 tunnel, one lcore: best of $runs runs of ${seconds} s, packets out of port 1"
echo "   (Gbps counts plaintext IP bytes; IMIX = 7:4:1 of 64/576/1500 B, mean ${meansize[imix]:-354.333} B)"
printf '%-9s %-6s %8s %8s  %s\n' direction size Mpps Gbps "faster PMD"
bench_csv_header "$out/bench-secgw-best.csv" direction size Mpps Gbps "faster PMD"
for dir in $dirs; do
    for size in $sizes; do
        k="$dir $size"
        m=${best[$k]:-0}
        printf '%-9s %-6s %8.2f %8.2f  %s\n' "$dir" "$size" "$m" \
            "$(awk -v m="$m" -v s="${meansize[$size]}" 'BEGIN { print m * s * 8 / 1000 }')" "${bestpmd[$k]:-—}"
        bench_csv_row "$out/bench-secgw-best.csv" "$dir" "$size" "$(printf '%.2f' "$m")" \
            "$(awk -v m="$m" -v s="${meansize[$size]}" 'BEGIN { printf "%.2f", m * s * 8 / 1000 }')" \
            "${bestpmd[$k]:--}"
    done
done
bench_plot --csv "$out/bench-secgw-runs.csv" --out "$out/bench-secgw-runs.png" --style bars \
    --title "DPDK ipsec-secgw, AES-GCM-128 tunnel, one lcore, per crypto PMD" --x size --y Mpps \
    --series direction,PMD --xlabel "plaintext IP packet (bytes, or IMIX)" \
    --ylabel "Mpps out (best of $runs runs of ${seconds} s)" || true
echo
bench_outputs
exit $status
