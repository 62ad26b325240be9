#!/usr/bin/env bash
# Interop: a strongSwan 5.9 client (kernel-libipsec, so ESP goes in UDP and
# NAT-T is forced) establishes an IKE SA and a Child SA with veer-ike using a
# shared key, X25519 and AES-GCM; then the client deletes it.
#
# Asserts on both sides: swan --list-sas and veer's state file agree on the
# IKE SPIs and the Child SA SPIs, and the Child SA keys veer derived equal the
# ones strongSwan logs (chd level 4), since no ESP flows through veer-ike.
#
# Needs root (network namespaces). Cleans up on exit. Usage:
#   tests/interop/strongswan_psk.sh BUILD_DIR
set -euo pipefail

build=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
veer_ike="$build/app/veer-ike/veer-ike"
tag="vi$$"
ns_cl="${tag}cl"
ns_gw="${tag}gw"
work=$(mktemp -d /tmp/veer-interop.XXXXXX)
veer_pid=""
charon_pid=""

cleanup() {
    [ -n "$charon_pid" ] && kill "$charon_pid" 2>/dev/null || true
    [ -n "$veer_pid" ] && kill "$veer_pid" 2>/dev/null || true
    wait 2>/dev/null || true
    ip netns del "$ns_cl" 2>/dev/null || true
    ip netns del "$ns_gw" 2>/dev/null || true
    if [ "${KEEP_WORK:-0}" = 1 ]; then echo "work dir kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*"
    echo "--- veer-ike log"; tail -n 40 "$work/veer.log" || true
    echo "--- veer state"; cat "$work/state" || true
    echo "--- charon log"; grep -v "\] *[0-9]*: " "$work/charon.log" | tail -n 40 || true
    exit 1
}

# Bounded wait: up to $1 tenths of a second for a command to succeed.
wait_for() {
    local tenths=$1
    shift
    for _ in $(seq "$tenths"); do
        if "$@" >/dev/null 2>&1; then return 0; fi
        sleep 0.1
    done
    return 1
}

[ "$(id -u)" = 0 ] || { echo "FAIL: needs root for network namespaces"; exit 1; }
[ -x "$veer_ike" ] || { echo "FAIL: $veer_ike not built"; exit 1; }
[ -x /usr/lib/ipsec/charon ] || { echo "FAIL: strongSwan (strongswan-charon) not installed"; exit 1; }

# --- topology: client 198.51.100.2 <-> gateway 198.51.100.1
ip netns add "$ns_cl"
ip netns add "$ns_gw"
ip link add "${tag}c" type veth peer name "${tag}g"
ip link set "${tag}c" netns "$ns_cl"
ip link set "${tag}g" netns "$ns_gw"
ip -n "$ns_cl" addr add 198.51.100.2/24 dev "${tag}c"
ip -n "$ns_gw" addr add 198.51.100.1/24 dev "${tag}g"
ip -n "$ns_cl" link set "${tag}c" up
ip -n "$ns_gw" link set "${tag}g" up
ip -n "$ns_cl" link set lo up
ip -n "$ns_gw" link set lo up
# The client needs an address inside its own traffic selector (lab notes).
ip -n "$ns_cl" addr add 10.1.0.1/32 dev lo

# --- veer-ike on the gateway
printf 'labsecret-0123456789' > "$work/psk"
chmod 600 "$work/psk"
cat > "$work/veer.yaml" <<EOF
gateway:
  listen: [198.51.100.1]
  half_open_timeout: 30
peers:
  - name: road-warriors
    local_id: gw.example
    remote_id: client.example
    psk_file: $work/psk
    ike_proposals: [aes128gcm16-prfsha256-x25519]
    esp_proposals: [aes128gcm16]
    local_ts: [10.2.0.0/24]
    remote_ts: [10.1.0.0/16]
EOF
ip netns exec "$ns_gw" "$veer_ike" -c "$work/veer.yaml" --state-file "$work/state" \
    --log-keys -v > "$work/veer.log" 2>&1 &
veer_pid=$!
wait_for 50 grep -q "veer-ike running" "$work/veer.log" || fail "veer-ike did not start"

# --- strongSwan client
mkdir -p "$work/cl"
cat > "$work/cl/strongswan.conf" <<EOF
charon {
  load_modular = no
  load = random nonce kdf openssl pem pkcs1 x509 pubkey kernel-libipsec kernel-netlink socket-default vici
  install_routes = no
  plugins {
    vici { socket = unix://$work/cl/vici }
    kernel-libipsec { allow_peer_ts = yes }
  }
  filelog {
    cl {
      path = $work/charon.log
      flush_line = yes
      default = 1
      ike = 2
      chd = 4
      cfg = 2
    }
  }
}
EOF
cat > "$work/cl/swanctl.conf" <<EOF
connections {
  gw {
    remote_addrs = 198.51.100.1
    version = 2
    proposals = aes128gcm16-prfsha256-x25519
    local {
      auth = psk
      id = client.example
    }
    remote {
      auth = psk
      id = gw.example
    }
    children {
      c {
        local_ts = 10.1.0.1/32
        remote_ts = 10.2.0.0/24
        esp_proposals = aes128gcm16
      }
    }
  }
}
secrets {
  ike-gw {
    id-1 = client.example
    id-2 = gw.example
    secret = "labsecret-0123456789"
  }
}
EOF
ip netns exec "$ns_cl" unshare -m sh -c "mount -t tmpfs tmpfs /run && \
    STRONGSWAN_CONF=$work/cl/strongswan.conf exec /usr/lib/ipsec/charon" \
    > "$work/charon.out" 2>&1 &
charon_pid=$!
swan() { ip netns exec "$ns_cl" swanctl "$@" --uri "unix://$work/cl/vici"; }
wait_for 100 swan --stats || fail "charon did not start"
swan --load-all --file "$work/cl/swanctl.conf" > "$work/load.out" 2>&1 || fail "swan --load-all"

# --- establish
swan --initiate --child c --timeout 20 > "$work/initiate.out" 2>&1 || {
    cat "$work/initiate.out"
    fail "swan --initiate"
}
swan --list-sas > "$work/sas.out"
grep -q "ESTABLISHED" "$work/sas.out" || fail "strongSwan: IKE SA not ESTABLISHED"
grep -q "INSTALLED" "$work/sas.out" || fail "strongSwan: Child SA not INSTALLED"
wait_for 20 grep -q "state=ESTABLISHED" "$work/state" || fail "veer: IKE SA not ESTABLISHED"

# IKE SPIs: strongSwan prints "gw: #1, ESTABLISHED, IKEv2, <spi_i>_i* <spi_r>_r"
read -r swan_spi_i swan_spi_r < <(sed -n 's/.*IKEv2, \([0-9a-f]*\)_i\*\? \([0-9a-f]*\)_r.*/\1 \2/p' "$work/sas.out")
grep -q "spi_i=$swan_spi_i spi_r=$swan_spi_r .*state=ESTABLISHED" "$work/state" ||
    fail "IKE SPIs differ: strongSwan $swan_spi_i/$swan_spi_r"
echo "PASS: IKE SA established, SPIs $swan_spi_i/$swan_spi_r on both sides"

# Child SPIs: strongSwan prints "in  c1234567 (-|0x...)" and "out c7654321"
swan_in=$(sed -n 's/^ *in  \([0-9a-f]\{8\}\).*/\1/p' "$work/sas.out" | head -n1)
swan_out=$(sed -n 's/^ *out \([0-9a-f]\{8\}\).*/\1/p' "$work/sas.out" | head -n1)
grep -q "child_in=$swan_out child_out=$swan_in" "$work/state" ||
    fail "Child SPIs differ: strongSwan in=$swan_in out=$swan_out"
grep -q "natt=yes" "$work/state" || fail "veer did not move to port 4500"
echo "PASS: Child SA installed, SPIs in=$swan_in out=$swan_out match crosswise; NAT-T on 4500"

# Keys: strongSwan (the initiator) logs "encryption initiator key" (its outbound)
# and "encryption responder key" as hex dumps; veer logs its inbound and outbound.
swan_key() { # $1: initiator|responder
    awk -v what="encryption $1 key" '
        index($0, what) { grab = 1; next }
        grab && /\[CHD\] +[0-9]+: / {
            sub(/.*\[CHD\] +[0-9]+: /, ""); sub(/  .*/, ""); gsub(/ /, ""); key = key $0; next
        }
        grab { exit }
        END { print tolower(key) }' "$work/charon.log"
}
swan_ki=$(swan_key initiator)
swan_kr=$(swan_key responder)
veer_in=$(sed -n 's/.*encr_in=\([0-9a-f]*\).*/\1/p' "$work/veer.log" | head -n1)
veer_out=$(sed -n 's/.*encr_out=\([0-9a-f]*\).*/\1/p' "$work/veer.log" | head -n1)
[ -n "$swan_ki" ] && [ -n "$veer_in" ] || fail "no keys logged (strongSwan '$swan_ki', veer '$veer_in')"
[ "$swan_ki" = "$veer_in" ] || fail "initiator->responder key differs: $swan_ki vs $veer_in"
[ "$swan_kr" = "$veer_out" ] || fail "responder->initiator key differs: $swan_kr vs $veer_out"
echo "PASS: Child SA keys (AES-GCM key and salt) identical on both sides"

# --- delete from the client
swan --terminate --ike gw --timeout 10 > "$work/terminate.out" 2>&1 || fail "swan --terminate"
wait_for 30 sh -c "! grep -q '^ike_sa' '$work/state'" || fail "veer kept the SA after the delete"
grep -q "child-sa delete spi_in=$swan_out" "$work/veer.log" || fail "veer did not delete the Child SA"
echo "PASS: delete from strongSwan removed the IKE SA and Child SA in veer"
echo "strongswan_psk: all checks passed"
