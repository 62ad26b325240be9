#!/usr/bin/env bash
# veer's IPv6 reassembly, IPv6 source fragmentation and post-fragmentation of ESP
# packets carrying IPv6 up to 1280 bytes, against a real peer.
# As strongswan_fragments_tap.sh, over IPv6: app/veer's outside port is a
# net_tap (af_packet would let the kernel reassemble first) with
# 2001:db8:1::1/64 and `mtu: 1280`; once veer runs the TAP interface is moved
# into the client's namespace and becomes the client's link, its route to veer
# of MTU 1280. A strongSwan 5.9 client (kernel-libipsec, ESP in UDP/4500)
# talks to veer over IPv6 only and:
#   1. authenticates with RSA certificates and IKE fragmentation off
#      (`fragmentation = no`), so its IKE_AUTH (about 1.7 KB) leaves in IPv6
#      fragments made by its kernel: veer reassembles it on a worker
#      (reass_packets), and veer's own IKE_AUTH response with its certificate
#      leaves in IPv6 fragments made by veer (tx_ike_fragmented), which the
#      client's kernel reassembles; the SA is established, no RFC 7383
#      fragment counted on either side;
#   2. pings the server behind veer with 1400-byte IPv4 packets without DF:
#      the client's ESP-in-UDP packets leave in IPv6 fragments, veer
#      reassembles and decrypts them, and pre-fragments the echo replies
#      (IPv4 inner, IPv6 outer) so each ESP packet fits 1280; and sends
#      1400-byte UDP datagrams over IPv6 inside, reassembled by veer the same
#      way and received whole by the server;
#   3. IPv6 of 1200 to 1280 bytes inside, which the tunnel's inner MTU over
#      the 1280-byte link (1198) cannot carry in one ESP packet and IPv6
#      senders never shrink below: ping6 of 1280 bytes (-s 1232) and 1200
#      bytes both ways, veer sealing the packets whole and sending the ESP
#      packets in IPv6 fragments of its own (post-fragmentation,
#      esp_outer_fragmented), which the client's kernel reassembles before
#      kernel-libipsec decrypts them; 1400 bytes with DF from the server gets
#      Packet Too Big with mtu 1280 (not 1198);
#   4. sends 1 MiB over TCP/IPv6 each way (the server's segments of 1280
#      bytes post-fragmented by veer) and 1 MiB over TCP/IPv4 back, SHA-256
#      equal at both ends; nothing counted as invalid, refused or timed out
#      by veer's reassembly, nothing failed to fragment.
#
# Needs root (network namespaces), DPDK and openssl. Every namespace and
# address is the test's own; cleans up on exit (lab.sh's trap). Usage:
#   tests/interop/strongswan_fragments6_tap.sh BUILD_DIR
set -uo pipefail
# shellcheck source=tests/interop/lib.sh
source "$(dirname "$0")/lib.sh"
lab_init "${1:?usage: $0 BUILD_DIR}" v6f
command -v openssl >/dev/null || fail "openssl command not installed"
lab_topology_tap 6
ip -n "$ns_cl" -6 addr add 2001:db8:a::1/128 dev lo nodad

lab_make_pki rsa
pki="$work/pki-rsa"
TUN_TOP_EXTRA="gateway:
  cacerts: [$pki/ca.pem]" \
    TUN_DP_EXTRA="  reassembly: {flows: 256, timeout_ms: 1000}" \
    TUN_OUTSIDE_DEVICE="net_tap0,iface=$tap" TUN_OUTSIDE_EXTRA="      address6: 2001:db8:1::1/64
      mtu: 1280" TUN_INSIDE_EXTRA="      address6: 2001:db8:2::1/64" \
    TUN_PEER_NAME=cert-clients TUN_PEER_AUTH="    auth: pubkey
    cert: $pki/gw.pem
    key: $pki/gw.key" \
    TUN_LOCAL_TS="10.2.0.0/24, 2001:db8:2::/64" TUN_CLIENT_TS="10.1.0.0/16, 2001:db8:a::/64" \
    lab_tunnel_veer_yaml
veer_dp_start "$work/veer.yaml"
grep -q "port outside: .*IPv6" "$work/veer.log" || fail "veer did not bring up IPv6 on outside"
lab_tap_to_client 6

CHARON_ROUTES=yes charon_start
TUN_GW_ADDR=2001:db8:1::1 TUN_SWAN_LOCAL_TS="10.1.0.1/32, 2001:db8:a::1/128" \
    TUN_REMOTE_TS="10.2.0.0/24, 2001:db8:2::/64" lab_swan_load_cert_conn "$pki" "local_addrs = 2001:db8:1::2
    fragmentation = no"

# --- 1. IKE_AUTH with certificates in IPv6 fragments, both ways
lab_swan_initiate "1: " "tel /veer/workers" "tel /veer/control"
swan --list-sas >"$work/sas.out"
grep -q "2001:db8:1::1\[4500\]" "$work/sas.out" || fail "1: strongSwan is not on [2001:db8:1::1]:4500: $(cat "$work/sas.out")"
ike_reass=$(wcount reass_packets)
[ "${ike_reass:-0}" -ge 1 ] || fail "1: veer reassembled no IKE message: $(tel /veer/workers)"
ike_frag=$(ctrl_count tx_ike_fragmented)
[ "${ike_frag:-0}" -ge 1 ] || fail "1: veer sent no IKE message in IPv6 fragments: $(tel /veer/control)"
[ "$(ctrl_count tx_too_big)" = 0 ] || fail "1: veer refused to send an IKE datagram: $(tel /veer/control)"
grep -q '^counter rx_fragments=0$' "$work/state" || fail "1: IKE fragments (RFC 7383) were used"
pass "1. IKE_AUTH with RSA certificates over IPv6: $(wcount reass_fragments) IPv6 fragments reassembled into $ike_reass datagram(s) by veer, $ike_frag response(s) sent by veer in IPv6 fragments, SA established"

# --- 2. 1400-byte packets through the tunnel: ESP in UDP over IPv6 in fragments
wait_for 50 ip netns exec "$ns_cl" ping -6 -c 1 -W 1 -I 2001:db8:a::1 2001:db8:2::2 ||
    fail "2: no small ping6 through the tunnel: $(tel /veer/workers)"
# IPv4 inside IPv6 outside, DF clear: the client's ESP leaves in IPv6 fragments, veer
# pre-fragments the echo replies (IPv4) before sealing each in its own ESP over IPv6.
lab_ping_1400 2
grep -q " 5 received" "$work/ping.out" ||
    fail "2: 1400-byte pings: $(tail -2 "$work/ping.out"); $(tel /veer/workers)"
[ "$frag" -ge 5 ] || fail "2: veer pre-fragmented $frag replies, expected 5"
# IPv6 inside: 1400-byte UDP datagrams from the client, which reach the server whole.
cat >"$work/udp6.py" <<'PY'
import socket, sys
role, host, port, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
if role == "serve":
    s.bind((host, port)); s.settimeout(10); got = 0
    try:
        while got < count:
            data, _ = s.recvfrom(4096)
            got += len(data) == 1352 and data == bytes(range(8)) * 169
    except socket.timeout:
        pass
    print(got)
else:
    for _ in range(count):
        s.sendto(bytes(range(8)) * 169, (host, port))
PY
ip netns exec "$ns_srv" timeout 20 /usr/bin/python3 "$work/udp6.py" serve 2001:db8:2::2 5003 5 \
    >"$work/udp6.rx" 2>&1 &
rx=$!
sleep 0.5
ip netns exec "$ns_cl" /usr/bin/python3 - "$work/udp6.py" <<'PY'
import subprocess, sys, time
for _ in range(5):
    subprocess.run(["/usr/bin/python3", sys.argv[1], "send", "2001:db8:2::2", "5003", "1"])
    time.sleep(0.2)
PY
wait "$rx"
[ "$(cat "$work/udp6.rx")" = 5 ] || fail "2: the server received $(cat "$work/udp6.rx") of 5 UDP/IPv6 datagrams"
reass=$(($(wcount reass_packets) - reass_before))
[ "$reass" -ge 10 ] || fail "2: veer reassembled $reass ESP packets over IPv6, expected at least 10"
pass "2. 1400-byte pings (IPv4 in IPv6) and UDP/IPv6 datagrams: $reass ESP-in-UDP packets reassembled from IPv6 fragments and decrypted by veer, $frag IPv4 replies pre-fragmented under the IPv6 outer header"

# --- 3. IPv6 of 1200 to 1280 bytes through a tunnel whose inner MTU is 1198: post-fragmentation
before=$(wcount esp_outer_fragmented)
before_frags=$(wcount esp_outer_fragments)
for size in 1232 1152; do
    ip netns exec "$ns_cl" ping -6 -c 3 -i 0.2 -W 2 -s "$size" -I 2001:db8:a::1 2001:db8:2::2 \
        >"$work/ping6.$size.out" 2>&1
    grep -q " 3 received" "$work/ping6.$size.out" ||
        fail "3: ping6 -s $size client -> server: $(tail -2 "$work/ping6.$size.out"); $(tel /veer/workers)"
    ip netns exec "$ns_srv" ping -6 -c 3 -i 0.2 -W 2 -s "$size" 2001:db8:a::1 \
        >"$work/ping6r.$size.out" 2>&1
    grep -q " 3 received" "$work/ping6r.$size.out" ||
        fail "3: ping6 -s $size server -> client: $(tail -2 "$work/ping6r.$size.out"); $(tel /veer/workers)"
done
post=$(($(wcount esp_outer_fragmented) - before))
post_frags=$(($(wcount esp_outer_fragments) - before_frags))
# Each size: 3 replies to the client's requests and 3 requests from the server, all sealed whole.
[ "$post" -ge 12 ] || fail "3: veer sent $post ESP packets in outer fragments, expected at least 12"
[ "$post_frags" -ge $((2 * post)) ] || fail "3: $post_frags outer fragments for $post packets"
[ "$(wcount drop_too_big)" = 0 ] || fail "3: drop_too_big is $(wcount drop_too_big)"
# Longer than 1280 still gets Packet Too Big, with what the tunnel carries for IPv6: 1280.
ip netns exec "$ns_srv" ping -6 -c 1 -W 2 -M "do" -s 1352 2001:db8:a::1 >"$work/ptb.out" 2>&1
mtu=$(sed -n 's/.*[Pp]acket too big: mtu=\([0-9]*\).*/\1/p' "$work/ptb.out" | head -n1)
[ "$mtu" = 1280 ] || fail "3: Packet Too Big for 1400 bytes says mtu=${mtu:-none}: $(cat "$work/ptb.out")"
pass "3. ping6 of 1280 and 1200 bytes both ways through a tunnel of inner MTU 1198: $post ESP packets sealed whole and sent by veer in $post_frags IPv6 fragments (reassembled by strongSwan's kernel); 1400 bytes answered with Packet Too Big mtu=1280"

# --- 4. TCP each way over IPv6 (the server's 1280-byte segments post-fragmented), and IPv4 back
before=$(wcount reass_packets)
before_post=$(wcount esp_outer_fragmented)
size=$((1024 * 1024))
lab_tcp_transfer "$ns_srv" 2001:db8:2::2 "$ns_cl" 5001 "$size" ||
    fail "4: client -> server over IPv6: sent $(cat "$work/tx.5001"), received $(cat "$work/rx.5001")"
lab_tcp_transfer "$ns_cl" 2001:db8:a::1 "$ns_srv" 5002 "$size" ||
    fail "4: server -> client over IPv6: sent $(cat "$work/tx.5002"), received $(cat "$work/rx.5002"); $(tel /veer/workers)"
post=$(($(wcount esp_outer_fragmented) - before_post))
[ "$post" -ge 100 ] || fail "4: only $post ESP packets post-fragmented during the IPv6 transfers"
lab_tcp_transfer "$ns_cl" 10.1.0.1 "$ns_srv" 5003 "$size" ||
    fail "4: server -> client over IPv4: sent $(cat "$work/tx.5003"), received $(cat "$work/rx.5003")"
lab_expect_zero_wcounts 4 reass_invalid reass_timeouts reass_table_full reass_no_mbuf reass6_bad_chain \
    drop_ip_fragment drop_esp_bad_icv drop_too_big frag_no_mbuf frag_unfit
kill -0 "$veer_pid" 2>/dev/null || fail "veer died"
pass "4. 1 MiB over TCP/IPv6 each way ($post ESP packets of the server's post-fragmented by veer) and over TCP/IPv4 back, SHA-256 equal ($(($(wcount reass_packets) - before)) datagrams reassembled by veer meanwhile); no reassembly or fragmentation failure counted"
