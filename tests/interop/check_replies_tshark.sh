#!/usr/bin/env bash
# Has tshark, an independent IKEv2 dissector, judge the stateless replies of
# lib/ike. gen_replies_pcap (tests/tools) answers the strongSwan captures'
# IKE_SA_INIT requests with ike_sl_respond() (REDIRECT to IPv4, IPv6 and FQDN
# gateways, COOKIE, over IPv4 and IPv6, on port 500 and on 4500 behind the
# non-ESP marker) and writes requests, replies and a manifest of what each reply
# must carry. For every reply this checks, from tshark's dissection alone:
#   - the frame is clean: no malformed packet, no expert error, IPv4 and UDP
#     checksums good, UDP length = IKE length (+4 for the non-ESP marker);
#   - it is an IKEv2 IKE_SA_INIT response: version 2.0, R set, I clear, message
#     ID 0, SPIi = the request's, SPIr = 0, exactly one Notify;
#   - REDIRECT (16407): gateway identity of the expected type and value, and the
#     nonce data equal to the request's Ni (RFC 5685 3);
#   - COOKIE (16390): 17 bytes of cookie data (version byte 1, 16-byte hash);
#   - port 4500 replies carry the non-ESP marker;
#   - the reply is never longer than its request (no amplification).
# Prints PASS/FAIL lines and exits non-zero on any failure. tshark missing is a
# failure, not a skip: CI installs it (scripts/install-deps.sh).
#
#   tests/interop/check_replies_tshark.sh path/to/gen_replies_pcap [data-dir]
#   meson test -C build --suite pcap
set -uo pipefail

gen=${1:?usage: check_replies_tshark.sh GEN_REPLIES_PCAP [DATA_DIR]}
data_dir=${2:-}
passed=0
failed=0
ok() {
    passed=$((passed + 1))
    echo "PASS: $*"
}
bad() {
    failed=$((failed + 1))
    echo "FAIL: $*"
}
finish() {
    echo "check_replies_tshark: $passed passed, $failed failed"
    [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
    exit $?
}

if ! command -v tshark >/dev/null 2>&1; then
    bad "tshark not found: install it (apt-get install tshark); this test does not skip"
    finish
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pcap="$work/replies.pcap"
manifest="$work/manifest.txt"

if ! "$gen" ${data_dir:+-d "$data_dir"} "$pcap" "$manifest"; then
    bad "gen_replies_pcap failed (see above)"
    finish
fi
if [ ! -s "$manifest" ]; then
    bad "gen_replies_pcap wrote no replies"
    finish
fi

ts=(tshark -n -r "$pcap" -o udp.check_checksum:TRUE -o ip.check_checksum:TRUE)

# 1. Nothing in the file may be malformed or carry an expert error (bad checksum,
#    length mismatch, ...): requests included, since the generator framed them too.
if ! errors=$("${ts[@]}" -Y '_ws.malformed || _ws.expert.severity >= "Error"' \
    -T fields -e frame.number -e _ws.expert.message 2>"$work/err"); then
    bad "tshark could not read $pcap: $(cat "$work/err")"
    finish
fi
if [ -z "$errors" ]; then
    ok "no malformed frame and no expert error in $(wc -l <"$manifest") request/reply pairs"
else
    while IFS= read -r line; do bad "tshark: frame $line"; done <<<"$errors"
fi

# 2. The fields, one line per frame, '|' between fields, ',' between repeats.
fields=(frame.number udp.srcport udp.length udp.checksum.status ip.checksum.status
    isakmp.version isakmp.exchangetype isakmp.flag_r isakmp.flag_i isakmp.messageid
    isakmp.ispi isakmp.rspi isakmp.length isakmp.nextpayload isakmp.notify.msgtype
    isakmp.notify.data isakmp.notify.data.redirect.gw_ident.type
    isakmp.notify.data.redirect.new_resp_gw_ident.ipv4
    isakmp.notify.data.redirect.new_resp_gw_ident.ipv6
    isakmp.notify.data.redirect.new_resp_gw_ident.fqdn
    isakmp.notify.data.redirect.nonce_data isakmp.nonce)
eargs=()
for f in "${fields[@]}"; do eargs+=(-e "$f"); done
if ! "${ts[@]}" -T fields -E separator='|' -E occurrence=a -E aggregator=',' \
    "${eargs[@]}" >"$work/fields" 2>"$work/err"; then
    bad "tshark -T fields failed: $(cat "$work/err")"
    finish
fi

# The marker is a field without a value: list the frames that have one.
marker_frames=$("${ts[@]}" -Y udpencap.non_esp_marker -T fields -e frame.number 2>/dev/null)

# Field values of one frame into the associative array F.
declare -A F
load_frame() {
    local line
    line=$(awk -F'|' -v n="$1" '$1 == n' "$work/fields")
    F=()
    [ -n "$line" ] || return 1
    local i=0 v
    local IFS='|'
    # shellcheck disable=SC2206 # splitting on '|' is the point
    local vals=($line)
    for f in "${fields[@]}"; do
        v=${vals[$i]:-}
        F[$f]=$v
        i=$((i + 1))
    done
    return 0
}

# 3. Every reply against its manifest line and its request.
declare -A gw_type_num=([ipv4]=1 [ipv6]=2 [fqdn]=3)
declare -A gw_field=([ipv4]=isakmp.notify.data.redirect.new_resp_gw_ident.ipv4
    [ipv6]=isakmp.notify.data.redirect.new_resp_gw_ident.ipv6
    [fqdn]=isakmp.notify.data.redirect.new_resp_gw_ident.fqdn)
n_redirect=0
n_cookie=0
while read -r reply req case ntype gwtype gwval natt; do
    what="frame $reply ($case, request frame $req)"
    if ! load_frame "$req"; then
        bad "$what: request frame missing from the dissection"
        continue
    fi
    req_ispi=${F[isakmp.ispi]}
    req_nonce=${F[isakmp.nonce]}
    req_udp_len=${F[udp.length]}
    if ! load_frame "$reply"; then
        bad "$what: reply frame missing from the dissection"
        continue
    fi
    errs=()
    [ "${F[isakmp.version]}" = 0x20 ] || errs+=("version ${F[isakmp.version]:-none}, not 2.0 (not dissected as IKEv2?)")
    [ "${F[isakmp.exchangetype]}" = 34 ] || errs+=("exchange ${F[isakmp.exchangetype]:-none}, not IKE_SA_INIT")
    [ "${F[isakmp.flag_r]}" = 1 ] || errs+=("Response flag not set")
    [ "${F[isakmp.flag_i]}" = 0 ] || errs+=("Initiator flag set in a responder's message")
    [ "${F[isakmp.messageid]}" = 0x00000000 ] || errs+=("message ID ${F[isakmp.messageid]}")
    [ "${F[isakmp.ispi]}" = "$req_ispi" ] || errs+=("SPIi ${F[isakmp.ispi]} != request's $req_ispi")
    [ "${F[isakmp.rspi]}" = 0000000000000000 ] || errs+=("SPIr ${F[isakmp.rspi]} not zero")
    # Header then payload next-payload fields: Notify, then the end of the chain.
    [ "${F[isakmp.nextpayload]}" = 41,0 ] ||
        errs+=("payload chain ${F[isakmp.nextpayload]}, expected one Notify (41,0)")
    [ "${F[isakmp.notify.msgtype]}" = "$ntype" ] ||
        errs+=("notify types '${F[isakmp.notify.msgtype]}', expected exactly $ntype")
    [ "${F[udp.checksum.status]}" = 1 ] || errs+=("UDP checksum status ${F[udp.checksum.status]:-none}")
    if [ -n "${F[ip.checksum.status]}" ] && [ "${F[ip.checksum.status]}" != 1 ]; then
        errs+=("IPv4 header checksum status ${F[ip.checksum.status]}")
    fi
    marker=0
    [ "$natt" = 1 ] && marker=4
    if [ "$natt" = 1 ]; then
        [ "${F[udp.srcport]}" = 4500 ] || errs+=("source port ${F[udp.srcport]}, not 4500")
    else
        [ "${F[udp.srcport]}" = 500 ] || errs+=("source port ${F[udp.srcport]}, not 500")
    fi
    ike_len=${F[isakmp.length]:-0}
    udp_len=${F[udp.length]:-0}
    [ "$udp_len" -eq $((ike_len + 8 + marker)) ] ||
        errs+=("UDP length $udp_len != IKE length $ike_len + 8 + $marker")
    [ "$udp_len" -le "$req_udp_len" ] ||
        errs+=("reply of $udp_len UDP bytes is longer than its $req_udp_len-byte request")

    detail=""
    if [ "$ntype" = 16407 ]; then
        n_redirect=$((n_redirect + 1))
        want_type=${gw_type_num[$gwtype]:-}
        got=""
        if [ -z "$want_type" ]; then
            errs+=("manifest names no gateway type ('$gwtype') for a REDIRECT")
        else
            [ "${F[isakmp.notify.data.redirect.gw_ident.type]}" = "$want_type" ] ||
                errs+=("gateway identity type ${F[isakmp.notify.data.redirect.gw_ident.type]:-none}, expected $want_type ($gwtype)")
            got=${F[${gw_field[$gwtype]}]}
            [ "$got" = "$gwval" ] || errs+=("new gateway '$got', expected '$gwval'")
        fi
        nonce=${F[isakmp.notify.data.redirect.nonce_data]}
        if [ -z "$req_nonce" ]; then
            errs+=("the request has no Ni to compare with")
        elif [ "$nonce" != "$req_nonce" ]; then
            errs+=("REDIRECT nonce data '$nonce' != request Ni '$req_nonce'")
        fi
        detail="REDIRECT to $gwtype $got, nonce data = Ni (${#nonce} hex digits)"
    else
        n_cookie=$((n_cookie + 1))
        cookie=${F[isakmp.notify.data]}
        [ "${#cookie}" -eq 34 ] || errs+=("cookie of $((${#cookie} / 2)) bytes, expected 17")
        [ "${cookie:0:2}" = 01 ] || errs+=("cookie version byte ${cookie:0:2}, expected 01")
        detail="COOKIE ${cookie:0:8}... (17 bytes)"
    fi
    if [ "$natt" = 1 ]; then
        grep -qx "$reply" <<<"$marker_frames" || errs+=("no non-ESP marker on port 4500")
        detail="$detail, behind the non-ESP marker"
    fi
    if [ ${#errs[@]} -eq 0 ]; then
        ok "$what: IKE_SA_INIT response, $detail, $udp_len <= $req_udp_len UDP bytes"
    else
        for e in "${errs[@]}"; do bad "$what: $e"; done
    fi
done <"$manifest"

# 4. The verbose dissection agrees on the counts of each reply type.
"${ts[@]}" -V >"$work/verbose" 2>/dev/null
v_redirect=$(grep -c 'Notify Message Type: REDIRECT (16407)' "$work/verbose")
v_cookie=$(grep -c 'Notify Message Type: COOKIE (16390)' "$work/verbose")
v_resp=$(grep -c 'Exchange type: IKE_SA_INIT (34)' "$work/verbose")
if [ "$v_redirect" -eq "$n_redirect" ] && [ "$v_cookie" -eq "$n_cookie" ] &&
    [ "$v_resp" -eq $((2 * (n_redirect + n_cookie))) ]; then
    ok "tshark -V: $v_redirect REDIRECT and $v_cookie COOKIE replies, $v_resp IKE_SA_INIT messages"
else
    bad "tshark -V: $v_redirect REDIRECT (expected $n_redirect), $v_cookie COOKIE (expected $n_cookie), $v_resp IKE_SA_INIT messages"
fi

finish
