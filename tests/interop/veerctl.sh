#!/usr/bin/env bash
# veerctl (app/veerctl) against a live app/veer: a strongSwan client connected
# through the tunnel lab, a ping each way for traffic, a virtual-IP pool
# configured. Then every verb:
#   1. status, sas, counters: the ports, the SA's IKE and Child SPIs, nonzero
#      counters in the tables; "-" for idle before any ESP; --json parsed and
#      a field checked;
#   2. admission, redirect, routes, neighbours, pools, switch, raw: shown,
#      changed, and changed back;
#   3. refused commands exit 1 with veer's message on stderr, bad usage 2,
#      a reader without access to the socket 3;
#   4. drain and delete: the SA deleted, strongSwan sees it go; the client
#      back with a virtual IP: its lease listed, releasing it refused;
#   5. veer stopped: exit 3 with one line.
#
# Needs root (network namespaces) and DPDK. Cleans up on exit. Usage:
#   tests/interop/veerctl.sh BUILD_DIR
set -uo pipefail
# shellcheck source=tests/interop/lib.sh
source "$(dirname "$0")/lib.sh"
lab_init "${1:?usage: $0 BUILD_DIR}" vc
lab_topology_tunnel
veerctl="$(cd "$(dirname "$0")/../.." && pwd)/app/veerctl/veerctl"

TUN_TOP_EXTRA="pools:
  - name: rw4
    addresses: 10.3.0.0/30" TUN_PEER_EXTRA="    pools: [rw4]" lab_tunnel_up

# veerctl on the lab's veer; its stdout in $work/out, stderr in $work/err, its status in rc.
ctl() {
    "$veerctl" --prefix "$tag" "$@" >"$work/out" 2>"$work/err"
    rc=$?
}
# Fails unless the last ctl exited $1 and its stdout has every fixed string $3...
# ($2 names the check).
expect() {
    local want=$1 what=$2 s
    shift 2
    [ "$rc" = "$want" ] || fail "$what: exit $rc, not $want: $(cat "$work/out" "$work/err")"
    for s in "$@"; do
        grep -qF -- "$s" "$work/out" || fail "$what: no \"$s\" in:
$(cat "$work/out")"
    done
}
# Prints Python expression $1 of the last ctl's JSON (as d); fails when it does not parse.
jget() {
    /usr/bin/python3 -c 'import json,sys; d = json.load(sys.stdin); print(eval(sys.argv[1]))' "$1" \
        <"$work/out" || fail "--json output does not parse: $(head -c 400 "$work/out")"
}
# Fails unless the last ctl exited 1 with veer's message (fixed string $2) on stderr, nothing on stdout.
expect_refused() {
    [ "$rc" = 1 ] || fail "$1: exit $rc, not 1: $(cat "$work/out" "$work/err")"
    grep -qF -- "$2" "$work/err" || fail "$1: not veer's message \"$2\": $(cat "$work/err")"
    [ ! -s "$work/out" ] || fail "$1: printed on stdout: $(cat "$work/out")"
}

swan --list-sas >"$work/swan.sas" 2>/dev/null
read -r spi_i spi_r < <(swan_ike_spis "$work/swan.sas")
read -r swan_in swan_out < <(swan_child_spis "$work/swan.sas")
[ -n "$spi_i" ] && [ -n "$swan_in" ] || fail "no SA listed by strongSwan: $(cat "$work/swan.sas")"

# --- 1. status, sas, counters
# Before any ESP, idle is "-" in the table and null in JSON, never 2^64-1.
ctl sas
expect 0 "1: sas before traffic" "$spi_i" "$spi_r" ESTABLISHED road-warriors
grep -q 18446744073709551615 "$work/out" && fail "1: sas prints 2^64-1: $(cat "$work/out")"
ctl sas --json
[ "$(jget 'd[0]["idle_in_ms"]')" = None ] || fail "1: idle_in_ms before traffic: $(cat "$work/out")"

lab_ping_both_ways "1: "
sleep 0.3 # telemetry's counts are refreshed every 100 ms

ctl status
expect 0 "1: status" outside inside 198.51.100.1/24 10.2.0.1/24 "IKE SAs: 1 now" "veer 0.1.0" \
    "1 worker, 2 ports"
cp "$work/out" "$work/status.txt"
ctl --json status
[ "$(jget 'd["ports"][0]["name"]')" = outside ] || fail "1: status --json ports: $(cat "$work/out")"
[ "$(jget 'd["ike_sas"]')" = 1 ] || fail "1: status --json ike_sas: $(cat "$work/out")"
[ "$(jget 'd["workers"][0]["rx_packets"] > 0')" = True ] || fail "1: status --json workers"

# veer's inbound Child SA is strongSwan's outbound one.
ctl sas
expect 0 "1: sas" "$spi_i" "$spi_r" "$swan_out" "$swan_in" 198.51.100.2 "Child SAs"
cp "$work/out" "$work/sas.txt"
ctl sas --json
[ "$(jget 'd[0]["spi_i"]')" = "$spi_i" ] || fail "1: sas --json spi_i: $(cat "$work/out")"
[ "$(jget 'd[0]["children"][0]["packets_in"] >= 5')" = True ] ||
    fail "1: sas --json: the pings not counted: $(cat "$work/out")"
# A number once ESP has come (how recent depends on how busy the machine is).
[ "$(jget 'd[0]["idle_in_ms"] is not None')" = True ] || fail "1: idle_in_ms after the pings: $(cat "$work/out")"
ctl sas --peer road-warriors --addr 198.51.100.2 --id "$spi_r"
expect 0 "1: sas filtered" "$spi_i"
ctl sas --peer nosuch
expect 0 "1: sas --peer nosuch" "no IKE SA matches"
grep -qF "$spi_i" "$work/out" && fail "1: sas --peer nosuch listed the SA"

ctl counters
expect 0 "1: counters" esp_decrypted esp_encrypted rx_packets sa_established "CONTROL COUNTER"
# Nonzero only: no row of zeros (a worker counter row ends with its value).
grep -E '^drop_esp_bad_icv ' "$work/out" && fail "1: counters shows a zero counter"
ctl counters --all --worker 0
expect 0 "1: counters --all --worker 0" drop_esp_bad_icv W0
ctl counters --json
[ "$(jget 'd["total"]["esp_decrypted"] >= 5 and d["ike"]["sa_established"] == 1')" = True ] ||
    fail "1: counters --json: $(head -c 600 "$work/out")"
pass "1. status, sas (SPIs $spi_i $spi_r, Child $swan_out/$swan_in, idle - before ESP), counters; --json parsed"

# --- 2. the other verbs
ctl admission on
expect 0 "2: admission on" mode on
ctl --json admission
[ "$(jget 'd["mode"]')" = on ] || fail "2: admission not switched: $(cat "$work/out")"
ctl admission auto
expect 0 "2: admission auto" auto

ctl redirect targets 198.51.100.20=3,198.51.100.21
expect 0 "2: redirect targets" 198.51.100.20 198.51.100.21 TARGET
ctl redirect policy least_loaded
expect 0 "2: redirect policy" "policy least_loaded"
ctl redirect --json
[ "$(jget 'd["weight"][d["gateway"].index("198.51.100.20")]')" = 3 ] ||
    fail "2: redirect --json weight: $(cat "$work/out")"

ctl routes add 10.9.0.0/16 10.2.0.254 inside
expect 0 "2: routes add" 10.9.0.0/16 10.2.0.254 inside
ctl routes
expect 0 "2: routes" 10.9.0.0/16
ctl routes del 10.9.0.0/16
expect 0 "2: routes del"
grep -qF 10.9.0.0/16 "$work/out" && fail "2: route still listed after del: $(cat "$work/out")"

ctl neighbours
expect 0 "2: neighbours" 10.2.0.2 198.51.100.2 inside outside

ctl pools
expect 0 "2: pools" rw4 10.3.0.1-10.3.0.2 SIZE
ctl pools leases rw4
expect 0 "2: pools leases" "pool rw4"
ctl --json pools
[ "$(jget 'd[0]["size"]')" -ge 2 ] || fail "2: pools --json size: $(cat "$work/out")"

ctl switch
expect 0 "2: switch (counters)"
ctl raw /veer/qcd --json
jget 'd["answering"]' >/dev/null
# A reader that stops early (head) is no error of veerctl's.
"$veerctl" --prefix "$tag" counters --all 2>"$work/err" | head -n 1 >/dev/null
[ "${PIPESTATUS[0]}" = 0 ] && [ ! -s "$work/err" ] ||
    fail "2: veerctl counters --all | head: exit ${PIPESTATUS[0]}: $(cat "$work/err")"
pass "2. admission, redirect, routes, neighbours, pools, switch, raw: shown and changed"

# --- 3. refused, usage, access
ctl redirect policy nosuch
expect_refused "3: redirect policy nosuch" "veerctl: veer refused"
ctl routes del 10.9.0.0/16
expect_refused "3: routes del of no route" "route not deleted"
ctl pools release rw4 10.3.0.1
expect_refused "3: pools release of no lease" "no lease for that address"
ctl pools leases nosuch
expect_refused "3: pools leases nosuch" 'no pool named "nosuch"'
ctl drain 0000000000000001 0000000000000002 --to 198.51.100.20
expect_refused "3: drain of an SA that is not there" "no established IKE SA 0000000000000001_0000000000000002"
# strongSwan does not announce r-MOBIKE ('R').
ctl switch "$spi_i" "$spi_r" --to 198.51.100.1
expect_refused "3: switch a client without r-MOBIKE" "r-MOBIKE"
for bad in "delete $spi_i" "drain" "admission sometimes" "routes add 10.9.0.0/16" \
    "counters --worker 7" "switch --peer road-warriors" "bogus"; do
    # shellcheck disable=SC2086 # one word per argument
    ctl $bad
    [ "$rc" = 2 ] || fail "3: veerctl $bad: exit $rc, not 2: $(cat "$work/err")"
done
# The socket is root's alone: anyone else is told so, in one line.
setpriv --reuid=nobody --regid=nogroup --clear-groups "$veerctl" --prefix "$tag" status \
    >"$work/out" 2>"$work/err"
rc=$?
[ "$rc" = 3 ] && grep -q "permission denied: run as root or a member of telemetry_group" "$work/err" &&
    [ "$(wc -l <"$work/err")" = 1 ] || fail "3: as nobody: exit $rc: $(cat "$work/err")"
pass "3. refused commands exit 1 with veer's message, bad usage 2, no access 3"

# --- 4. drain and delete
ctl drain --peer nosuch --to 198.51.100.20
expect 0 "4: drain --peer nosuch" "0 clients told to leave"
ctl --json drain --id nobody.example
[ "$(jget 'd["redirected"]')" = 0 ] || fail "4: drain --id: $(cat "$work/out")"
ctl delete "$spi_i" "$spi_r"
expect 0 "4: delete" deleting "$spi_i"
wait_for 100 swan_lacks ESTABLISHED || fail "4: strongSwan kept the SA after veerctl delete"
wait_for 30 sh -c "'$veerctl' --prefix '$tag' sas | grep -q 'no IKE SA'" ||
    fail "4: veer still lists the SA: $("$veerctl" --prefix "$tag" sas)"
ctl delete "$spi_i" "$spi_r"
expect_refused "4: delete again" "veerctl: veer refused"
pass "4. drain (none matched) and delete: the SA gone on both sides; deleting it again refused"

# --- 4b. a virtual IP: the client comes back asking for one (connection v)
{
    echo "connections {"
    lab_swan_conn gw
    TUN_CONN_EXTRA="vips = 0.0.0.0" TUN_SWAN_LOCAL_TS=dynamic lab_swan_conn v "" psk cv
    echo "}"
    lab_swan_secrets
} >"$work/cl/swanctl.conf"
lab_swan_load "4b: "
swan --initiate --child cv --timeout 20 >"$work/initiate-v.out" 2>&1 ||
    fail "4b: the client got no virtual IP: $(cat "$work/initiate-v.out")"
ctl pools leases rw4
expect 0 "4b: pools leases" 10.3.0.1 client.example online
cp "$work/out" "$work/leases.txt"
ctl --json pools leases rw4
[ "$(jget 'd["leases"][0]["owner"]')" = client.example ] || fail "4b: leases --json: $(cat "$work/out")"
ctl pools release rw4 10.3.0.1
expect_refused "4b: release of a lease in use" "in use by an IKE SA"
pass "4b. a virtual IP leased: veerctl pools leases shows 10.3.0.1 online for client.example"

# --- 5. veer stopped
veer_dp_stop
# The socket goes with veer's last moments: give it up to 5 s.
wait_for 50 sh -c "'$veerctl' --prefix '$tag' status >/dev/null 2>&1; [ \$? = 3 ]"
ctl status
[ "$rc" = 3 ] && grep -q "^veerctl: no veer running" "$work/err" && [ "$(wc -l <"$work/err")" = 1 ] ||
    fail "5: veerctl after veer stopped: exit $rc: $(cat "$work/out" "$work/err")"
pass "5. veer stopped: exit 3, \"$(cat "$work/err")\""

echo "--- veerctl status (step 1)"
cat "$work/status.txt"
echo "--- veerctl sas (step 1)"
cat "$work/sas.txt"
echo "--- veerctl pools leases rw4 (step 4b)"
cat "$work/leases.txt"
echo "veerctl: all checks passed"
