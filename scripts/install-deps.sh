#!/usr/bin/env bash
# Installs, from Debian 12's archive, everything veer needs to build, test and
# run. Run as root on a fresh machine. `--minimal` installs only the build and
# unit-test tools.
set -euo pipefail

# systemd: systemd-analyze for the unit test systemd-verify, and systemd.pc for
# where veer.service is installed (a container image may lack it).
# gnuplot-nox: the benchmark scripts' PNGs (scripts/lib-plot.sh), and so the unit
# test lib-plot, which is why it is here and not with the benchmarks' packages.
build_pkgs=(build-essential meson ninja-build pkg-config clang clang-format
    libclang-rt-14-dev libssl-dev libcmocka-dev libyaml-dev systemd gnuplot-nox)
# dpdk-doc: the ipsec-secgw example that scripts/bench-secgw.sh builds.
dp_pkgs=(dpdk dpdk-dev libdpdk-dev libipsec-mb-dev dpdk-doc)
# nftables, conntrack: the NAT in tests/interop/strongswan_nat_rebind.sh.
# libcharon-extauth-plugins: strongSwan's eap-mschapv2 (strongswan_eap_mschapv2.sh).
# freeradius: the RADIUS server the RADIUS tests start (freeradius_codec.sh).
# prometheus (2.42): tests/interop/prometheus_exporter.sh starts its own, to scrape veer-exporter.
lab_pkgs=(iproute2 iputils-ping ethtool nftables conntrack tshark python3-scapy python3-cryptography openssl
    strongswan-charon strongswan-swanctl libcharon-extra-plugins libcharon-extauth-plugins
    libstrongswan-standard-plugins freeradius prometheus
    # scripts/bench-peers.sh runs libreswan's pluto unpacked from its .deb (the
    # package conflicts with strongSwan's): its NSS tools and shared libraries.
    libnss3-tools libnss3 libnspr4 libldns3 libunbound8 libevent-core-2.1-7
    libevent-pthreads-2.1-7 libcurl3-nss libldap-2.5-0 libcap-ng0
    # pktgen-dpdk, built from source by scripts/bench-pktgen.sh (not in Debian): Lua, pcap, NUMA.
    liblua5.3-dev libpcap-dev libnuma-dev)

pkgs=("${build_pkgs[@]}")
if [ "${1:-}" != "--minimal" ]; then
    pkgs+=("${dp_pkgs[@]}" "${lab_pkgs[@]}")
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: run as root (apt-get needs it)" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer for it.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update
apt-get install -y --no-install-recommends "${pkgs[@]}"
# The prometheus package enables and starts its system service, which would
# listen on every address (:9090) and scrape this machine for good. veer's
# tests start their own Prometheus on loopback in a namespace, with its own
# configuration and storage: stop the service and keep it from starting.
# (Without systemd, the package's init script is disabled and stopped instead.)
if [ -d /run/systemd/system ]; then
    systemctl disable --now prometheus.service || true
elif [ -x /etc/init.d/prometheus ]; then
    update-rc.d prometheus disable >/dev/null 2>&1 || true
    /etc/init.d/prometheus stop >/dev/null 2>&1 || true
fi
