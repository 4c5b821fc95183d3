"""The sources against real things: a real process tree, a real HTTP server serving prometheus_client's
own exposition, real probes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psutil
import pytest
from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest

from shipmate.analysis.rules import MetricRule
from shipmate.analysis.window import Window
from shipmate.engine.monitor_sources import ProbeSource, ProcessSource, PrometheusSource
from shipmate.engine.probe_set import run_all
from shipmate.model import InstanceRef
from shipmate.probes.http import HttpProbe
from shipmate.probes.tcp import TcpProbe
from shipmate.targets.registry import target_for
from tests.waiting import free_port, wait_until

# The app under the "pump": holds ~64 MB and keeps one core busy until killed.
BUSY_APP = """
import sys, time
block = bytearray(64 * 1024 * 1024)
for i in range(0, len(block), 4096):
    block[i] = 1
print("ready", flush=True)
deadline = time.monotonic() + 60
while time.monotonic() < deadline:
    pass
"""
LEADER = "import subprocess, sys; subprocess.run([sys.executable, '-c', sys.argv[1]])"


@pytest.fixture
def instance() -> Iterator[InstanceRef]:
    leader = subprocess.Popen([sys.executable, "-c", LEADER, BUSY_APP], stdout=subprocess.PIPE, text=True,
                              start_new_session=True)
    try:
        assert leader.stdout is not None and leader.stdout.readline().strip() == "ready"
        yield InstanceRef("i-busy", 0, {"pid": leader.pid, "create_time": psutil.Process(leader.pid).create_time()})
    finally:
        os.killpg(leader.pid, signal.SIGKILL)
        leader.wait(timeout=10)


def test_process_source_sums_the_app_tree_under_the_leader(instance: InstanceRef) -> None:
    source = ProcessSource(target_for("process"), [instance])
    first = source.look(instance, 0.0)
    assert first.alive and first.cpu_s == 0.0       # the first look is the baseline
    assert first.rss_mb >= 64                       # the app's memory, not the leader's (~10 MB)
    app = psutil.Process(instance.handle["pid"]).children()[0]
    before = app.cpu_times()
    wait_until(lambda: sum(app.cpu_times()[:2]) - sum(before[:2]) > 0.2,
               20, "the busy app to use some CPU")
    second = source.look(instance, 1.0)
    assert second.alive and second.cpu_s > 0.2
    window = Window(start=0.0, sources=frozenset({"process"}))
    source.observe(window, 2.0)
    assert [s.instance_id for s in window.process] == ["i-busy"]


def test_process_source_reports_a_gone_or_replaced_instance_as_not_alive(instance: InstanceRef) -> None:
    source = ProcessSource(target_for("process"), [instance])
    older = instance.handle["create_time"] - 3600
    impostor = InstanceRef(instance.instance_id, 0, {**instance.handle, "create_time": older})
    assert not source.look(impostor, 0.0).alive      # same pid, other process (pid reuse)
    os.killpg(instance.handle["pid"], signal.SIGKILL)
    wait_until(lambda: not source.look(instance, 0.0).alive, 10, "the killed instance to be seen gone")


class _Metrics(BaseHTTPRequestHandler):
    body: bytes = b""

    def do_GET(self) -> None:
        if self.path != "/metrics":
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def metrics_server() -> Iterator[tuple[int, type[_Metrics]]]:
    handler = type("Handler", (_Metrics,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], handler
    finally:
        server.shutdown()
        server.server_close()


def _exposition() -> bytes:
    registry = CollectorRegistry()
    errors = Counter("app_errors", "Errors by code", ["code"], registry=registry)
    errors.labels(code="500").inc(3)
    errors.labels(code="502").inc(2)
    Gauge("queue_depth", "Jobs waiting", registry=registry).set(42)
    return generate_latest(registry)


def test_prometheus_source_reads_rules_from_prometheus_clients_own_exposition(
        metrics_server: tuple[int, type[_Metrics]]) -> None:
    port, handler = metrics_server
    handler.body = _exposition()
    rules = (MetricRule("app_errors_total", (("code", "500"),), increase_max=10),
             MetricRule("app_errors", (), increase_max=10),       # the family: every code summed
             MetricRule("queue_depth", (), max=100),
             MetricRule("no_such_metric", (), max=1))
    ref = InstanceRef("i-1", port)
    sample = PrometheusSource([ref], "/metrics", rules, timeout=2.0).look(ref, 5.0)
    assert sample.detail == "" and sample.instance_id == "i-1"
    assert sample.values == (3.0, 5.0, 42.0, None)


def test_prometheus_source_turns_a_bad_endpoint_into_a_sample_without_values(
        metrics_server: tuple[int, type[_Metrics]]) -> None:
    port, handler = metrics_server
    rules = (MetricRule("queue_depth", (), max=100),)
    ref = InstanceRef("i-1", port)
    missing = PrometheusSource([ref], "/nope", rules, timeout=2.0).look(ref, 0.0)
    assert missing.values == (None,) and "404" in missing.detail
    handler.body = b"<html><body>not metrics</body></html>\n"
    garbage = PrometheusSource([ref], "/metrics", rules, timeout=2.0).look(ref, 0.0)
    assert garbage.values == (None,) and "not Prometheus text" in garbage.detail
    closed = InstanceRef("i-2", free_port())
    refused = PrometheusSource([closed], "/metrics", rules, timeout=2.0).look(closed, 0.0)
    assert refused.values == (None,) and refused.detail.startswith("scrape :")


def test_probe_source_marks_a_tick_failed_when_the_public_request_fails_and_fatal_when_liveness_fails(
        metrics_server: tuple[int, type[_Metrics]]) -> None:
    port, handler = metrics_server
    handler.body = _exposition()
    alive = [TcpProbe("127.0.0.1", port, 1.0, name="process"), HttpProbe("127.0.0.1", port, "/metrics")]
    window = Window(start=0.0)
    ProbeSource([alive], HttpProbe("127.0.0.1", port, "/metrics", name="public"), run_all).observe(window, 0.0)
    ProbeSource([alive], HttpProbe("127.0.0.1", port, "/broken", name="public"), run_all).observe(window, 1.0)
    dead = [TcpProbe("127.0.0.1", free_port(), 1.0, name="process")]
    ProbeSource([alive, dead], None, run_all).observe(window, 2.0)
    ok, failed, gone = window.probes
    assert ok.ok and not ok.fatal and ok.latency_ms > 0
    assert not failed.ok and not failed.fatal and "public: GET /broken -> 404" in failed.detail
    assert not gone.ok and gone.fatal and gone.detail.startswith("process:")
