"""veer-exporter's metrics, from veer's telemetry replies recorded in the lab.

tests/data/veer-telemetry-replies.json holds what a live app/veer (one worker, a strongSwan
client's SA, a virtual-IP pool, after pings) answered to each read command
veer-exporter asks. The exporter is one file without .py (it is installed
as a command), so it is loaded by path: $VEER_EXPORTER, or
app/veer-exporter/veer-exporter of this tree. The Grafana dashboard
($VEER_DASHBOARD, or docs/grafana/veer-dashboard.json) is checked against
what the exporter makes of the recording.
Run: python3 -m unittest -v test_veer_exporter (in tests/unit).
"""

import copy
import json
import os
import re
import socket
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request

from script_loader import load_script

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
PATH = os.environ.get("VEER_EXPORTER") or os.path.join(ROOT, "app", "veer-exporter",
                                                        "veer-exporter")
DASHBOARD = os.environ.get("VEER_DASHBOARD") or os.path.join(ROOT, "docs", "grafana",
                                                             "veer-dashboard.json")
with open(os.path.join(ROOT, "tests", "data", "veer-telemetry-replies.json")) as f:
    RECORDED = json.load(f)


exporter = load_script("veer_exporter", PATH)


class Replay:
    """Answers each command with its recorded reply; refuses those listed."""

    def __init__(self, replies, refuse=()):
        self.replies, self.refuse, self.sent = replies, set(refuse), []

    def command(self, cmd):
        self.sent.append(cmd)
        if cmd.split(",", 1)[0] in self.refuse or cmd not in self.replies:
            raise exporter.Refused(f"{cmd}: refused")
        return copy.deepcopy(self.replies[cmd])

    def close(self):
        pass


SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?')


def parse(text):
    """The text format, strictly: {family: {"type", "help", "series": {labels: value}}}.

    Fails on a sample before its family's TYPE, a HELP or TYPE given twice, a
    family whose samples are not together, a series given twice, or a line
    that is neither a comment nor a sample.
    """
    families, order = {}, []
    for line in text.splitlines():
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            what, name, rest = line[2:6], *line[7:].split(" ", 1)
            fam = families.setdefault(name, {"series": {}})
            if what.lower() in fam:
                raise AssertionError(f"{what} twice for {name}")
            fam[what.lower()] = rest
            if not order or order[-1] != name:
                if name in order:
                    raise AssertionError(f"{name} not together")
                order.append(name)
            continue
        m = SAMPLE.match(line)
        if not m:
            raise AssertionError(f"not a sample: {line!r}")
        name, labels, value = m.groups()
        if not order or order[-1] != name or "type" not in families[name]:
            raise AssertionError(f"{name}: sample outside its family (after {order[-1:]})")
        pairs = tuple(LABEL.findall(labels or ""))
        rebuilt = ",".join(f'{k}="{v}"' for k, v in pairs)
        if rebuilt != (labels or ""):
            raise AssertionError(f"labels do not parse: {line!r}")
        if pairs in families[name]["series"]:
            raise AssertionError(f"series twice: {line!r}")
        families[name]["series"][pairs] = float(value)
    return families


def scrape(replies=RECORDED, refuse=(), max_sa_series=256):
    reg, refused = exporter.Registry(), []
    exporter.collect(reg, Replay(replies, refuse), max_sa_series, refused)
    return parse(reg.render()), refused


def value(families, name, **labels):
    want = tuple(sorted(labels.items()))
    for key, v in families[name]["series"].items():
        if tuple(sorted(key)) == want:
            return v
    raise AssertionError(f"no {name}{labels}: {list(families[name]['series'])}")


class Escaping(unittest.TestCase):
    def test_label_values(self):
        self.assertEqual(exporter.escape_label_value('a"b\\c\nd'), 'a\\"b\\\\c\\nd')
        self.assertEqual(exporter.escape_label_value("plain"), "plain")

    def test_help(self):
        self.assertEqual(exporter.escape_help('say "x"\\y\nz'), 'say "x"\\\\y\\nz')

    def test_values(self):
        self.assertEqual(exporter.format_value(18446744073709551615), "18446744073709551615")
        self.assertEqual(exporter.format_value(0.25), "0.25")
        self.assertEqual(exporter.format_value(True), "1")
        self.assertEqual(exporter.format_value(float("nan")), "NaN")
        self.assertEqual(exporter.format_value(float("-inf")), "-Inf")

    def test_a_peer_name_with_quotes_and_newline(self):
        replies = copy.deepcopy(RECORDED)
        replies["/veer/ike/sas,0"]["peer"][0] = 'road "w\\x"\nrs'
        families, _ = scrape(replies)
        peers = {dict(k)["peer"] for k in families["veer_sa_packets_total"]["series"]}
        self.assertEqual(peers, {'road \\"w\\\\x\\"\\nrs'})


class Registry(unittest.TestCase):
    def test_a_series_twice_is_refused(self):
        reg = exporter.Registry()
        reg.add("veer_x_total", "counter", "x", 1, worker="0")
        with self.assertRaises(ValueError):
            reg.add("veer_x_total", "counter", "x", 2, worker="0")

    def test_counters_end_in_total_and_types_agree(self):
        reg = exporter.Registry()
        with self.assertRaises(ValueError):
            reg.add("veer_x", "counter", "x", 1)
        reg.add("veer_y", "gauge", "y", 1, a="1")
        with self.assertRaises(ValueError):
            reg.add("veer_y", "counter", "y", 1, a="2")
        with self.assertRaises(ValueError):
            reg.add("veer y", "gauge", "y", 1)

    def test_help_and_type_once_per_family(self):
        reg = exporter.Registry()
        reg.add("veer_a_total", "counter", "a", 1, worker="0")
        reg.add("veer_b", "gauge", "b", 1)
        reg.add("veer_a_total", "counter", "a", 2, worker="1")
        text = reg.render()
        self.assertEqual(text.count("# TYPE veer_a_total counter"), 1)
        self.assertEqual(text.count("# HELP veer_a_total a"), 1)
        parse(text)  # samples of a family together, after its TYPE


class Recorded(unittest.TestCase):
    """The recording, as Prometheus would read it."""

    @classmethod
    def setUpClass(cls):
        cls.families, cls.refused = scrape()

    def test_every_command_answered(self):
        self.assertEqual(self.refused, [])

    def test_names_follow_the_conventions(self):
        for name, fam in self.families.items():
            self.assertTrue(name.startswith("veer_"), name)
            self.assertIn(fam["type"], ("counter", "gauge"), name)
            self.assertEqual(fam["type"] == "counter", name.endswith("_total"), name)
            self.assertTrue(fam["help"], name)
            self.assertNotRegex(name, r"_(ms|us|pct|percent)(_|$)", "base units only")

    def test_workers_per_worker_and_summed(self):
        w = RECORDED["/veer/workers"]
        self.assertEqual(value(self.families, "veer_worker_rx_packets_total", worker="0"),
                         w["rx_packets"][0])
        self.assertEqual(value(self.families, "veer_dataplane_esp_decrypted_total"),
                         w["esp_decrypted"][0])
        self.assertGreater(w["esp_decrypted"][0], 0)
        self.assertEqual(value(self.families, "veer_dataplane_drops_total", reason="esp_bad_icv"),
                         w["drop_esp_bad_icv"][0])
        self.assertNotIn("veer_worker_drop_esp_bad_icv_total", self.families)

    def test_two_workers(self):
        replies = copy.deepcopy(RECORDED)
        w = replies["/veer/workers"]
        for name, column in w.items():
            if isinstance(column, list):
                w[name] = column + [n + 1000 for n in column]
        families, _ = scrape(replies)
        self.assertEqual(value(families, "veer_worker_rx_packets_total", worker="1"),
                         RECORDED["/veer/workers"]["rx_packets"][0] + 1000)
        self.assertEqual(value(families, "veer_dataplane_rx_packets_total"),
                         2 * RECORDED["/veer/workers"]["rx_packets"][0] + 1000)
        self.assertEqual(value(families, "veer_dataplane_drops_total", reason="no_policy"),
                         2 * RECORDED["/veer/workers"]["drop_no_policy"][0] + 1000)

    def test_ike_radius_and_control(self):
        ike = RECORDED["/veer/ike/counters"]
        self.assertEqual(value(self.families, "veer_ike_sa_established_total"),
                         ike["sa_established"])
        self.assertEqual(value(self.families, "veer_radius_requests_total"), ike["radius_requests"])
        self.assertEqual(value(self.families, "veer_radius_replies_refused_total",
                               reason="bad_response_auth"), ike["radius_rx_bad_response_auth"])
        self.assertEqual(value(self.families, "veer_control_rx_ike_total"),
                         RECORDED["/veer/control"]["rx_ike"])

    def test_gauges(self):
        g = RECORDED["/veer/gauges"]
        self.assertEqual(value(self.families, "veer_ike_sas", state="established"), 1)
        self.assertEqual(sum(self.families["veer_ike_sas"]["series"].values()), g["ike_sas"])
        self.assertEqual(value(self.families, "veer_child_sas"), g["child_sas"])
        self.assertEqual(value(self.families, "veer_ike_sas_half_open"), 0)
        self.assertEqual(value(self.families, "veer_control_ring_size"), g["control_ring_size"])
        self.assertIn("veer_control_ring_used", self.families)

    def test_admission(self):
        a = RECORDED["/veer/admission"]
        self.assertEqual(value(self.families, "veer_admission_mode", mode=a["mode"]), 1)
        self.assertEqual(sum(self.families["veer_admission_mode"]["series"].values()), 1)
        self.assertEqual(value(self.families, "veer_admission_rate_per_second"), a["rate"])
        self.assertAlmostEqual(value(self.families, "veer_control_busy_ratio"),
                               a["control_busy_pct"] / 100)

    def test_ports_and_pools(self):
        p = RECORDED["/veer/ports"]
        self.assertEqual(value(self.families, "veer_port_rx_bytes_total", port=p["name"][0]),
                         p["ibytes"][0])
        self.assertEqual(value(self.families, "veer_port_kernel_unread_packets_total",
                               port=p["name"][1]), p["kernel_unread"][1])
        self.assertIn("veer_port_kernel_rx_packets_total", self.families)
        pools = RECORDED["/veer/pools"]
        self.assertEqual(value(self.families, "veer_pool_size", pool=pools["name"][0]),
                         pools["size"][0])

    def test_child_sa_traffic(self):
        sa = RECORDED["/veer/ike/sas,0"]
        spi_in, spi_out = sa["child_sas"][0].split("/")
        packets_in = int(sa["child_traffic"][0].split("/")[0])
        self.assertGreater(packets_in, 0)
        self.assertEqual(value(self.families, "veer_sa_packets_total", peer=sa["peer"][0],
                               ike_spi_i=sa["spi_i"][0], ike_spi_r=sa["spi_r"][0],
                               spi_in=spi_in, spi_out=spi_out, direction="in"), packets_in)
        self.assertEqual(value(self.families, "veer_exporter_sa_series_omitted"), 0)


class SeriesCap(unittest.TestCase):
    """At most --max-sa-series Child SAs, and a count of those left out."""

    def many(self, n):
        replies = copy.deepcopy(RECORDED)
        page = replies["/veer/ike/sas,0"]
        for name, column in page.items():
            if isinstance(column, list):
                page[name] = column * n
        page["spi_i"] = [f"{i + 1:016x}" for i in range(n)]
        page["total"] = page["shown"] = n
        replies["/veer/gauges"]["child_sas"] = n
        return replies

    def test_cap(self):
        families, _ = scrape(self.many(30), max_sa_series=10)
        self.assertEqual(len(families["veer_sa_packets_total"]["series"]), 20)  # in and out
        self.assertEqual(value(families, "veer_exporter_sa_series_omitted"), 20)

    def test_none(self):
        replay = Replay(self.many(3))
        reg, refused = exporter.Registry(), []
        exporter.collect(reg, replay, 0, refused)
        families = parse(reg.render())
        self.assertNotIn("veer_sa_packets_total", families)
        self.assertEqual(value(families, "veer_exporter_sa_series_omitted"), 3)
        self.assertNotIn("/veer/ike/sas,0", replay.sent)


class Scrapes(unittest.TestCase):
    """Exporter.scrape: veer_up, the error counters, the time bound."""

    def scraper(self, socket_path, timeout=1.0):
        return exporter.Exporter(socket_path=socket_path, timeout=timeout, log=None)

    def scrape_replay(self, replay):
        """One scrape of an Exporter whose telemetry connection is replay."""
        ex = self.scraper("unused")
        saved = exporter.Telemetry
        exporter.Telemetry = lambda *a, **k: replay
        try:
            return parse(ex.scrape())
        finally:
            exporter.Telemetry = saved

    def test_veer_up_with_a_recorded_veer(self):
        families = self.scrape_replay(Replay(RECORDED))
        self.assertEqual(value(families, "veer_up"), 1)
        self.assertIn("veer_dataplane_esp_decrypted_total", families)

    def test_a_refused_command_is_counted_and_skipped(self):
        families = self.scrape_replay(Replay(RECORDED, refuse=["/veer/gauges"]))
        self.assertEqual(value(families, "veer_up"), 1)
        self.assertNotIn("veer_ike_sas", families)
        self.assertEqual(value(families, "veer_exporter_scrape_errors_total", reason="refused"), 1)

    def test_no_veer(self):
        ex = self.scraper("/nonexistent/dpdk_telemetry.v2")
        ex.scrape()
        families = parse(ex.scrape())
        self.assertEqual(value(families, "veer_up"), 0)
        self.assertEqual(value(families, "veer_exporter_scrape_errors_total",
                               reason="not_running"), 2)
        self.assertEqual(value(families, "veer_exporter_scrapes_total"), 2)
        self.assertFalse([n for n in families if not n.startswith(("veer_up", "veer_exporter_"))])

    def test_a_veer_that_never_answers_is_bounded(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "dpdk_telemetry.v2")
            listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            listener.bind(path)
            listener.listen(1)  # connects, never answers
            try:
                ex = self.scraper(path, timeout=0.3)
                started = time.monotonic()
                families = parse(ex.scrape())
                took = time.monotonic() - started
            finally:
                listener.close()
        self.assertLess(took, 2)
        self.assertEqual(value(families, "veer_up"), 0)
        self.assertEqual(value(families, "veer_exporter_scrape_errors_total", reason="timeout"), 1)

    def test_listen_addresses(self):
        self.assertEqual(exporter.parse_listen(exporter.DEFAULT_LISTEN),
                         (socket.AF_INET, "127.0.0.1", 9612))
        self.assertEqual(exporter.parse_listen("[::1]:9700"), (socket.AF_INET6, "::1", 9700))
        self.assertEqual(exporter.parse_listen(":9612")[1], "127.0.0.1")
        for bad in ("localhost", "127.0.0.1:", "127.0.0.1:65536", "host.example:9612"):
            with self.assertRaises(exporter.UsageError, msg=bad):
                exporter.parse_listen(bad)


class Http(unittest.TestCase):
    """The server: /metrics in the text format's content type, 404 elsewhere."""

    def test_metrics_and_not_found(self):
        ex = exporter.Exporter(socket_path="/nonexistent/dpdk_telemetry.v2", log=None)
        server = exporter.make_server(ex, "127.0.0.1:0")
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        base = f"http://127.0.0.1:{server.server_address[1]}"
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never a proxy
        try:
            with direct.open(base + "/metrics", timeout=5) as r:
                self.assertEqual(r.headers["Content-Type"], exporter.CONTENT_TYPE)
                families = parse(r.read().decode())
            self.assertEqual(value(families, "veer_up"), 0)
            with self.assertRaises(urllib.error.HTTPError) as e:
                direct.open(base + "/nothing", timeout=5)
            self.assertEqual(e.exception.code, 404)
        finally:
            server.shutdown()
            server.server_close()


class Dashboard(unittest.TestCase):
    """Every metric a panel or variable of the Grafana dashboard asks for is exported."""

    def queries(self, node):
        if isinstance(node, dict):
            for k, v in node.items():
                if k in ("expr", "definition") and isinstance(v, str):
                    yield v
                elif k == "query" and isinstance(v, str):
                    yield v
                else:
                    yield from self.queries(v)
        elif isinstance(node, list):
            for v in node:
                yield from self.queries(v)

    def test_metrics_exist(self):
        with open(DASHBOARD) as f:
            dashboard = json.load(f)
        reg = exporter.Registry()
        exporter.collect(reg, Replay(RECORDED), 256, [])
        exporter.Exporter(log=None).add_own(reg, 1, 0.01)
        exported = set(parse(reg.render()))
        queries = list(self.queries(dashboard))
        self.assertGreater(len(queries), 20)
        used = {m for q in queries for m in re.findall(r"\bveer_[a-zA-Z0-9_]+", q)}
        self.assertGreater(len(used), 25)
        self.assertEqual(sorted(used - exported), [])


if __name__ == "__main__":
    unittest.main()
