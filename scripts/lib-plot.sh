# shellcheck shell=bash
# CSV tables and gnuplot figures for the benchmark scripts (sourced, not run).
#
#   bench_csv_dir
#       Prints the directory a benchmark's CSV and PNG files go to, and creates
#       it: $BENCH_OUT if set, else $BUILD_DIR/bench-out, else build/bench-out
#       in the repository (a relative BUILD_DIR is taken from the repository).
#   bench_csv_header FILE COLUMN...     starts FILE (truncated) with a header row
#   bench_csv_row FILE VALUE...         appends one row; a value may not hold a comma
#   bench_plot --csv FILE --out FILE.png --title TEXT --x COLUMN --y COLUMN
#              [--series COLUMN] [--xlabel TEXT] [--ylabel TEXT] [--logx] [--logy]
#              [--style lines|bars]
#       Draws column y against column x (columns by header name), one line or
#       bar group per distinct value of the series column. An x column that is
#       not all numbers (flood rates `none`, `max`; `imix` among sizes) is drawn
#       as categories in CSV order; bars always are. --y may name several
#       columns separated by commas (a line each), and so may --series (the
#       series is then those columns' values together). Without gnuplot it prints one line
#       ("plot skipped: ...") and returns 0; a CSV it cannot plot or a gnuplot
#       error is printed and returns non-zero. The CSV is plain: no quoting, so
#       values may not contain commas (scripts/lib-plot.py reads it).
#   bench_outputs
#       Prints the CSV and PNG files written through these functions so far.

bench_lib_plot_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bench_written=()

bench_csv_dir() {
    local dir top
    top=$(dirname "$bench_lib_plot_dir")
    if [ -n "${BENCH_OUT:-}" ]; then
        dir=$BENCH_OUT
    elif [ -n "${BUILD_DIR:-}" ]; then
        dir=$BUILD_DIR/bench-out
        [ "${dir:0:1}" = / ] || dir=$top/$dir
    else
        dir=$top/build/bench-out
    fi
    mkdir -p "$dir" || return 1
    (cd "$dir" && pwd)
}

# Remembers a file for bench_outputs, once.
bench_written_add() {
    local f path
    path=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
    for f in "${bench_written[@]}"; do [ "$f" = "$path" ] && return 0; done
    bench_written+=("$path")
}

bench_csv_header() {
    local file=$1
    shift
    (IFS=,; echo "$*") >"$file" || return 1
    bench_written_add "$file"
}

bench_csv_row() {
    local file=$1 v
    shift
    for v in "$@"; do
        if [[ $v == *,* ]]; then
            echo "bench_csv_row: $file: value '$v' holds a comma (not allowed in these CSV files)" >&2
            return 1
        fi
    done
    (IFS=,; echo "$*") >>"$file"
}

bench_plot() {
    local out="" a prev="" script err rc term=png
    for a in "$@"; do
        [ "$prev" = --out ] && out=$a
        prev=$a
    done
    if [ -z "$out" ]; then
        echo "bench_plot: --out FILE.png is required" >&2
        return 2
    fi
    if command -v gnuplot >/dev/null 2>&1 &&
        gnuplot -e 'set terminal pngcairo' >/dev/null 2>&1; then
        term=pngcairo
    fi
    script=$(mktemp "${TMPDIR:-/tmp}/bench-plot.XXXXXX") || return 1
    err=$script.err
    # The CSV and the arguments are checked whether or not gnuplot is there.
    if ! python3 "$bench_lib_plot_dir/lib-plot.py" --terminal "$term" "$@" >"$script"; then
        rm -f "$script"
        return 2
    fi
    if ! command -v gnuplot >/dev/null 2>&1; then
        echo "plot skipped: gnuplot not installed (apt-get install gnuplot-nox)"
        rm -f "$script"
        return 0
    fi
    rm -f "$out"
    gnuplot "$script" 2>"$err"
    rc=$?
    if [ "$rc" -eq 0 ] && [ ! -s "$out" ]; then
        echo "no image written" >>"$err"
        rc=1
    fi
    if [ "$rc" -ne 0 ]; then
        echo "bench_plot: gnuplot failed drawing $out:" >&2
        sed 's/^/    /' "$err" >&2
        rm -f "$out"
        rc=1
    else
        bench_written_add "$out"
    fi
    rm -f "$script" "$err"
    return "$rc"
}

bench_outputs() {
    local f
    [ "${#bench_written[@]}" -gt 0 ] || return 0
    echo "== CSV and plots"
    for f in "${bench_written[@]}"; do echo "$f"; done
}
