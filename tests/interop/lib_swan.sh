# shellcheck shell=bash
# The strongSwan side of the interop lab (lib.sh sources it): the client's
# charon and swanctl, its configuration, readers of its SAs and keys, and the
# checks that both sides agree. Uses lib.sh's lab ($work, $ns_cl, fail, wait_for).
# shellcheck disable=SC2154 # work, ns_cl, charon_pid, veer_pid: set by lib.sh's lab_init

# A strongSwan charon in the client namespace with its own /run; $1 adds charon options.
charon_start() {
    mkdir -p "$work/cl"
    cat >"$work/cl/strongswan.conf" <<EOF
charon {
  load_modular = no
  load = random nonce kdf openssl pem pkcs1 pkcs8 x509 pubkey kernel-libipsec kernel-netlink socket-default vici ${CHARON_PLUGINS:-}
  install_routes = ${CHARON_ROUTES:-no}
  ${1:-}
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
    ip netns exec "$ns_cl" unshare -m sh -c "mount -t tmpfs tmpfs /run && \
        STRONGSWAN_CONF=$work/cl/strongswan.conf exec /usr/lib/ipsec/charon" \
        >"$work/charon.out" 2>&1 &
    charon_pid=$!
    wait_for 100 swan --stats || fail "charon did not start"
}

# swanctl in the client namespace, on its charon's vici socket.
swan() { ip netns exec "$ns_cl" swanctl "$@" --uri "unix://$work/cl/vici"; }

# strongSwan's IKE SPIs of its first SA: "<spi_i> <spi_r>" (from `swan --list-sas` output in $1).
swan_ike_spis() {
    sed -n 's/.*IKEv2, \([0-9a-f]*\)_i\*\? \([0-9a-f]*\)_r.*/\1 \2/p' "$1" | head -n1
}

# strongSwan's Child SA SPIs "<in> <out>" of the first INSTALLED Child SA in $1.
swan_child_spis() {
    local in out
    in=$(sed -n 's/^ *in  \([0-9a-f]\{8\}\).*/\1/p' "$1" | head -n1)
    out=$(sed -n 's/^ *out \([0-9a-f]\{8\}\).*/\1/p' "$1" | head -n1)
    echo "$in $out"
}

# Every Child SA key pair strongSwan logged (chd level 4), one "<i->r key> <r->i key>" per
# line in order: the i->r key is the one sent by the initiator of the exchange that made it.
swan_key_pairs() {
    awk '
        function flush() {
            if (which == "i") ki = tolower(key)
            else if (which == "r") print ki, tolower(key)
            which = ""
        }
        /encryption initiator key/ { flush(); which = "i"; key = ""; next }
        /encryption responder key/ { flush(); which = "r"; key = ""; next }
        which != "" && /\[CHD\] +[0-9]+: / {
            line = $0; sub(/.*\[CHD\] +[0-9]+: /, "", line); sub(/  .*/, "", line)
            gsub(/ /, "", line); key = key line; next
        }
        which != "" { flush() }
        END { flush() }' "$work/charon.log"
}

# Every Child SA key pair veer logged: "<in key> <out key>" per install, in order.
veer_key_pairs() {
    sed -n 's/.*child-sa install .*encr_in=\([0-9a-f]*\).*encr_out=\([0-9a-f]*\).*/\1 \2/p' \
        "$work/veer.log"
}

# True when veer's Child SA with inbound SPI $1 has the same keys as one strongSwan logged.
keys_match_child() {
    local spi_in=$1 vin vout
    read -r vin vout < <(sed -n "s/.*child-sa install spi_in=$spi_in .*encr_in=\([0-9a-f]*\).*encr_out=\([0-9a-f]*\).*/\1 \2/p" \
        "$work/veer.log" | tail -n1)
    [ -n "$vin" ] || return 1
    swan_key_pairs | grep -q -x -e "$vin $vout" -e "$vout $vin"
}

# The client's swanctl directory $work/cl/swanctl made anew, set in $sw, for
# SWANCTL_DIR="$sw" swan --load-all: the CA of lab_make_pki's directory $1, and
# with $2 the certificate $2.pem and key $2.key from there too, installed as
# x509/$3.pem and private/$3.key ($3 default client).
lab_client_swanctl_dir() {
    sw="$work/cl/swanctl"
    rm -rf "$sw"
    mkdir -p "$sw/x509ca"
    cp "$1/ca.pem" "$sw/x509ca/ca.pem"
    if [ -n "${2:-}" ]; then
        mkdir -p "$sw/x509" "$sw/private"
        cp "$1/$2.pem" "$sw/x509/${3:-client}.pem"
        cp "$1/$2.key" "$sw/private/${3:-client}.key"
    fi
}

# The strongSwan client's side of the tunnel lab in $1 (default
# $work/cl/swanctl.conf): connection gw of lab_swan_conn (PSK) with Child SA c
# from 10.1.0.1, and lab_swan_secrets. The caller may set:
#   TUN_GW_ADDR     the gateway's address (default 198.51.100.1)
#   TUN_SWAN_LOCAL_TS  the Child SA's local_ts (default 10.1.0.1/32)
#   TUN_REMOTE_TS   the Child SA's remote_ts (default 10.2.0.0/24)
#   TUN_ESP         its esp_proposals (default aes128gcm16)
#   TUN_CONN_EXTRA  more lines of the connection, TUN_CHILD_EXTRA of the Child SA
lab_tunnel_swanctl_conf() {
    {
        echo "connections {"
        lab_swan_conn gw
        echo "}"
        lab_swan_secrets
    } >"${1:-$work/cl/swanctl.conf}"
}

# Prints one strongSwan connection to veer (an item under `connections`): $1 its
# name (default gw), $2 its local section(s) whole (default PSK as
# client.example), $3 how veer authenticates (default psk), $4 the Child SA's
# name (default c); TUN_* as for lab_tunnel_swanctl_conf.
lab_swan_conn() {
    local own=${2:-"local {
      auth = psk
      id = client.example
    }"}
    cat <<EOF
  ${1:-gw} {
    remote_addrs = ${TUN_GW_ADDR:-198.51.100.1}
    version = 2
    proposals = aes128gcm16-prfsha256-x25519
    ${TUN_CONN_EXTRA:-}
    $own
    remote {
      auth = ${3:-psk}
      id = gw.example
    }
    children {
      ${4:-c} {
        local_ts = ${TUN_SWAN_LOCAL_TS:-10.1.0.1/32}
        remote_ts = ${TUN_REMOTE_TS:-10.2.0.0/24}
        esp_proposals = ${TUN_ESP:-aes128gcm16}
        ${TUN_CHILD_EXTRA:-}
      }
    }
  }
EOF
}

# Prints strongSwan's responder connection `branch` for veer-ike as initiator
# (ESP in UDP forced, Child SA net from 10.1.0.0/24 to 10.2.0.0/24): $1 the
# lines of its local section, $2 of its remote section.
lab_swan_branch_conn() {
    cat <<EOF
  branch {
    version = 2
    proposals = aes128gcm16-prfsha256-x25519
    encap = yes
    local {
      $1
    }
    remote {
      $2
    }
    children {
      net {
        local_ts = 10.1.0.0/24
        remote_ts = 10.2.0.0/24
        esp_proposals = aes128gcm16
      }
    }
  }
EOF
}

# Prints swanctl's secrets section: the lab's PSK (lab_psk_file's) for the ids
# $@ (default client.example gw.example; none with TUN_SWAN_PSK=no), and with
# TUN_SWAN_EAP set, that EAP password for alice@example.org.
lab_swan_secrets() {
    [ $# -gt 0 ] || set -- client.example gw.example
    echo "secrets {"
    if [ "${TUN_SWAN_PSK:-yes}" != no ]; then
        echo "  ike-gw {"
        local i=1 id
        for id in "$@"; do
            echo "    id-$i = $id"
            i=$((i + 1))
        done
        echo '    secret = "labsecret-0123456789"'
        echo "  }"
    fi
    if [ -n "${TUN_SWAN_EAP:-}" ]; then
        printf '  eap-alice {\n    id = alice@example.org\n    secret = "%s"\n  }\n' "$TUN_SWAN_EAP"
    fi
    echo "}"
}

# True when the client's `swanctl --list-sas` shows $1 (ESTABLISHED, INSTALLED...).
swan_lists() { swan --list-sas 2>/dev/null | grep -q "$1"; }

# True unless the client's `swanctl --list-sas` shows $1.
swan_lacks() { ! swan_lists "$1"; }

# Stops both charon and veer (a run's end, when a test makes several runs);
# with $1, keeps the run's logs under that name (lab_keep_logs).
lab_stop_both() {
    [ -n "$charon_pid" ] && kill "$charon_pid" 2>/dev/null
    [ -n "$veer_pid" ] && kill "$veer_pid" 2>/dev/null
    wait 2>/dev/null
    charon_pid=""
    veer_pid=""
    [ -z "${1:-}" ] || lab_keep_logs "$1"
}

# Keeps a finished run's logs under its name $1, so the next run's readers start fresh.
lab_keep_logs() {
    local f
    for f in veer.log charon.log state; do
        [ -f "$work/$f" ] && mv "$work/$f" "$work/$1-$f"
    done
    return 0
}

# Stops the client's charon, if any, and starts a fresh one with a new
# charon.log; $1 as for charon_start.
charon_restart() {
    if [ -n "$charon_pid" ]; then
        kill "$charon_pid"
        wait "$charon_pid" 2>/dev/null
    fi
    charon_pid=""
    rm -f "$work/charon.log"
    charon_start "${1:-}"
}

# Loads the client's swanctl configuration: the file $work/cl/swanctl.conf, or
# with $2 the swanctl directory $2 (its swanctl.conf and credentials). $1
# prefixes the failure, which shows swanctl's output.
lab_swan_load() {
    if [ -n "${2:-}" ]; then
        SWANCTL_DIR="$2" swan --load-all >"$work/load.out" 2>&1
    else
        swan --load-all --file "$work/cl/swanctl.conf" >"$work/load.out" 2>&1
    fi || {
        cat "$work/load.out"
        fail "${1:-}swan --load-all"
    }
}

# The client initiates Child SA c (and so its IKE SA), within 20 s; $1 prefixes
# the failure, which shows swanctl's output and that of the commands $2... (one
# word each, e.g. "tel /veer/workers").
lab_swan_initiate() {
    swan --initiate --child c --timeout 20 >"$work/initiate.out" 2>&1 || {
        cat "$work/initiate.out"
        local c
        for c in "${@:2}"; do $c; done
        fail "${1:-}swan --initiate"
    }
}

# The client's certificates (lab_client_swanctl_dir of lab_make_pki's directory
# $1, client's) and connection gw to veer by certificate as client.example
# (lab_swan_conn; $2 its more lines, TUN_* as there) in $sw/swanctl.conf, loaded.
lab_swan_load_cert_conn() {
    lab_client_swanctl_dir "$1" client
    {
        echo "connections {"
        TUN_CONN_EXTRA=$2 lab_swan_conn gw "local {
      auth = pubkey
      certs = client.pem
      id = client.example
    }" pubkey
        echo "}"
    } >"$sw/swanctl.conf"
    lab_swan_load "" "$sw"
}

# The client's initiate of Child SA c must be refused within 10 s (else fails
# "$1"); then strongSwan's log must show $2 (a grep pattern; else fails "$3"),
# veer's counter $4 must reach 1 within 2 s, and veer must hold no ESTABLISHED SA.
lab_expect_refused() {
    swan --initiate --child c --timeout 10 >"$work/initiate.out" 2>&1 && fail "$1"
    grep -q "$2" "$work/charon.log" || fail "$3"
    wait_for 20 veer_counter_is "$4" 1 || fail "veer did not count $4"
    ! grep -q "state=ESTABLISHED" "$work/state" || fail "veer established an SA anyway"
}

# Checks that strongSwan (swan --list-sas, kept in $work/sas.out) shows an
# ESTABLISHED IKE SA and an INSTALLED Child SA, and that veer reaches
# ESTABLISHED within $2 tenths of a second (default 20) with the same IKE SPIs
# and the Child SA SPIs crosswise. $1 prefixes the failures. Sets swan_spi_i,
# swan_spi_r, swan_in and swan_out (strongSwan's).
lab_expect_sa_agree() {
    local pfx=${1:-}
    swan --list-sas >"$work/sas.out" 2>/dev/null
    grep -q "ESTABLISHED" "$work/sas.out" || fail "${pfx}strongSwan: IKE SA not ESTABLISHED"
    grep -q "INSTALLED" "$work/sas.out" || fail "${pfx}strongSwan: Child SA not INSTALLED"
    wait_for "${2:-20}" grep -q "state=ESTABLISHED" "$work/state" || fail "${pfx}veer: IKE SA not ESTABLISHED"
    lab_expect_state_spis "$pfx" "" " .*state=ESTABLISHED" "IKE SPIs differ"
}

# Reads strongSwan's SPIs from $work/sas.out into swan_spi_i, swan_spi_r, swan_in
# and swan_out; fails ($1 prefixes) unless veer's state has a line with $2, the
# IKE SPIs and then $3 (grep patterns; else fails "$4: ..."), and the Child SA
# SPIs crosswise.
lab_expect_state_spis() {
    read -r swan_spi_i swan_spi_r < <(swan_ike_spis "$work/sas.out")
    grep -q "${2}spi_i=$swan_spi_i spi_r=$swan_spi_r$3" "$work/state" ||
        fail "$1$4: strongSwan $swan_spi_i/$swan_spi_r"
    read -r swan_in swan_out < <(swan_child_spis "$work/sas.out")
    grep -q "child_in=$swan_out child_out=$swan_in" "$work/state" ||
        fail "$1Child SPIs differ: strongSwan in=$swan_in out=$swan_out"
}

# True when strongSwan (swan --list-sas, kept in $work/sas.out) and veer's state
# file each show exactly one IKE SA and one Child SA, ESTABLISHED and INSTALLED,
# with the same SPIs (veer's children=out/in crosswise). Sets swan_spi_i,
# swan_spi_r, swan_in and swan_out (strongSwan's).
swan_one_sa_agree() {
    swan --list-sas >"$work/sas.out" 2>&1
    read -r swan_spi_i swan_spi_r < <(swan_ike_spis "$work/sas.out")
    read -r swan_in swan_out < <(swan_child_spis "$work/sas.out")
    [ -n "${swan_spi_i:-}" ] && [ -n "${swan_in:-}" ] || return 1
    [ "$(grep -c 'ESTABLISHED' "$work/sas.out")" = 1 ] || return 1
    [ "$(grep -c 'INSTALLED' "$work/sas.out")" = 1 ] || return 1
    [ "$(grep -c '^ike_sa' "$work/state")" = 1 ] || return 1
    grep -q "^ike_sa spi_i=$swan_spi_i spi_r=$swan_spi_r .*state=ESTABLISHED .*children=$swan_out/$swan_in\$" \
        "$work/state"
}

# With veer as initiator: strongSwan's SAs (kept in $work/sas.out) and veer's
# agree, veer the IKE SA's initiator, Child SA SPIs crosswise and keys equal.
# $1 prefixes the failures. Sets swan_spi_i, swan_spi_r, swan_in and swan_out.
lab_expect_initiator_sa_agree() {
    local pfx=${1:-}
    swan --list-sas >"$work/sas.out" 2>/dev/null
    lab_expect_state_spis "$pfx" "^ike_sa " " role=initiator state=ESTABLISHED" \
        "IKE SPIs differ or veer is not the initiator"
    keys_match_child "$swan_out" || fail "${pfx}Child SA keys differ from strongSwan's"
}

# Fails ($1 prefixes) unless the first Child SA keys strongSwan logged (the
# initiator's i->r key first) equal the first veer logged (its inbound first).
lab_expect_keys_equal() {
    local pfx=${1:-} swan_ki swan_kr veer_in veer_out
    read -r swan_ki swan_kr < <(swan_key_pairs | head -n1)
    read -r veer_in veer_out < <(veer_key_pairs | head -n1)
    [ -n "${swan_ki:-}" ] && [ -n "${veer_in:-}" ] ||
        fail "${pfx}no keys logged (strongSwan '${swan_ki:-}', veer '${veer_in:-}')"
    [ "$swan_ki" = "$veer_in" ] || fail "${pfx}i->r key differs: $swan_ki vs $veer_in"
    [ "$swan_kr" = "$veer_out" ] || fail "${pfx}r->i key differs: $swan_kr vs $veer_out"
}

# strongSwan deletes its IKE SA gw; fails ($1 prefixes) unless veer has dropped
# it within 3 s.
lab_swan_terminate() {
    swan --terminate --ike gw --timeout 10 >"$work/terminate.out" 2>&1 || fail "${1:-}swan --terminate"
    wait_for 30 veer_has_no_sa || fail "${1:-}veer kept the SA after the delete"
}
