#!/usr/bin/env bash
# Every shipped example in etc/ passes --check-syntax as shipped (a fresh
# clone has none of the key files they name), and the full --check once the
# files it named exist; a missing file and a broken key are errors that name
# file:line. veer-ike checks the examples with a gateway: section, veer those
# with a dataplane: section (without EAL).
#   check-examples.sh ETC_DIR VEER_IKE [VEER]   (VEER: when DPDK was found)
set -uo pipefail

etc=$1
veer_ike=$2
veer=${3:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
pass() { echo "ok: $*"; }
fail() {
    echo "FAIL: $*"
    failed=1
}

# run NAME EXPECTED_RC PROGRAM ARGS...: output in $work/out, $work/err.
run() {
    local what=$1 want=$2
    shift 2
    "$@" >"$work/out" 2>"$work/err"
    local rc=$?
    if [ "$rc" -ne "$want" ]; then
        fail "$what: exit $rc, want $want"
        sed 's/^/    /' "$work/out" "$work/err"
        return 1
    fi
    return 0
}

# The files --check-syntax listed, made in $work/files, and a copy of the
# example naming them there: for the full --check. $work/required lists
# those whose absence is an error, $work/made_at_start the QCD secret that
# starting would make (one file name a line).
with_files() {
    local example=$1 copy=$2 n=0
    local text
    text=$(<"$example")
    mkdir -p "$work/files"
    : >"$work/required"
    : >"$work/made_at_start"
    while IFS= read -r line; do
        # "FILE:LINE: KEY: PATH: not read (--check-syntax)"
        local rest=${line#*: } key path made
        key=${rest%%: *}
        path=${rest#*: }
        path=${path%: not read (--check-syntax)}
        n=$((n + 1))
        made="$work/files/$n"
        case $key in
        *psk_file) printf 'example-key-%s\n' "$n" >"$made" ;;
        *eap_secrets_file) printf 'client.example example-secret\n' >"$made" ;;
        *qcd_secret_file | *qcd_previous_secret_file) head -c 32 /dev/urandom >"$made" ;;
        *)
            fail "$example: no example content for $key ($path): teach $0"
            return 1
            ;;
        esac
        chmod 600 "$made"
        case $key in
        gateway.qcd_secret_file) echo "$n" >>"$work/made_at_start" ;;
        *) echo "$n" >>"$work/required" ;;
        esac
        text=${text//"$path"/"$made"}
    done < <(grep ': not read (--check-syntax)$' "$work/out")
    printf '%s\n' "$text" >"$copy"
}

# check_example PROGRAM_NAME PROGRAM EXAMPLE
check_example() {
    local name=$1 prog=$2 example=$3 base
    base=$(basename "$example" .yaml)
    run "$name --check-syntax $example" 0 "$prog" --check-syntax "$example" || return
    if ! grep -q "^$name: $example: OK without its files" "$work/out"; then
        fail "$name --check-syntax $example: no OK line"
        return
    fi
    pass "$(tail -n 1 "$work/out")"
    local copy="$work/$base.$name.yaml"
    with_files "$example" "$copy" || return
    if run "$name --check (files made)" 0 "$prog" --check "$copy"; then
        pass "$name --check $example with the files it names: $(cat "$work/out")"
    fi
    # The same without one of them: an error naming the file and line.
    local first secret
    first=$(head -n 1 "$work/required")
    if [ -n "$first" ]; then
        mv "$work/files/$first" "$work/files/gone"
        if run "$name --check (a file missing)" 1 "$prog" --check "$copy" &&
            grep -q "^$name: $copy:[0-9][0-9]*: .*: cannot open $work/files/$first: " \
                "$work/err"; then
            pass "missing file: $(cat "$work/err")"
        else
            fail "$name --check without $first: $(cat "$work/err")"
        fi
        mv "$work/files/gone" "$work/files/$first"
    fi
    # Without the QCD secret: --check says starting will make it, and makes nothing.
    secret=$(head -n 1 "$work/made_at_start")
    if [ -n "$secret" ]; then
        rm "$work/files/$secret"
        if run "$name --check (no QCD secret yet)" 0 "$prog" --check "$copy" &&
            grep -q ": gateway.qcd_secret_file: $work/files/$secret: not there: starting will create it" \
                "$work/out" && [ ! -e "$work/files/$secret" ]; then
            pass "no QCD secret yet: $(head -n 1 "$work/out")"
        else
            fail "$name --check without the QCD secret: $(cat "$work/out" "$work/err")"
        fi
    fi
    rm -rf "$work/files"
}

shopt -s nullglob
examples=("$etc"/*.yaml)
[ ${#examples[@]} -gt 0 ] || fail "no examples in $etc"
for example in "${examples[@]}"; do
    checked=0
    if grep -q '^gateway:' "$example"; then
        check_example veer-ike "$veer_ike" "$example"
        checked=1
    fi
    if grep -q '^dataplane:' "$example"; then
        if [ -n "$veer" ]; then
            check_example veer "$veer" "$example"
        else
            echo "skip: $example: veer is not built (no DPDK)"
        fi
        checked=1
    fi
    [ "$checked" = 1 ] || fail "$example: neither gateway: nor dataplane:, so nothing checks it"
done

# A broken example (its keys inline, so that --check reaches the mistake): both
# programs name file:line and key, with or without files.
bad="$work/bad.yaml"
sed -e 's/^    local_ts: \[10.2.0.0\/24\]$/    local_tss: [10.2.0.0\/24]/' \
    -e 's/^    psk_file: .*/    psk: example-key/' "$etc/veer-redirect.example.yaml" >"$bad"
line=$(grep -n 'local_tss' "$bad" | head -n 1 | cut -d: -f1)
[ -n "$line" ] || fail "could not break the redirect example"
for prog in "veer-ike:$veer_ike" ${veer:+"veer:$veer"}; do
    name=${prog%%:*}
    for mode in --check --check-syntax; do
        if run "$name $mode (broken)" 1 "${prog#*:}" "$mode" "$bad" &&
            grep -q "^$name: $bad:$line: peers\[0\].local_tss: unknown key$" "$work/err"; then
            pass "broken: $(cat "$work/err")"
        else
            fail "$name $mode $bad: want \"$bad:$line: peers[0].local_tss: unknown key\", got: $(cat "$work/err")"
        fi
    done
done
# veer's check never starts EAL, and takes the rest of a full command line.
if [ -n "$veer" ] && run "veer -l 0 -- -c F --check-syntax" 0 "$veer" -l 0 --no-huge -- \
    -c "$etc/veer-redirect.example.yaml" --state-file /nonexistent/state --check-syntax; then
    pass "veer: a full command line with --check-syntax: $(tail -n 1 "$work/out")"
fi
run "no configuration" 2 "$veer_ike" --check && pass "veer-ike --check without a file: usage, exit 2"

exit "$failed"
