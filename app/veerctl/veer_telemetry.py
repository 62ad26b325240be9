"""veer's telemetry socket, for veerctl and veer-exporter.

The DPDK telemetry v2 protocol (what dpdk-telemetry.py speaks): connect a
SOCK_SEQPACKET socket, read the info JSON that says how long a reply may
be, then send one command per message and read one reply each. veer's
replies come by column (DPDK 22.11 nests only arrays of plain values); the
readers here turn them back into rows and follow veer's pages.

Every command is answered by DPDK's telemetry thread from the control
lcore's snapshot or from counters the workers write, so a reader never
makes a worker or the control lcore wait (docs/telemetry.md).

Python 3 standard library only, so that it runs on any gateway as it is.
"""

import glob
import json
import os
import socket
import time

RUNTIME_DIR = "/var/run/dpdk"
SOCKET_NAME = "dpdk_telemetry.v2"
# veer's "none yet" for idle_in_ms: 2^64-1.
NEVER = 2**64 - 1
# Bounds the paging loops even if veer's totals were to grow under us.
MAX_PAGES = 100000


class Refused(Exception):
    """veer answered with an error object (or does not know the command)."""


class NotRunning(Exception):
    """No socket, a stale one, one we may not open, or no answer in time."""


class UsageError(Exception):
    """Arguments argparse cannot check by itself."""


def find_socket(prefix=None, path=None):
    """The telemetry socket: path, else prefix's, else the only one."""
    if path:
        return path
    if prefix:
        return os.path.join(RUNTIME_DIR, prefix, SOCKET_NAME)
    if os.path.isdir(RUNTIME_DIR) and not os.access(RUNTIME_DIR, os.R_OK | os.X_OK):
        raise NotRunning(f"{RUNTIME_DIR}: permission denied: "
                         "run as root or a member of telemetry_group")
    sockets = sorted(glob.glob(os.path.join(RUNTIME_DIR, "*", SOCKET_NAME)))
    if not sockets:
        raise NotRunning(f"no veer running (no telemetry socket under {RUNTIME_DIR})")
    if len(sockets) > 1:
        names = ", ".join(os.path.basename(os.path.dirname(s)) for s in sockets)
        raise UsageError(f"several DPDK processes run ({names}): choose one with --prefix NAME")
    return sockets[0]


def joined_text(reply, name):
    """A message veer sent in parts (NAME, NAME_2, NAME_3...): a telemetry string holds 127 bytes."""
    parts, i = [reply.get(name, "")], 2
    while f"{name}_{i}" in reply:
        parts.append(reply[f"{name}_{i}"])
        i += 1
    return "".join(parts)


class Telemetry:
    """One connection to veer's telemetry socket; commands answered in turn.

    timeout bounds each wait (write commands are answered within a second,
    docs/telemetry.md); deadline (time.monotonic()) bounds them all, so that
    a caller with a budget (a scrape) never waits past it.
    """

    def __init__(self, path, timeout=5.0, deadline=None):
        self.path = path
        self.timeout = timeout
        self.deadline = deadline
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self._arm()
            self.sock.connect(path)
            info = json.loads(self.sock.recv(1024).decode())
        except FileNotFoundError:
            self.sock.close()
            raise NotRunning(f"no veer running (no telemetry socket {path})") from None
        except PermissionError:
            self.sock.close()
            raise NotRunning(f"{path}: permission denied: "
                             "run as root or a member of telemetry_group") from None
        except (ConnectionRefusedError, ConnectionResetError, socket.timeout, ValueError):
            # A socket file left behind by a veer that is gone.
            self.sock.close()
            raise NotRunning(f"no veer running (telemetry socket {path} does not answer)") from None
        self.max_len = int(info.get("max_output_len", 16384))

    def _arm(self):
        """Sets the socket's timeout to what is left of the budget."""
        wait = self.timeout
        if self.deadline is not None:
            wait = min(wait, self.deadline - time.monotonic())
            if wait <= 0:
                raise socket.timeout("out of time")
        self.sock.settimeout(wait)

    def command(self, cmd):
        """The reply's value for cmd, or Refused with veer's message."""
        try:
            self._arm()
            self.sock.send(cmd.encode())
            raw = self.sock.recv(self.max_len)
        except (OSError, socket.timeout) as e:
            raise NotRunning(f"no veer running (telemetry socket {self.path}: {e})") from None
        if not raw:
            raise NotRunning(f"no veer running (telemetry socket {self.path} closed)")
        reply = json.loads(raw.decode())
        value = reply.get(cmd.split(",", 1)[0]) if isinstance(reply, dict) else None
        if value is None:
            # DPDK's answer to a command it does not know, or a handler that failed.
            raise Refused(f"{cmd}: veer has no such command, or it failed")
        if isinstance(value, dict) and "error" in value:
            raise Refused(joined_text(value, "error"))
        return value

    def close(self):
        self.sock.close()


# --- readers of veer's replies ------------------------------------------------


def rows_from_columns(reply, fields):
    """veer's column-wise reply as a list of dicts, one per element.

    Columns missing from the reply (an older veer) come out as None.
    """
    n = max((len(reply[f]) for f in fields if isinstance(reply.get(f), list)), default=0)
    return [
        {f: (reply[f][i] if isinstance(reply.get(f), list) and i < len(reply[f]) else None)
         for f in fields}
        for i in range(n)
    ]


def worker_rows(reply):
    """/veer/workers as one dict of counters per worker."""
    names = [k for k, v in reply.items() if isinstance(v, list)]
    return rows_from_columns(reply, names)


def idle_value(ms):
    """idle_in_ms as something a reader understands: None before any ESP."""
    return None if ms is None or ms >= NEVER else ms


SA_FIELDS = ["spi_i", "spi_r", "state", "role", "peer", "remote", "local", "mobike", "natt",
             "qcd_token_kept", "qcd_token_sent", "child_sas", "packets_in", "bytes_in",
             "packets_out", "bytes_out", "idle_in_ms", "child_traffic"]


def split_list(text):
    """veer's lists inside one string ("a/b,c/d" or "a/b c/d")."""
    return [p for p in (text or "").replace(" ", ",").split(",") if p]


def child_sas_of(sa):
    """The Child SAs of one IKE SA, with their traffic, from its two strings."""
    children = []
    traffic = split_list(sa.get("child_traffic"))
    for i, pair in enumerate(split_list(sa.get("child_sas"))):
        spi_in, _, spi_out = pair.partition("/")
        counts = traffic[i].split("/") if i < len(traffic) else []
        numbers = [int(c) if c.isdigit() else None for c in counts] + [None] * 4
        children.append({"spi_in": spi_in, "spi_out": spi_out, "packets_in": numbers[0],
                         "bytes_in": numbers[1], "packets_out": numbers[2],
                         "bytes_out": numbers[3]})
    return children


def fetch_sas(tel, limit=None):
    """The IKE SAs veer lists, page after page (44 a page); at most limit.

    Returns the list; the total veer counts is in the first page's "total"
    (veer's snapshot lists the first 1024 of them).
    """
    sas, start = [], 0
    for _ in range(MAX_PAGES):
        page = tel.command(f"/veer/ike/sas,{start}")
        rows = rows_from_columns(page, SA_FIELDS)
        sas.extend(rows)
        start += len(rows)
        if not rows or start >= page.get("total", 0) or (limit is not None and start >= limit):
            break
    if limit is not None:
        del sas[limit:]
    for sa in sas:
        sa["idle_in_ms"] = idle_value(sa["idle_in_ms"])
        sa["children"] = child_sas_of(sa)
        del sa["child_traffic"]
    return sas


def fetch_all_leases(tel, pool):
    """Every lease of one pool, page after page (32 a page)."""
    leases = []
    fields = ["address", "owner", "state", "ike_sas", "held_s"]
    for page in range(MAX_PAGES):
        reply = tel.command(f"/veer/pools/leases,{pool},{page}")
        rows = rows_from_columns(reply, fields)
        leases.extend(rows)
        if not rows or len(leases) >= reply.get("leases", 0):
            break
    return leases
