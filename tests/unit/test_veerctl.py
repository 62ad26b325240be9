"""veerctl's pure parts: the table formatter and the readers of veer's replies.

veerctl is one file without .py (it is installed as a command), so it is
loaded by path: $VEERCTL, or app/veerctl/veerctl of this tree.
Run: python3 -m unittest -v test_veerctl (in tests/unit).
"""

import os
import socket
import contextlib
import io
import json
import tempfile
import threading
import unittest

from script_loader import load_script

HERE = os.path.dirname(os.path.abspath(__file__))
PATH = os.environ.get("VEERCTL") or os.path.join(HERE, "..", "..", "app", "veerctl", "veerctl")


veerctl = load_script("veerctl", PATH)
# The socket and the readers of veer's replies: veer_telemetry.py beside
# veerctl, shared with veer-exporter (on sys.path once veerctl is loaded).
import veer_telemetry  # noqa: E402


class FormatTable(unittest.TestCase):
    def test_numbers_right_text_left(self):
        out = veerctl.format_table(["PORT", "RX"], [["outside", 5], ["in", 12345]])
        self.assertEqual(out.splitlines(), [
            "PORT        RX",
            "outside      5",
            "in       12345",
        ])

    def test_none_is_a_dash_and_keeps_the_column_numeric(self):
        out = veerctl.format_table(["SA", "IDLE"], [["a", None], ["b", 7]])
        self.assertEqual(out.splitlines(), ["SA  IDLE", "a      -", "b      7"])

    def test_mixed_column_is_text(self):
        out = veerctl.format_table(["X"], [[1], ["abc"]])
        self.assertEqual(out.splitlines(), ["X", "1", "abc"])

    def test_no_trailing_spaces_and_header_alone(self):
        out = veerctl.format_table(["A", "LONG HEADER"], [["value", ""]])
        for line in out.splitlines():
            self.assertEqual(line, line.rstrip())
        self.assertEqual(veerctl.format_table(["A", "B"], []), "A  B")


class Readers(unittest.TestCase):
    def test_rows_from_columns(self):
        reply = {"total": 2, "name": ["a", "b"], "rx": [1, 2]}
        self.assertEqual(veer_telemetry.rows_from_columns(reply, ["name", "rx", "missing"]),
                         [{"name": "a", "rx": 1, "missing": None},
                          {"name": "b", "rx": 2, "missing": None}])

    def test_idle_before_traffic(self):
        self.assertIsNone(veer_telemetry.idle_value(18446744073709551615))
        self.assertEqual(veer_telemetry.idle_value(42), 42)

    def test_child_sas_with_traffic(self):
        sa = {"child_sas": "c1a2b3c4/d5e6f708,0000aaaa/0000bbbb",
              "child_traffic": "3/252/4/336,0/0/0/0"}
        children = veer_telemetry.child_sas_of(sa)
        self.assertEqual(children[0], {"spi_in": "c1a2b3c4", "spi_out": "d5e6f708",
                                       "packets_in": 3, "bytes_in": 252,
                                       "packets_out": 4, "bytes_out": 336})
        self.assertEqual(children[1]["spi_in"], "0000aaaa")
        self.assertEqual(veer_telemetry.child_sas_of({"child_sas": "", "child_traffic": ""}), [])

    def test_sa_filters(self):
        sa = {"peer": "rw", "spi_i": "00000000000000ab", "spi_r": "cd00000000000000",
              "remote": "198.51.100.2[4500]", "local": "198.51.100.1[4500]"}
        self.assertTrue(veerctl.sa_matches(sa, peer="rw"))
        self.assertFalse(veerctl.sa_matches(sa, peer="other"))
        self.assertTrue(veerctl.sa_matches(sa, sa_id="ab"))
        self.assertTrue(veerctl.sa_matches(sa, sa_id="00000000000000ab_cd00000000000000"))
        self.assertFalse(veerctl.sa_matches(sa, sa_id="ab_00"))
        self.assertTrue(veerctl.sa_matches(sa, addr="198.51.100.2"))
        self.assertFalse(veerctl.sa_matches(sa, addr="198.51.100.3"))

    def test_host_of(self):
        self.assertEqual(veerctl.host_of("198.51.100.2:4500"), "198.51.100.2")
        self.assertEqual(veerctl.host_of("[2001:db8::2]:4500"), "2001:db8::2")
        self.assertEqual(veerctl.host_of("2001:db8::2"), "2001:db8::2")

    def test_durations(self):
        self.assertEqual(veerctl.duration_text(5), "5s")
        self.assertEqual(veerctl.duration_text(125), "2m 5s")
        self.assertEqual(veerctl.duration_text(90061), "1d 1h 1m")


class CommandLine(unittest.TestCase):
    def test_bad_usage_exits_2(self):
        for argv in (["bogus"], ["admission", "sometimes"], ["delete", "onlyone"]):
            with self.assertRaises(SystemExit) as e, open(os.devnull, "w") as null:
                stderr, veerctl.sys.stderr = veerctl.sys.stderr, null
                try:
                    veerctl.main(argv)
                finally:
                    veerctl.sys.stderr = stderr
            self.assertEqual(e.exception.code, 2, argv)

    def test_missing_socket_exits_3(self):
        with open(os.devnull, "w") as null:
            stderr, veerctl.sys.stderr = veerctl.sys.stderr, null
            try:
                rc = veerctl.main(["--socket", "/nonexistent/dpdk_telemetry.v2", "status"])
            finally:
                veerctl.sys.stderr = stderr
        self.assertEqual(rc, 3)


class FakeTelemetry:
    """Answers /veer/ike/sas and /veer/pools/leases pages as veer pages them."""

    def __init__(self, nsas, nleases):
        self.nsas, self.nleases, self.sent = nsas, nleases, []

    def command(self, cmd):
        self.sent.append(cmd)
        name, _, params = cmd.partition(",")
        if name == "/veer/ike/sas":
            start = int(params or 0)
            ids = range(start, min(start + 44, self.nsas))
            never = 2**64 - 1
            return {"total": self.nsas, "from": start, "shown": len(ids),
                    "spi_i": [f"{i:016x}" for i in ids], "spi_r": [f"{i + 1:016x}" for i in ids],
                    "peer": ["rw"] * len(ids), "remote": ["198.51.100.2:4500"] * len(ids),
                    "local": ["198.51.100.1:4500"] * len(ids),
                    "child_sas": [f"{i:08x}/{i:08x}" for i in ids],
                    "child_traffic": ["1/84/1/84"] * len(ids),
                    "idle_in_ms": [never if i % 2 else 5 for i in ids]}
        if name == "/veer/pools/leases":
            pool, page = params.split(",")
            ids = range(int(page) * 32, min(int(page) * 32 + 32, self.nleases))
            return {"pool": pool, "leases": self.nleases, "page": int(page), "per_page": 32,
                    "address": [f"10.3.{i // 256}.{i % 256}" for i in ids],
                    "owner": ["c.example"] * len(ids), "state": ["online"] * len(ids),
                    "ike_sas": [1] * len(ids), "held_s": [0] * len(ids)}
        raise AssertionError(cmd)


class Paging(unittest.TestCase):
    def test_every_page_of_sas(self):
        tel = FakeTelemetry(nsas=89, nleases=0)
        sas = veer_telemetry.fetch_sas(tel)
        self.assertEqual(len(sas), 89)
        self.assertEqual(tel.sent, ["/veer/ike/sas,0", "/veer/ike/sas,44", "/veer/ike/sas,88"])
        self.assertEqual(sas[88]["spi_i"], f"{88:016x}")
        self.assertIsNone(sas[1]["idle_in_ms"])
        self.assertEqual(sas[0]["idle_in_ms"], 5)
        self.assertEqual(sas[0]["children"][0]["bytes_in"], 84)

    def test_no_sas_one_request(self):
        tel = FakeTelemetry(nsas=0, nleases=0)
        self.assertEqual(veer_telemetry.fetch_sas(tel), [])
        self.assertEqual(tel.sent, ["/veer/ike/sas,0"])

    def test_every_page_of_leases(self):
        tel = FakeTelemetry(nsas=0, nleases=64)
        leases = veer_telemetry.fetch_all_leases(tel, "rw4")
        self.assertEqual(len(leases), 64)
        self.assertEqual(tel.sent, ["/veer/pools/leases,rw4,0", "/veer/pools/leases,rw4,1"])
        self.assertEqual(leases[63]["address"], "10.3.0.63")


class FindSocket(unittest.TestCase):
    """Which socket veerctl picks under a runtime directory of its own."""

    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.tel = veer_telemetry
        self.saved, self.tel.RUNTIME_DIR = self.tel.RUNTIME_DIR, self.dir.name
        self.listeners = []

    def tearDown(self):
        self.tel.RUNTIME_DIR = self.saved
        for s in self.listeners:
            s.close()
        self.dir.cleanup()

    def add_prefix(self, name):
        os.mkdir(os.path.join(self.dir.name, name))
        path = os.path.join(self.dir.name, name, self.tel.SOCKET_NAME)
        s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        s.bind(path)
        self.listeners.append(s)
        return path

    def test_none(self):
        with self.assertRaises(veer_telemetry.NotRunning) as e:
            veer_telemetry.find_socket()
        self.assertEqual(str(e.exception),
                         f"no veer running (no telemetry socket under {self.dir.name})")

    def test_the_only_one(self):
        path = self.add_prefix("gw")
        os.mkdir(os.path.join(self.dir.name, "stopped"))  # a runtime directory without socket
        self.assertEqual(veer_telemetry.find_socket(), path)

    def test_several_want_a_prefix(self):
        self.add_prefix("a")
        path_b = self.add_prefix("b")
        with self.assertRaises(veer_telemetry.UsageError) as e:
            veer_telemetry.find_socket()
        self.assertIn("(a, b)", str(e.exception))
        self.assertEqual(veer_telemetry.find_socket(prefix="b"), path_b)

    def test_socket_nobody_listens_on(self):
        path = self.add_prefix("gone")
        self.listeners.pop().close()  # the file stays, as after a veer killed with -9
        with self.assertRaises(veer_telemetry.NotRunning) as e:
            veer_telemetry.Telemetry(path, timeout=1)
        self.assertIn("no veer running", str(e.exception))


class FakeVeer:
    """A telemetry socket that answers each command from `replies` as DPDK frames them."""

    def __init__(self, directory, replies):
        self.path = os.path.join(directory, "dpdk_telemetry.v2")
        self.replies = replies
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.sock.bind(self.path)
        self.sock.listen(1)
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        conn, _ = self.sock.accept()
        with conn:
            conn.send(json.dumps({"version": "DPDK 22.11", "pid": 1,
                                  "max_output_len": 16384}).encode())
            while True:
                cmd = conn.recv(1024).decode()
                if not cmd:
                    return
                conn.send(json.dumps({cmd.split(",")[0]: self.replies[cmd]}).encode())

    def close(self):
        self.sock.close()


class Reload(unittest.TestCase):
    """veerctl reload: veer's message printed whole, exit 0 when applied, 1 when refused."""

    def run_veerctl(self, replies, argv):
        with tempfile.TemporaryDirectory() as d:
            veer = FakeVeer(d, replies)
            out, err = io.StringIO(), io.StringIO()
            try:
                with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                    rc = veerctl.main(["--socket", veer.path] + argv)
            finally:
                veer.close()
        return rc, out.getvalue(), err.getvalue()

    def test_applied(self):
        msg = "/etc/veer/veer.yaml: reloaded: peers 1 added, 1 changed, 0 removed, 0 unchanged"
        rc, out, _ = self.run_veerctl({"/veer/reload": {"result": "applied", "message": msg}},
                                      ["reload"])
        self.assertEqual(rc, 0)
        self.assertEqual(out.strip(), msg)

    def test_refused_long_message_joined(self):
        # veer cuts a message longer than a telemetry string (127 bytes) into parts.
        msg = "/a/very/long/path/" + "x" * 150 + "/veer.yaml:12: peers[0].psk: expected a string"
        parts = {"error": msg[:127], "error_2": msg[127:254]}
        if len(msg) > 254:
            parts["error_3"] = msg[254:]
        rc, out, err = self.run_veerctl({"/veer/reload": parts}, ["reload"])
        self.assertEqual(rc, 1)
        self.assertEqual(out, "")
        self.assertEqual(err.strip(), f"veerctl: veer refused: {msg}")

    def test_json(self):
        rc, out, _ = self.run_veerctl(
            {"/veer/reload": {"result": "applied", "message": "f: reloaded"}}, ["reload", "--json"])
        self.assertEqual(rc, 0)
        self.assertEqual(json.loads(out), {"result": "applied", "message": "f: reloaded"})

    def test_status_line(self):
        st = {"applied": 2, "refused": 1, "last_unix_s": 1700000000, "last_result": "refused",
              "last_message": "v.yaml:3: gateway.max_sas: expected a number"}
        self.assertIn("reloads: 2 applied, 1 refused; last at ", veerctl.reload_text(st))
        self.assertTrue(veerctl.reload_text(st).endswith(": refused: " + st["last_message"]))
        none = dict(st, applied=0, refused=0, last_unix_s=0)
        self.assertEqual(veerctl.reload_text(none), "reloads: 0 applied, 0 refused")

    def test_help(self):
        out = io.StringIO()
        with contextlib.redirect_stdout(out), self.assertRaises(SystemExit) as e:
            veerctl.main(["reload", "--help"])
        self.assertEqual(e.exception.code, 0)
        self.assertIn("configuration file again", out.getvalue())


if __name__ == "__main__":
    unittest.main()
