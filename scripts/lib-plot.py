#!/usr/bin/env python3
"""Reads a benchmark's CSV table and writes, on stdout, a gnuplot script that
draws one column against another: scripts/lib-plot.sh's bench_plot runs it.

The CSV is the plain kind the bench scripts write: a header row of column
names, then one row per table row, fields separated by commas. Quoting is not
understood, so a value may not hold a comma (a row with more or fewer fields
than the header is an error naming its line). Spaces around fields are
dropped; blank lines are skipped.

An x column whose values are all numbers is a numeric axis (points sorted by
x); any other (flood rates `none` and `max`, `imix` among packet sizes) is a
row of categories in the order the CSV first names them. Bars always use
categories. A y value that is not a number (`-`, empty) is a gap, not a zero.
--y may name several columns separated by commas: one line or bar per column
and series. --series too: the series is then those columns' values together.

Exit status: 0 with the script on stdout, 2 with one line on stderr for a
CSV or an argument that cannot be plotted.
"""
import argparse
import math
import sys


class PlotError(Exception):
    pass


def number(text):
    """The value of a numeric field, or None for anything else."""
    try:
        v = float(text)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def read_csv(path):
    """The header and the rows of PATH, each row as long as the header."""
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except OSError as e:
        raise PlotError(f"{path}: {e.strerror}")
    header, rows = None, []
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        fields = [x.strip() for x in line.split(",")]
        if header is None:
            if len(set(fields)) != len(fields) or "" in fields:
                raise PlotError(f"{path}:{lineno}: header has an empty or repeated column name")
            header = fields
            continue
        if len(fields) != len(header):
            raise PlotError(
                f"{path}:{lineno}: {len(fields)} fields where the header has {len(header)}"
                " (values may not contain commas)")
        rows.append(fields)
    if header is None:
        raise PlotError(f"{path}: empty (no header row)")
    if not rows:
        raise PlotError(f"{path}: a header and no rows")
    return header, rows


def column(header, name, path, what):
    if name not in header:
        raise PlotError(f"{path}: no column '{name}' for {what} (columns: {', '.join(header)})")
    return header.index(name)


def quote(text):
    """A gnuplot single-quoted string: '' stands for a quote inside."""
    return "'" + text.replace("'", "''") + "'"


def build(args):
    header, rows = read_csv(args.csv)
    xi = column(header, args.x, args.csv, "--x")
    ynames = [y.strip() for y in args.y.split(",") if y.strip()]
    if not ynames:
        raise PlotError("--y names no column")
    yis = [column(header, y, args.csv, "--y") for y in ynames]
    sis = [column(header, c.strip(), args.csv, "--series")
           for c in (args.series or "").split(",") if c.strip()]

    rows = [r for r in rows if r[xi] != ""]
    categorical = args.style == "bars" or any(number(r[xi]) is None for r in rows)
    if categorical and args.logx:
        raise PlotError(f"--logx needs a numeric x column; '{args.x}' holds categories"
                        + (" (bars always do)" if args.style == "bars" else ""))
    if not any(number(r[yi]) is not None for r in rows for yi in yis):
        raise PlotError(f"{args.csv}: no numeric value in column {args.y}")

    categories = []
    for r in rows:
        if r[xi] not in categories:
            categories.append(r[xi])
    def series_of(r):
        # A bare number (an SA count, a size) says little in a legend: name its column.
        return " ".join(f"{header[i]}={r[i]}" if number(r[i]) is not None else r[i] for i in sis)

    series = []
    for r in rows:
        if series_of(r) not in series:
            series.append(series_of(r))

    # One line (or bar group member) per series and y column.
    lines = []
    for s in series:
        for yname, yi in zip(ynames, yis):
            points = []
            for r in rows:
                if series_of(r) != s:
                    continue
                y = number(r[yi])
                if y is None or (args.logy and y <= 0):
                    continue
                x = categories.index(r[xi]) if categorical else number(r[xi])
                points.append((x, y))
            if not categorical:
                points.sort()
            label = ", ".join(p for p in (s, yname if len(ynames) > 1 else "") if p)
            # A series keeps its colour; its second y column is dashed.
            style = (series.index(s) + 1, ynames.index(yname) + 1)
            lines.append((label, points, style))

    out = []
    height = 560
    if categorical and sum(len(r[xi]) for r in rows) > 80:
        height += 5 * max(len(r[xi]) for r in rows)  # the upright category names below
    term = f"pngcairo size 960,{height} noenhanced font ',11'" if args.terminal == "pngcairo" \
        else f"png size 960,{height} noenhanced"
    out.append(f"set terminal {term}")
    out.append(f"set output {quote(args.out)}")
    out.append(f"set title {quote(args.title)}")
    out.append(f"set xlabel {quote(args.xlabel if args.xlabel is not None else args.x)}")
    out.append(f"set ylabel {quote(args.ylabel if args.ylabel is not None else args.y)}")
    out.append("set grid ytics")
    if args.logx:
        out.append("set logscale x")
    if args.logy:
        out.append("set logscale y")
    else:
        out.append("set yrange [0:*]")
    out.append("set offsets 0, 0, graph 0.06, 0")  # headroom: a line at the top stays visible
    if categorical:
        ticks = ", ".join(f"{quote(c)} {i}" for i, c in enumerate(categories))
        out.append(f"set xtics ({ticks})")
        longest = max(len(c) for c in categories)
        if sum(len(c) for c in categories) > 80:
            # Long names would overlap side by side: upright, with room below for them.
            out.append("set xtics rotate by 90 right font ',9'")
            out.append(f"set bmargin {int(longest * 0.4) + 4}")
            out.append("set rmargin 4")
        out.append(f"set xrange [-0.6:{len(categories) - 0.4}]")
    width = 0.8 / max(len(lines), 1)
    if args.style == "bars":
        out.append(f"set boxwidth {width:.4f} absolute")
        out.append("set style fill solid 0.75 border -1")

    plots = []
    for n, (label, points, (colour, dash)) in enumerate(lines):
        if not points:
            continue  # a series with no value in this column: nothing to draw
        out.append(f"$d{n} << EOD")
        for x, y in points:
            if args.style == "bars":
                x = x + (n - (len(lines) - 1) / 2) * width
            out.append(f"{x!r} {y!r}")
        out.append("EOD")
        how = f"boxes linecolor {n + 1}" if args.style == "bars" else \
            f"linespoints linecolor {colour} dashtype {dash} pointtype {dash + 4} pointsize 1.2 linewidth 2"
        title = f"title {quote(label)}" if label else "notitle"
        plots.append(f"$d{n} using 1:2 with {how} {title}")
    if not plots:
        raise PlotError(f"{args.csv}: no point to plot" + (" (--logy drops values <= 0)" if args.logy else ""))
    # The key under the plot, in as many columns as its longest name leaves room for.
    longest_label = max((len(line[0]) for line in lines), default=1)
    out.append(f"set key below center horizontal maxcols {max(1, min(4, 100 // (longest_label + 10)))}")
    # Large figures as 1.2M and 800k, not 1.2e+06.
    ys = [y for line in lines for _, y in line[1]]
    if ys and max(abs(y) for y in ys) >= 1e5:
        out.append("set format y '%.1s%c'")
    if not any(line[0] for line in lines):
        out.append("unset key")
    out.append("plot " + ", \\\n     ".join(plots))
    return "\n".join(out) + "\n"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--csv", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--title", required=True)
    p.add_argument("--x", required=True)
    p.add_argument("--y", required=True)
    p.add_argument("--series")
    p.add_argument("--xlabel")
    p.add_argument("--ylabel")
    p.add_argument("--logx", action="store_true")
    p.add_argument("--logy", action="store_true")
    p.add_argument("--style", choices=["lines", "bars"], default="lines")
    p.add_argument("--terminal", choices=["pngcairo", "png"], default="pngcairo")
    args = p.parse_args()
    try:
        sys.stdout.write(build(args))
    except PlotError as e:
        print(f"bench_plot: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
