#!/usr/bin/env bash
# shellcheck disable=SC2015 # "A && ok || fail": ok only echoes, it cannot fail
# The benchmarks' CSV and plot helpers (scripts/lib-plot.sh) on small made-up
# tables: PNGs drawn for a numeric and a categorical x axis, lines and bars;
# a missing column, a short row, --logx on categories and a gnuplot error are
# errors that say what is wrong; without gnuplot on PATH the plot is skipped
# with one line; bench_csv_dir and bench_csv_row. Needs gnuplot (fails, never
# skips, without it: scripts/install-deps.sh installs gnuplot-nox).
#   check-lib-plot.sh LIB_PLOT_SH
set -uo pipefail

lib=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
fail() {
    echo "FAIL: $*"
    failed=1
}
ok() { echo "ok: $*"; }
unset BENCH_OUT BUILD_DIR
# shellcheck source=scripts/lib-plot.sh
source "$lib"

cat >"$work/sizes.csv" <<'EOF'
size,gateway,Mpps
64,veer,3.1
512,veer,2.5
imix,veer,2.3
64,ipsec-secgw,2.8
512,ipsec-secgw,-
imix,ipsec-secgw,2.0
EOF
cat >"$work/sas.csv" <<'EOF'
sas, sas_per_s
1, 10
100, 900

10000, 8000
EOF

# is_png FILE: exists and starts with the PNG signature.
is_png() {
    [ -s "$1" ] && [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]
}

# plots NAME ARGS...: bench_plot must succeed and write a PNG.
plots() {
    local name=$1
    shift
    rm -f "$work/$name.png"
    if bench_plot --out "$work/$name.png" "$@" >"$work/out" 2>&1 && is_png "$work/$name.png"; then
        ok "$name: PNG drawn"
    else
        fail "$name: no PNG from bench_plot $*"
        sed 's/^/    /' "$work/out"
    fi
}
plots categories-bars --csv "$work/sizes.csv" --title "Mpps per size" --x size --y Mpps \
    --series gateway --style bars --xlabel "packet size (B)"
plots categories-lines --csv "$work/sizes.csv" --title "Mpps per size" --x size --y Mpps \
    --series gateway
plots numeric-log --csv "$work/sas.csv" --title "SAs/s" --x sas --y sas_per_s --logx --logy
plots two-columns --csv "$work/sizes.csv" --title "t" --x size --y Mpps,Mpps --series gateway

# refuses CASE WANT_TEXT ARGS...: bench_plot must fail, say WANT_TEXT and leave no PNG.
refuses() {
    local name=$1 want=$2
    shift 2
    rm -f "$work/$name.png"
    bench_plot --out "$work/$name.png" "$@" >"$work/out" 2>&1
    local rc=$?
    if [ "$rc" -ne 0 ] && grep -qF -- "$want" "$work/out" && [ ! -e "$work/$name.png" ]; then
        ok "$name: exit $rc, '$want'"
    else
        fail "$name: exit $rc, wanted non-zero and '$want' without a PNG; got:"
        sed 's/^/    /' "$work/out"
    fi
}
refuses missing-x "no column 'rate' for --x (columns: size, gateway, Mpps)" \
    --csv "$work/sizes.csv" --title t --x rate --y Mpps
refuses missing-y "no column 'Gbps' for --y" --csv "$work/sizes.csv" --title t --x size --y Gbps
refuses missing-series "no column 'peer' for --series" \
    --csv "$work/sizes.csv" --title t --x size --y Mpps --series peer
printf 'a,b\n1,2\n3,4,5\n' >"$work/short.csv"
refuses short-row "short.csv:3: 3 fields where the header has 2 (values may not contain commas)" \
    --csv "$work/short.csv" --title t --x a --y b
refuses logx-categories "--logx needs a numeric x column" \
    --csv "$work/sizes.csv" --title t --x size --y Mpps --logx
refuses no-numbers "no numeric value in column gateway" \
    --csv "$work/sizes.csv" --title t --x size --y gateway
refuses no-csv "nothere.csv" --csv "$work/nothere.csv" --title t --x a --y b
refuses bad-style "invalid choice: 'pie'" --csv "$work/sas.csv" --title t --x sas --y sas_per_s \
    --style pie
# gnuplot itself fails: the output directory does not exist.
refuses gnuplot-error "bench_plot: gnuplot failed drawing" \
    --csv "$work/sas.csv" --title t --x sas --y sas_per_s --out "$work/no/such/dir.png"

# Without gnuplot on PATH: one line, exit 0, no PNG. PATH holds only what bench_plot runs.
mkdir "$work/bin"
# (python3 itself, not a wrapper script such as pyenv's shim that needs bash on PATH)
ln -s "$(python3 -c 'import sys; print(sys.executable)')" "$work/bin/python3"
for c in mktemp rm dirname basename; do
    ln -s "$(command -v "$c")" "$work/bin/$c"
done
out=$(PATH=$work/bin bench_plot --csv "$work/sas.csv" --out "$work/skip.png" --title t \
    --x sas --y sas_per_s 2>&1)
rc=$?
if [ "$rc" -eq 0 ] && [ "$out" = "plot skipped: gnuplot not installed (apt-get install gnuplot-nox)" ] &&
    [ ! -e "$work/skip.png" ]; then
    ok "no gnuplot: skipped with one line"
else
    fail "no gnuplot: exit $rc, output '$out'"
fi
# ... and a bad column is still an error then.
PATH=$work/bin bench_plot --csv "$work/sas.csv" --out "$work/skip.png" --title t --x nope \
    --y sas_per_s >/dev/null 2>&1 && fail "no gnuplot: a missing column passed"

# bench_csv_dir: BENCH_OUT, else BUILD_DIR/bench-out; created.
d=$(BENCH_OUT=$work/out-a bench_csv_dir)
[ "$d" = "$work/out-a" ] && [ -d "$d" ] && ok "bench_csv_dir: BENCH_OUT" ||
    fail "bench_csv_dir with BENCH_OUT gave '$d'"
d=$(BUILD_DIR=$work/bd bench_csv_dir)
[ "$d" = "$work/bd/bench-out" ] && [ -d "$d" ] && ok "bench_csv_dir: BUILD_DIR/bench-out" ||
    fail "bench_csv_dir with BUILD_DIR gave '$d'"

# bench_csv_header/row: a header and rows; a value with a comma refused.
bench_csv_header "$work/t.csv" a b
bench_csv_row "$work/t.csv" 1 x
bench_csv_row "$work/t.csv" 2 "y,z" 2>/dev/null && fail "bench_csv_row took a value with a comma"
[ "$(cat "$work/t.csv")" = $'a,b\n1,x' ] && ok "bench_csv_header/row" ||
    fail "bench_csv_header/row wrote: $(cat "$work/t.csv")"
bench_outputs | grep -qx "$work/t.csv" && bench_outputs | grep -qx "$work/numeric-log.png" &&
    ok "bench_outputs lists the files" || fail "bench_outputs: $(bench_outputs)"

[ "$failed" -eq 0 ] && echo "lib-plot: all checks passed"
exit "$failed"
