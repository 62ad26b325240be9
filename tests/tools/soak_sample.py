#!/usr/bin/env python3
"""The soak's sampler and judge (scripts/soak.sh).

  soak_sample.py sample --prefix P --pid PID --csv FILE --t SECONDS --phase NAME
      one sample of app/veer: its resident set (/proc/PID/status), its IKE
      and Child SAs (/veer/ike/sas), its pools' leases (/veer/pools), its mbuf
      pools in use (/veer/mempools) and every counter (/veer/ike/counters,
      /veer/control, /veer/workers summed over the workers, /veer/ports per
      port); appended to the CSV (a header first), one table row on stdout.
  soak_sample.py now --prefix P
      the gauges as KEY=VALUE words, for the script's waits.
  soak_sample.py judge --csv FILE --warmup SECONDS [--rss-tol-kb N] [--mbuf-tol N]
                       [--identities N]
      the growth checks over the samples (docs/operations.md#soak): one line
      per check, exit 1 with a FAIL line for each that failed.

It speaks to veer through veerctl's Telemetry class (app/veerctl/veerctl,
loaded by path: $VEERCTL or this tree's), Python's standard library only.
"""

import argparse
import csv
import importlib.machinery
import importlib.util
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
VEERCTL = os.environ.get("VEERCTL") or os.path.join(HERE, "..", "..", "app", "veerctl", "veerctl")
MBUF_POOLS = ["veer_mbufs", "veer_reass"]
# The columns of the table printed per sample (all of them go to the CSV).
TABLE = [("t_s", "T(S)"), ("phase", "PHASE"), ("rss_kb", "RSS(KB)"), ("ike_sas", "IKE"),
         ("ike_established", "EST"), ("child_sas", "CHILD"), ("pool_used", "LEASED"),
         ("pool_held", "HELD"), ("mbufs_in_use", "MBUFS"), ("ike.sa_established", "MADE"),
         ("ike.sa_deleted", "DELETED"), ("ike.peer_dead", "DEAD"),
         ("ike.child_rekeyed", "REKEYED"), ("ctrl.child_sa_moved", "MOVED"),
         ("worker.gate_cookies", "COOKIES"), ("worker.esp_decrypted", "ESP IN")]


def load_veerctl():
    loader = importlib.machinery.SourceFileLoader("veerctl", VEERCTL)
    spec = importlib.util.spec_from_loader("veerctl", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


veerctl = load_veerctl()


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


def mempools(tel):
    """veer's mempools by name: (in use, size). DPDK's /mempool/info lacks the free count."""
    rows = veerctl.rows_from_columns(tel.command("/veer/mempools"), ["name", "size", "in_use"])
    return {r["name"]: (r["in_use"], r["size"]) for r in rows}


def gauges(tel):
    """The gauges: SA counts, pool leases, mbufs in use."""
    g = {}
    sas = veerctl.fetch_sas(tel)
    g["ike_sas"] = len(sas)
    g["ike_established"] = sum(1 for s in sas if s["state"] == "ESTABLISHED")
    g["child_sas"] = sum(len(s["children"]) for s in sas)
    try:
        pools = veerctl.rows_from_columns(tel.command("/veer/pools"), veerctl.POOL_FIELDS)
    except veerctl.Refused:
        pools = []
    g["pool_used"] = sum(p["used"] for p in pools)
    g["pool_held"] = sum(p["held"] for p in pools)
    pools = mempools(tel)
    g["mbufs_in_use"], g["mbufs_size"] = pools.get(MBUF_POOLS[0], (None, None))
    g["reass_in_use"] = pools.get(MBUF_POOLS[1], (None, None))[0]
    return g


def counters(tel):
    """Every counter veer has, by a flat name: ike.*, ctrl.*, worker.* (summed), port.NAME.*."""
    c = {}
    for k, v in tel.command("/veer/ike/counters").items():
        c[f"ike.{k}"] = v
    for k, v in tel.command("/veer/control").items():
        if k != "snapshot_age_ms":
            c[f"ctrl.{k}"] = v
    for row in veerctl.worker_rows(tel.command("/veer/workers")):
        for k, v in row.items():
            if veerctl.is_number(v):
                c[f"worker.{k}"] = c.get(f"worker.{k}", 0) + v
    ports = tel.command("/veer/ports")
    names = ports.get("name", [])
    for k, col in ports.items():
        if isinstance(col, list) and col and all(veerctl.is_number(v) for v in col) \
                and k != "port_id" and k != "device_mtu":
            for name, v in zip(names, col):
                c[f"port.{name}.{k}"] = v
    return c


def connect(prefix):
    return veerctl.Telemetry(veerctl.find_socket(prefix=prefix))


def cmd_sample(args):
    tel = connect(args.prefix)
    row = {"t_s": args.t, "phase": args.phase, "rss_kb": rss_kb(args.pid)}
    row.update(gauges(tel))
    row.update(counters(tel))
    tel.close()
    fresh = not os.path.exists(args.csv) or os.path.getsize(args.csv) == 0
    if fresh:
        fields = list(row)
    else:
        with open(args.csv, newline="") as f:
            fields = next(csv.reader(f))
    with open(args.csv, "a", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore", restval="")
        if fresh:
            w.writeheader()
        w.writerow(row)
    texts = [str(row.get(k, "-")) for k, _ in TABLE]
    widths = [max(len(h), 8) for _, h in TABLE]
    if fresh:
        print("  ".join(h.rjust(n) for (_, h), n in zip(TABLE, widths)))
    print("  ".join(t.rjust(n) for t, n in zip(texts, widths)), flush=True)
    return 0


def cmd_now(args):
    tel = connect(args.prefix)
    g = gauges(tel)
    tel.close()
    print(" ".join(f"{k}={'-' if v is None else v}" for k, v in g.items()))
    return 0


def read_rows(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        for k, v in r.items():
            if k != "phase":
                try:
                    r[k] = int(v)
                except (TypeError, ValueError):
                    r[k] = None
    return rows


def cmd_judge(args):
    rows = read_rows(args.csv)
    idle = [r for r in rows if r["phase"] == "idle"]
    churn = [r for r in rows if r["phase"] == "churn"]
    end = [r for r in rows if r["phase"] == "end"]
    bad = []

    def check(ok, text):
        print(("ok:   " if ok else "FAIL: ") + text)
        if not ok:
            bad.append(text)

    if not idle or not end or len(churn) < 3:
        print(f"FAIL: too few samples: {len(idle)} idle, {len(churn)} churn, {len(end)} end")
        return 1
    warm = [r for r in churn if r["t_s"] <= args.warmup]
    after = [r for r in churn if r["t_s"] > args.warmup]
    if not warm or not after:
        print(f"FAIL: no sample on one side of the warm-up ({args.warmup} s): "
              f"{len(warm)} before, {len(after)} after")
        return 1
    base = warm[-1]
    tol = max(args.rss_tol_kb, base["rss_kb"] // 10)
    peak = max(after, key=lambda r: r["rss_kb"])
    check(peak["rss_kb"] <= base["rss_kb"] + tol,
          f"RSS under churn: baseline {base['rss_kb']} KiB (t={base['t_s']} s), "
          f"peak {peak['rss_kb']} KiB (t={peak['t_s']} s), tolerance {tol} KiB")
    last = end[-1]
    check(last["rss_kb"] <= base["rss_kb"] + tol,
          f"RSS once the clients left: {last['rss_kb']} KiB, baseline {base['rss_kb']} KiB "
          f"+ {tol} KiB")
    # A leak of SAs or mbufs grows with the churn: the later samples would outgrow the warm-up's.
    tail = after[-max(1, len(after) // 3):]
    # Established ones: the flood's half-open SAs come and go with the gate's rate.
    for k in ("ike_established", "child_sas"):
        warm_n = max(r[k] for r in warm)
        tail_n = max(r[k] for r in tail)
        check(tail_n <= warm_n + warm_n // 4 + 10,
              f"{k} under churn: at most {warm_n} in the warm-up, {tail_n} in the last third")
    if base["mbufs_in_use"] is not None:
        # In flight under the flood, a snapshot swings from 0 to thousands: a leak raises the floor.
        warm_mb = min(r["mbufs_in_use"] for r in warm)
        tail_mb = min(r["mbufs_in_use"] for r in tail)
        check(tail_mb <= warm_mb + args.mbuf_tol,
              f"mbufs in use under churn: at least {warm_mb} in the warm-up, {tail_mb} in the "
              f"last third (tolerance {args.mbuf_tol})")
        check(last["mbufs_in_use"] <= idle[0]["mbufs_in_use"],
              f"mbufs in use once the clients left: {last['mbufs_in_use']}, before they came "
              f"{idle[0]['mbufs_in_use']}")
    else:
        check(False, "no mbuf pool figures (/veer/mempools)")
    for k in ("ike_sas", "child_sas", "pool_used"):
        check(last[k] == 0, f"{k} once the clients left: {last[k]}")
    # A released lease stays held for its identity (until reused): one per identity at most.
    check(last["pool_held"] <= args.identities,
          f"leases held once the clients left: {last['pool_held']}, identities {args.identities}")
    if bad:
        print(f"soak: {len(bad)} check(s) failed")
        return 1
    return 0


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="verb", required=True)
    s = sub.add_parser("sample")
    s.add_argument("--prefix", required=True)
    s.add_argument("--pid", required=True, type=int)
    s.add_argument("--csv", required=True)
    s.add_argument("--t", required=True, type=int)
    s.add_argument("--phase", required=True, choices=["idle", "churn", "drain", "end"])
    n = sub.add_parser("now")
    n.add_argument("--prefix", required=True)
    j = sub.add_parser("judge")
    j.add_argument("--csv", required=True)
    j.add_argument("--warmup", required=True, type=int)
    j.add_argument("--rss-tol-kb", type=int, default=16384)
    j.add_argument("--mbuf-tol", type=int, default=256)
    j.add_argument("--identities", type=int, default=0, help="clients' identities with leases")
    args = p.parse_args(argv)
    try:
        return {"sample": cmd_sample, "now": cmd_now, "judge": cmd_judge}[args.verb](args)
    except (veerctl.NotRunning, veerctl.Refused, OSError, RuntimeError) as e:
        print(f"soak_sample: {e}", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
