#!/usr/bin/env bash
# Reloading app/veer's configuration while a strongSwan client's tunnel
# carries traffic (docs/reload.md):
#   1. the road-warriors PSK changed and a peer added, `veerctl reload` under
#      a ping stream: no ping lost, the same IKE and Child SPIs on both sides;
#      then a second client identity connects with the added peer's PSK;
#   2. road-warriors removed, SIGHUP: veer deletes its SA, strongSwan logs
#      the Delete, the added peer's SA stays;
#   3. a file with a mistake: refused with file:line, the running
#      configuration still serves the kept SA; a change of workers: refused
#      naming dataplane.workers;
#   4. `veerctl status` counts 2 reloads applied, 2 refused.
# About 30-40 s. Needs root and DPDK. Usage: tests/interop/strongswan_reload.sh BUILD_DIR
set -uo pipefail
# shellcheck source=tests/interop/lib.sh
source "$(dirname "$0")/lib.sh"
lab_init "${1:?usage: $0 BUILD_DIR}" vr
veerctl="$(cd "$(dirname "$0")/../.." && pwd)/app/veerctl/veerctl"
lab_topology_tunnel
lab_tunnel_up

# The file with road-warriors ($1: yes/no) and peer branch2 ($2: yes/no) for client2.example.
write_conf() {
    lab_tunnel_veer_yaml
    if [ "$1" = no ]; then sed -i '/^peers:/,$d' "$work/veer.yaml" && echo "peers:" >>"$work/veer.yaml"; fi
    if [ "$2" = yes ]; then
        TUN_PEER_AUTH="    psk: branch2-secret-4242" lab_peer_yaml branch2 client2.example \
            >>"$work/veer.yaml"
    fi
}
vctl() {
    rc=0
    "$veerctl" --prefix "$tag" "$@" >"$work/out" 2>"$work/err" || rc=$?
}
ike_spis() { swan --list-sas 2>/dev/null | sed -n "s/^$1: .*IKEv2, \([0-9a-f]*_i\*\? [0-9a-f]*_r\).*/\1/p"; }
child_spis() { swan --list-sas --ike "$1" 2>/dev/null | sed -n 's/^ *\(in\|out\) *\([0-9a-f]\{8\}\).*/\2/p' | tr '\n' ' '; }

wait_for 50 ip netns exec "$ns_cl" ping -c 1 -W 1 -I 10.1.0.1 10.2.0.2 >/dev/null ||
    fail "0: no ping through the tunnel"
spis_before="$(ike_spis gw) / $(child_spis gw)"
veer_sa_before=$(tel /veer/ike/sas | /usr/bin/python3 -c "import json,sys; s=json.load(sys.stdin)['/veer/ike/sas']; print(s['spi_i'][0], s['spi_r'][0], s['child_sas'][0])")

# --- 1. new PSK for road-warriors, peer branch2 added, under a ping stream
ip netns exec "$ns_cl" ping -c 60 -i 0.05 -W 1 -I 10.1.0.1 10.2.0.2 >"$work/stream.out" 2>&1 &
stream=$!
sleep 1
write_conf yes yes
printf 'a-new-secret-for-everyone' >"$work/psk" # after write_conf: lab_psk_file writes the old one
vctl reload
[ "$rc" = 0 ] || fail "1: veerctl reload exited $rc: $(cat "$work/err")"
grep -q "peers 1 added, 1 changed, 0 removed" "$work/out" ||
    fail "1: veerctl reload said: $(cat "$work/out")"
wait "$stream"
grep -q " 0% packet loss" "$work/stream.out" ||
    fail "1: pings lost across the reload: $(tail -2 "$work/stream.out")"
spis_after="$(ike_spis gw) / $(child_spis gw)"
[ "$spis_after" = "$spis_before" ] || fail "1: strongSwan's SPIs changed: $spis_before -> $spis_after"
veer_sa_after=$(tel /veer/ike/sas | /usr/bin/python3 -c "import json,sys; s=json.load(sys.stdin)['/veer/ike/sas']; print(s['spi_i'][0], s['spi_r'][0], s['child_sas'][0])")
[ "$veer_sa_after" = "$veer_sa_before" ] || fail "1: veer's SA changed: $veer_sa_before -> $veer_sa_after"
# A second identity of the client, from 10.1.0.3, with the added peer's PSK.
ip netns exec "$ns_cl" ip addr add 10.1.0.3/32 dev lo
{
    echo "connections {"
    lab_swan_conn gw
    TUN_SWAN_LOCAL_TS=10.1.0.3/32 lab_swan_conn gw2 "local {
      auth = psk
      id = client2.example
    }" psk c2
    echo "}"
    lab_swan_secrets | sed '$d' # without its closing brace: one more secret follows
    printf '  ike-b2 {\n    id-1 = client2.example\n    id-2 = gw.example\n    secret = "branch2-secret-4242"\n  }\n}\n'
} >"$work/cl/swanctl2.conf"
swan --load-all --file "$work/cl/swanctl2.conf" >"$work/load2.out" 2>&1 || fail "1: load gw2: $(cat "$work/load2.out")"
swan --initiate --child c2 --timeout 15 >"$work/init2.out" 2>&1 || fail "1: client2 did not connect: $(tail -5 "$work/init2.out")"
wait_for 30 ip netns exec "$ns_cl" ping -c 1 -W 1 -I 10.1.0.3 10.2.0.2 >/dev/null ||
    fail "1: no ping through client2's tunnel"
pass "1. PSK changed and peer added by veerctl reload: 60 pings, none lost, SPIs unchanged ($spis_before); client2 connected with the added peer"

# --- 2. road-warriors removed: its SA deleted, strongSwan told; branch2's stays
write_conf no yes
kill -HUP "$veer_pid"
wait_for 50 grep -q "received DELETE for IKE_SA gw\[" "$work/charon.log" ||
    fail "2: strongSwan saw no Delete for the removed peer's SA: $(tail -5 "$work/veer.log")"
wait_for 30 sh -c "! ip netns exec $ns_cl swanctl --list-sas --ike gw --uri unix://$work/cl/vici 2>/dev/null | grep -q ESTABLISHED" ||
    fail "2: strongSwan still lists gw"
[ "$(ike_count reload_sas_deleted)" = 1 ] || fail "2: reload_sas_deleted=$(ike_count reload_sas_deleted)"
ip netns exec "$ns_cl" ping -c 3 -i 0.2 -W 1 -I 10.1.0.3 10.2.0.2 >/dev/null 2>&1 ||
    fail "2: client2's tunnel stopped after the reload"
pass "2. SIGHUP after removing road-warriors: its SA deleted (strongSwan received the Delete), client2's SA kept"

# --- 3. refusals: a mistake at a known line, then a change that needs a restart
cp "$work/veer.yaml" "$work/good.yaml"
sed -i 's/^  idle_sleep_us: 50/  idle_sleep_us: 50\n  workerz: 1/' "$work/veer.yaml"
line=$(grep -n '^  workerz' "$work/veer.yaml" | cut -d: -f1)
vctl reload
[ "$rc" = 1 ] || fail "3: veerctl reload of a broken file exited $rc"
grep -q "veer.yaml:$line: dataplane.workerz: unknown key" "$work/err" ||
    fail "3: the refusal does not name file:line: $(cat "$work/err")"
grep -q "reload refused: .*veer.yaml:$line:" "$work/veer.log" || fail "3: the log has no refusal"
sed 's/^  workers: 1/  workers: 2/' "$work/good.yaml" >"$work/veer.yaml"
vctl reload
[ "$rc" = 1 ] && grep -q "needs a restart to change dataplane.workers" "$work/err" ||
    fail "3: a change of workers was not refused by name: rc=$rc $(cat "$work/err")"
ip netns exec "$ns_cl" ping -c 3 -i 0.2 -W 1 -I 10.1.0.3 10.2.0.2 >/dev/null 2>&1 ||
    fail "3: the running configuration stopped serving after a refused reload"
pass "3. refused: a broken file (veer.yaml:$line named), a change of workers (named); the tunnel still serves"

# --- 4. the counts in veerctl status
vctl status
grep -q "reloads: 2 applied, 2 refused; last at .*: refused: " "$work/out" ||
    fail "4: veerctl status: $(grep reloads "$work/out")"
kill -0 "$veer_pid" 2>/dev/null || fail "4: veer died"
pass "4. veerctl status: $(grep reloads "$work/out" | cut -c1-60)..."
echo "strongswan_reload: all checks passed"
