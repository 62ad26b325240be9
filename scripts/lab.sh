#!/usr/bin/env bash
# The appliance in a namespace lab, on a fresh Debian 12 machine, as root:
# installs what is needed, builds, and wires
#
#   client (strongSwan, 198.51.100.2, protects 10.1.0.1)
#     <-> veer on af_packet: outside 198.51.100.1, inside 10.2.0.1
#     <-> server (10.2.0.2)
#
# starts veer on its lab configuration (etc/veer-lab.yaml), has the strongSwan
# client establish its IKE SA and Child SA through veer's DPDK workers, and
# shows veer's view of it with veerctl (app/veerctl). Everything is removed on exit (Ctrl-C, or after
# --seconds N).
#
#   ./scripts/lab.sh                 # install, build, run until Ctrl-C
#   ./scripts/lab.sh --no-install --seconds 20
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
install=1
seconds=0
usage() {
    cat <<EOF
usage: $0 [--no-install] [--seconds N]

Runs veer (app/veer on DPDK af_packet ports) in a namespace lab between a
strongSwan client and a server, connects the client through it, pings
across the tunnel and shows veer's view with veerctl. Needs root.

  --no-install   skip scripts/install-deps.sh (the packages are there)
  --seconds N    stop and remove the lab after N seconds (default: at Ctrl-C)
  --help         this text

Everything the lab makes (namespaces, veth links, processes, its work
directory, DPDK's runtime directory) is removed when it stops.
EOF
}
while [ $# -gt 0 ]; do
    case $1 in
    --no-install) install=0 ;;
    --seconds) seconds=${2:?}; shift ;;
    --help | -h) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
    esac
    shift
done
[ "$(id -u)" = 0 ] || { echo "lab: run as root (namespaces, DPDK)" >&2; exit 1; }
if [ "$install" = 1 ]; then
    scripts/install-deps.sh || exit 1
fi
[ -f build/build.ninja ] || meson setup build >/dev/null || exit 1
# The lab's library checks for veer-ike as well (tests/interop/lib.sh lab_init).
ninja -C build app/veer/veer app/veer-ike/veer-ike >/dev/null || exit 1

# shellcheck source=tests/interop/lib.sh
source tests/interop/lib.sh
lab_init build lab
# Says what goes, then removes it (lab_cleanup, lib.sh).
lab_stop() {
    echo
    echo "lab: stopping: veer, charon, namespaces ${ns_cl} ${ns_gw}${ns_srv:+ $ns_srv}, their veth links, $work and /var/run/dpdk/$tag"
    lab_cleanup
    echo "lab: removed"
}
trap lab_stop EXIT
lab_topology_tunnel

printf 'lab-secret-change-me' >"$work/psk"
chmod 600 "$work/psk"
sed -e "s|@OUTSIDE@|net_af_packet0,iface=${tag}g|" -e "s|@INSIDE@|net_af_packet1,iface=${tag}i|" \
    -e "s|@PSK_FILE@|$work/psk|" -e "s|@QCD_SECRET_FILE@|$work/qcd.secret|" \
    etc/veer-lab.yaml >"$work/veer.yaml"
veer_dp_start "$work/veer.yaml"
echo "lab: veer running (log $work/veer.log)"

CHARON_ROUTES=yes charon_start
cat >"$work/cl/swanctl.conf" <<EOF
connections {
  gw {
    remote_addrs = 198.51.100.1
    version = 2
    proposals = aes128gcm16-prfsha256-x25519
    local { auth = psk
            id = client.lab }
    remote { auth = psk
             id = gw.lab }
    children { lab { local_ts = 10.1.0.1/32
                     remote_ts = 10.2.0.0/24
                     esp_proposals = aes128gcm16 } }
  }
}
secrets { ike-gw { id-1 = client.lab
                   id-2 = gw.lab
                   secret = "lab-secret-change-me" } }
EOF
swan --load-all --file "$work/cl/swanctl.conf" >/dev/null 2>&1 || fail "swanctl --load-all"
swan --initiate --child lab --timeout 20 >"$work/initiate.out" 2>&1 || fail "the client could not connect"
echo
echo "== the client's view (swanctl --list-sas)"
swan --list-sas 2>/dev/null | grep -v "^plugin"
echo
echo "== traffic through the tunnel: client 10.1.0.1 -> server 10.2.0.2"
if ip netns exec "$ns_cl" ping -c 3 -W 1 -I 10.1.0.1 10.2.0.2; then
    echo "lab: traffic crosses the tunnel"
    # veer knew no MAC for the server: the first ping waited for its ARP reply.
    echo "lab: packets held for ARP/ND and sent: $(wcount neigh_hold_sent); lost for want of a MAC: $(($(wcount drop_no_neighbour) + $(wcount drop_neigh_hold_expired)))"
else
    echo "lab: no reply through the tunnel: see $work/veer.log and /veer/workers"
fi
# After the pings, so that the ports, the worker and the Child SA show traffic.
sleep 0.3 # veer refreshes the SAs' counts every 100 ms
echo
echo "== veer's view (veerctl status)"
app/veerctl/veerctl --prefix "$tag" status
echo
echo "== veer's IKE and Child SAs (veerctl sas)"
app/veerctl/veerctl --prefix "$tag" sas
echo
echo "lab: query veer yourself: app/veerctl/veerctl --prefix $tag VERB   (status, sas, counters, routes, ...; --help)"
if [ "$seconds" -gt 0 ]; then
    sleep "$seconds"
else
    echo "lab: Ctrl-C to stop and remove the lab"
    while kill -0 "$veer_pid" 2>/dev/null; do sleep 1; done
fi
