#!/usr/bin/env bash
# Interop: veer-ike as EAP pass-through authenticator (RFC 3579). A stock
# strongSwan 5.9 client does EAP-MSCHAPv2 (auth = eap-mschapv2) with veer-ike
# (remote_auth: eap-radius), which relays every EAP message to FreeRADIUS 3.2
# in a namespace of its own (192.0.2.1, reached from the gateway's 192.0.2.2);
# FreeRADIUS's EAP module does MSCHAPv2 (default_eap_type) and sends the
# MS-MPPE keys that make the MSK.
#
#   1. the right password: Access-Challenges relayed, Access-Accept, the AUTHs
#      after EAP keyed with the MSK verify on both sides, Child SA keys equal;
#   2. a wrong password: Access-Reject, EAP-Failure and AUTHENTICATION_FAILED,
#      nothing established;
#   3. the first configured server silent (an address where nothing answers):
#      veer retransmits, fails over to the second server, the client gets in;
#   4. the same through app/veer (RADIUS over its control lcore's kernel
#      sockets) with a pool: the client gets 10.3.0.1 and pings through;
#      with accounting on, FreeRADIUS's detail file (its `detail` module in
#      the accounting section) shows Start, an Interim-Update with non-zero
#      octets (every 2 s, the Acct-Interim-Interval of alice's Access-Accept)
#      and Stop (User-Request), one Acct-Session-Id, the Class of the
#      Accept echoed and Framed-IP-Address 10.3.0.1; Accounting-On when
#      app/veer started, Accounting-Off when it stopped.
#   5. (after 3, on veer-ike) EAP-TLS: a strongSwan client with a client
#      certificate made by openssl (auth = eap-tls) Naks MSCHAPv2 and does
#      EAP-TLS with FreeRADIUS's eap tls module through the same relay, which
#      knows no method: the 32-byte MS-MPPE keys make the MSK, both AUTHs
#      verify, the Child SA keys agree.
# Steps 1-3 run with accounting on too: the wrong password starts no session.
#
# timeout 1s with 3 tries: FreeRADIUS delays an Access-Reject by 1 s
# (reject_delay), and the answer must come before veer gives up.
#
# Needs root (network namespaces), freeradius and strongSwan's eap-mschapv2
# plugin. Cleans up on exit. Usage: tests/interop/freeradius_eap.sh BUILD_DIR
set -uo pipefail
if [ ! -e /usr/lib/ipsec/plugins/libstrongswan-eap-mschapv2.so ]; then
    echo "FAIL: strongSwan's eap-mschapv2 plugin is not installed (libcharon-extauth-plugins)"
    exit 1
fi
# shellcheck source=tests/interop/lib.sh
source "$(dirname "$0")/lib.sh"
lab_init "${1:?usage: $0 BUILD_DIR}" fre
command -v freeradius >/dev/null || fail "freeradius (package freeradius) not installed"
lab_topology
lab_make_pki rsa
export CHARON_PLUGINS="eap-mschapv2 eap-identity eap-tls"
pki="$work/pki-rsa"
secret="veer-radius-secret"
rad_pid=""

lab_freeradius_prepare
cat >"$raddb/clients.conf" <<EOF
client veer-gw {
    ipaddr = 192.0.2.2
    secret = $secret
    require_message_authenticator = yes
}
EOF
sed -i -e 's/^\(\s*\)default_eap_type = md5/\1default_eap_type = mschapv2/' \
    "$raddb/mods-available/eap"
grep -q "default_eap_type = mschapv2" "$raddb/mods-available/eap" ||
    fail "could not set FreeRADIUS's default_eap_type"
# EAP-TLS: FreeRADIUS shows the lab's gw.example certificate (the IKE identity the client
# expects of its EAP server) and takes client certificates of the lab CA.
sed -i -e "s|^\(\s*\)private_key_file = .*|\1private_key_file = $pki/gw.key|" \
    -e "s|^\(\s*\)certificate_file = .*|\1certificate_file = $pki/gw.pem|" \
    -e "s|^\(\s*\)ca_file = .*|\1ca_file = $pki/ca.pem|" "$raddb/mods-available/eap"
grep -q "certificate_file = $pki/gw.pem" "$raddb/mods-available/eap" ||
    fail "could not point FreeRADIUS's eap tls at the lab's certificates"
users="$raddb/mods-config/files/authorize"
{
    printf 'alice@example.org\tCleartext-Password := "alice-radius-pw"\n'
    printf '\tClass = "veer-class-7",\n\tAcct-Interim-Interval = 2\n\n'
    cat "$users"
} >"$users.new" && mv "$users.new" "$users"
# Accounting: one detail file for every record, whatever the date.
sed -n '/^accounting {/,/^}/p' "$raddb/sites-enabled/default" | grep -q '^\s*detail$' ||
    fail "FreeRADIUS's accounting section has no detail module"
sed -i -e 's|^\(\s*\)filename = ${radacctdir}/%{.*|\1filename = ${radacctdir}/detail|' \
    "$raddb/mods-available/detail"
detail="$work/radlog/radacct/detail"
# The records of status $1 in the detail file (one line per record: its attributes joined).
acct_records() {
    awk -v want="$1" '/^[A-Z][a-z][a-z] /{if (rec ~ ("Acct-Status-Type = " want)) print rec; rec=""; next}
        {rec = rec " " $0} END {if (rec ~ ("Acct-Status-Type = " want)) print rec}' "$detail" 2>/dev/null
}
acct_count() { acct_records "$1" | wc -l; }

rad_start() {
    ip netns exec "$ns_rad" freeradius -X -d "$raddb" >"$work/radiusd.log" 2>&1 &
    rad_pid=$!
    lab_pids+=("$rad_pid")
    wait_for 150 grep -q "Ready to process requests" "$work/radiusd.log" ||
        fail "freeradius not ready within 15 s"
}
rad_start

printf '%s' "$secret" >"$work/radius-secret"
chmod 600 "$work/radius-secret"

# veer-ike with eap-radius; $1: the servers' addresses, in order.
veer_rad_start() {
    {
        printf 'gateway:\n  listen: [198.51.100.1]\n  half_open_timeout: 30\n'
        printf 'radius:\n  timeout: 1s\n  tries: 3\n  nas_identifier: veer-interop\n'
        printf '  accounting: true\n  servers:\n'
        for a in "$@"; do
            printf '    - address: %s\n      secret_file: %s\n' "$a" "$work/radius-secret"
        done
        printf 'peers:\n'
        TUN_PEER_AUTH="    local_auth: pubkey
    cert: $pki/gw.pem
    key: $pki/gw.key
    remote_auth: eap-radius" lab_peer_yaml eap-radius "'%any'"
    } >"$work/veer.yaml"
    veer_start "$work/veer.yaml"
}

# Stops charon and veer-ike only (FreeRADIUS keeps running: lab_stop_both would wait for it).
rad_stop_both() {
    kill "$charon_pid" "$veer_pid" 2>/dev/null
    wait "$charon_pid" "$veer_pid" 2>/dev/null
    charon_pid=""
    veer_pid=""
    lab_keep_logs "$1"
}

swan_ms_load() {
    local sw
    lab_client_swanctl_dir "$pki"
    {
        echo "connections {"
        lab_swan_conn gw "local {
      auth = eap-mschapv2
      id = alice@example.org
    }" pubkey
        echo "}"
        TUN_SWAN_EAP=$1 lab_swan_secrets gw.example
    } >"$sw/swanctl.conf"
    lab_swan_load "" "$sw"
}

# --- 1. the right password
name="eap-radius"
veer_rad_start 192.0.2.1
charon_start
swan_ms_load alice-radius-pw
lab_swan_initiate "$name: "
grep -q "EAP method EAP_MSCHAPV2 succeeded, MSK established" "$work/charon.log" ||
    fail "$name: strongSwan did not complete EAP-MSCHAPv2 with an MSK"
grep -q "authentication of 'gw.example' with EAP successful" "$work/charon.log" ||
    fail "$name: strongSwan did not verify veer's AUTH after EAP (keyed with the MSK)"
lab_expect_sa_agree "$name: " 50
grep -q "Sent Access-Accept" "$work/radiusd.log" || fail "$name: FreeRADIUS logged no Access-Accept"
[ "$(veer_counter radius_accepts)" = 1 ] || fail "$name: veer did not count radius_accepts"
[ "$(veer_counter eap_succeeded)" = 1 ] || fail "$name: veer did not count eap_succeeded"
lab_expect_keys_equal "$name: "
pass "$name: relayed to FreeRADIUS, Access-Accept, MSK-keyed AUTHs verified both ways, Child SA keys identical"
lab_swan_terminate "$name: "
rad_stop_both "$name"

# --- 2. a wrong password
starts_before=$(acct_count Start)
veer_rad_start 192.0.2.1
charon_start
swan_ms_load not-the-password
swan --initiate --child c --timeout 15 >"$work/initiate.out" 2>&1 &&
    fail "a wrong password was accepted"
wait_for 30 veer_counter_is radius_rejects 1 || fail "wrong password: veer did not count radius_rejects"
grep -q "Sent Access-Reject" "$work/radiusd.log" || fail "wrong password: FreeRADIUS sent no Access-Reject"
grep -q "AUTH_FAILED" "$work/charon.log" ||
    fail "wrong password: no AUTHENTICATION_FAILED between the two"
! grep -q "state=ESTABLISHED" "$work/state" || fail "wrong password: veer established an SA"
! grep -q "child-sa install" "$work/veer.log" || fail "wrong password: veer installed a Child SA"
[ "$(veer_counter radius_acct_starts)" = 0 ] || fail "wrong password: veer started accounting"
[ "$(acct_count Start)" = "$starts_before" ] || fail "wrong password: FreeRADIUS got an accounting Start"
pass "wrong password: Access-Reject, EAP-Failure and AUTHENTICATION_FAILED, nothing established, no accounting"
rad_stop_both wrong-password

# --- 3. the first server silent: failover to the second
name="failover"
veer_rad_start 192.0.2.9 192.0.2.1
charon_start
swan_ms_load alice-radius-pw
lab_swan_initiate "$name: "
lab_expect_sa_agree "$name: " 50
[ "$(veer_counter radius_failovers)" -ge 1 ] || fail "$name: veer counted no failover"
[ "$(veer_counter radius_retransmits)" -ge 1 ] || fail "$name: veer counted no retransmission"
lab_expect_keys_equal "$name: "
pass "$name: server 1 silent, retransmitted, failed over to server 2, established"
lab_swan_terminate "$name: "
rad_stop_both "$name"

# --- 5. EAP-TLS with a client certificate, through the same method-blind relay
name="eap-tls"
veer_rad_start 192.0.2.1
charon_start
lab_client_swanctl_dir "$pki" client
{
    echo "connections {"
    lab_swan_conn gw "local {
      auth = eap-tls
      certs = client.pem
      id = client.example
    }" pubkey
    echo "}"
    TUN_SWAN_PSK=no lab_swan_secrets
} >"$sw/swanctl.conf"
lab_swan_load "" "$sw"
lab_swan_initiate "$name: "
grep -q "EAP method EAP_TLS succeeded, MSK established" "$work/charon.log" ||
    fail "$name: strongSwan did not complete EAP-TLS with an MSK"
grep -q "authentication of 'gw.example' with EAP successful" "$work/charon.log" ||
    fail "$name: strongSwan did not verify veer's AUTH after EAP-TLS (keyed with the MSK)"
lab_expect_sa_agree "$name: " 50
[ "$(veer_counter radius_accepts)" = 1 ] || fail "$name: veer did not count radius_accepts"
[ "$(veer_counter radius_accept_no_msk)" = 0 ] || fail "$name: the Accept had no MS-MPPE keys"
[ "$(veer_counter radius_challenges)" -ge 3 ] || fail "$name: fewer Access-Challenges than a TLS handshake needs"
lab_expect_keys_equal "$name: "
pass "$name: client certificate through FreeRADIUS's eap tls, $(veer_counter radius_challenges) challenges relayed, MSK-keyed AUTHs verified both ways, Child SA keys identical"
lab_swan_terminate "$name: "
rad_stop_both "$name"

# --- 4. the same through app/veer (its control lcore's kernel sockets), with a pool
name="app/veer"
ip -n "$ns_gw" addr flush dev "${tag}g"
ip netns exec "$ns_cl" ethtool -K "${tag}c" tx off >/dev/null 2>&1 ||
    fail "ethtool -K tx off (package ethtool) failed"
lab_server_behind_gateway
TUN_TOP_EXTRA="pools:
  - name: rw4
    addresses: 10.3.0.0/30
radius:
  accounting: true
  accounting_interval: 60s
  servers:
    - address: 192.0.2.1
      secret_file: $work/radius-secret" TUN_REMOTE_ID="'%any'" TUN_PEER_EXTRA="    pools: [rw4]" \
    TUN_PEER_AUTH="    local_auth: pubkey
    cert: $pki/gw.pem
    key: $pki/gw.key
    remote_auth: eap-radius" lab_tunnel_veer_yaml
veer_dp_start "$work/veer.yaml"
CHARON_ROUTES=yes charon_start
lab_client_swanctl_dir "$pki"
{
    echo "connections {"
    TUN_CONN_EXTRA="vips = 0.0.0.0" TUN_SWAN_LOCAL_TS=dynamic lab_swan_conn gw "local {
      auth = eap-mschapv2
      id = alice@example.org
    }" pubkey
    echo "}"
    TUN_SWAN_EAP=alice-radius-pw lab_swan_secrets gw.example
} >"$sw/swanctl.conf"
lab_swan_load "" "$sw"
lab_swan_initiate "$name: "
lab_expect_sa_agree "$name: " 50
vip=$(swan --list-sas --ike gw 2>/dev/null | sed -n 's/^ *local .*\[[0-9]*\] \[\(.*\)\]$/\1/p' | head -n1)
[ "$vip" = "10.3.0.1" ] || fail "$name: the client's virtual IP is \"$vip\", not 10.3.0.1"
[ "$(veer_counter radius_accepts)" = 1 ] || fail "$name: app/veer did not count radius_accepts"
wait_for 50 ip netns exec "$ns_cl" ping -c 1 -W 1 -I 10.3.0.1 10.2.0.2 >/dev/null 2>&1 ||
    fail "$name: no ping from 10.3.0.1 through the tunnel"
pass "$name: eap-radius through app/veer: established, virtual IP 10.3.0.1 from the pool, ping through the tunnel"

# Accounting: Start, an Interim-Update that saw the pings, Stop when the client leaves.
ip netns exec "$ns_cl" ping -c 3 -i 0.2 -I 10.3.0.1 10.2.0.2 >/dev/null 2>&1 ||
    fail "$name: pings through the tunnel lost"
wait_for 50 sh -c "grep -q 'Acct-Status-Type = Start' '$detail'" ||
    fail "$name: no accounting Start in FreeRADIUS's detail file"
start=$(acct_records Start | tail -n1)
sid=$(echo "$start" | sed -n 's/.*Acct-Session-Id = "\([^"]*\)".*/\1/p')
[ -n "$sid" ] || fail "$name: the Start has no Acct-Session-Id"
echo "$start" | grep -q 'Framed-IP-Address = 10.3.0.1' || fail "$name: the Start has no Framed-IP-Address 10.3.0.1"
echo "$start" | grep -q 'User-Name = "alice@example.org"' || fail "$name: the Start has not alice's User-Name"
echo "$start" | grep -q 'Class = 0x766565722d636c6173732d37' || echo "$start" | grep -q 'Class = "veer-class-7"' ||
    fail "$name: the Start does not echo the Accept's Class"
interim_octets() {
    acct_records Interim-Update | grep "Acct-Session-Id = \"$sid\"" |
        sed -n 's/.*Acct-Input-Octets = \([0-9]*\).*/\1/p' | sort -n | tail -n1
}
for _ in $(seq 80); do
    octets=$(interim_octets)
    [ "${octets:-0}" -gt 0 ] && break
    sleep 0.1
done
[ "${octets:-0}" -gt 0 ] || fail "$name: no Interim-Update with Acct-Input-Octets > 0 for session $sid"
[ "$(veer_counter radius_acct_answered)" -ge 2 ] || fail "$name: veer counted no Accounting-Response"
lab_swan_terminate "$name: "
for _ in $(seq 50); do
    acct_records Stop | grep -q "Acct-Session-Id = \"$sid\"" && break
    sleep 0.1
done
stop=$(acct_records Stop | grep "Acct-Session-Id = \"$sid\"")
[ -n "$stop" ] || fail "$name: no accounting Stop for session $sid"
echo "$stop" | grep -q 'Acct-Terminate-Cause = User-Request' || fail "$name: the Stop's cause is not User-Request"
stop_octets=$(echo "$stop" | sed -n 's/.*Acct-Input-Octets = \([0-9]*\).*/\1/p')
[ "${stop_octets:-0}" -ge "$octets" ] || fail "$name: the Stop counts fewer octets than the Interim-Update"
pass "$name: accounting Start, Interim-Update ($octets octets in), Stop (User-Request, $stop_octets octets in) for session $sid, Class echoed"
# Accounting-On went out when app/veer started, Accounting-Off when it stopped
# (after the Stops), both about the NAS: the run's session-id prefix, number 0.
nas_sid="${sid%-*}-00000000"
acct_records Accounting-On | grep -q "Acct-Session-Id = \"$nas_sid\"" ||
    fail "$name: no Accounting-On ($nas_sid) in FreeRADIUS's detail file"
rad_stop_both app-veer
for _ in $(seq 30); do
    acct_records Accounting-Off | grep -q "Acct-Session-Id = \"$nas_sid\"" && break
    sleep 0.1
done
acct_records Accounting-Off | grep -q "Acct-Session-Id = \"$nas_sid\"" ||
    fail "$name: no Accounting-Off ($nas_sid) after app/veer stopped"
pass "$name: Accounting-On at start and Accounting-Off at stop ($nas_sid)"
echo "freeradius_eap: all checks passed"
