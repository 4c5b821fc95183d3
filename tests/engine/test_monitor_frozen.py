"""A real SIGSTOP on a process running the monitoring loop: the window it did not watch is inconclusive."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

WATCHER = """
import json, sys
from shipmate.analysis.rules import Rules
from shipmate.engine.monitor import Clock, run_window
from shipmate.engine.monitor_sources import ProbeSource
from shipmate.engine.probe_set import run_all
from shipmate.probes.http import HttpProbe

port = int(sys.argv[1])
source = ProbeSource([[HttpProbe("127.0.0.1", port, "/")]], HttpProbe("127.0.0.1", port, "/", name="public"), run_all)
rules = Rules(duration_s=3.0, interval_s=0.2, min_samples=3)
said = []

def progress(message, data):
    if data["ticks"] >= 3 and not said:
        said.append(1)
        print("watching", flush=True)

print(json.dumps(run_window([source], rules, Clock(), progress).as_dict()), flush=True)
"""


class _Ok(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def app_port() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def _watch(port: int, *, freeze_s: float) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    child = subprocess.Popen([sys.executable, "-c", WATCHER, str(port)], stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "watching"
        if freeze_s:
            os.kill(child.pid, signal.SIGSTOP)
            time.sleep(freeze_s)  # the freeze itself, not a synchronisation
            os.kill(child.pid, signal.SIGCONT)
        out, _ = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            os.kill(child.pid, signal.SIGCONT)
            child.kill()
            child.wait(timeout=10)
    verdict: dict[str, object] = json.loads(out.strip().splitlines()[-1])
    return verdict


def test_a_watcher_frozen_by_sigstop_for_most_of_its_window_returns_inconclusive(app_port: int) -> None:
    verdict = _watch(app_port, freeze_s=2.0)
    assert verdict["phase"] == "inconclusive", verdict["reasons"]
    assert str(verdict["decided_by"]).startswith("coverage.")


def test_the_same_watcher_left_alone_passes(app_port: int) -> None:
    verdict = _watch(app_port, freeze_s=0.0)
    assert verdict["phase"] == "pass", verdict["reasons"]
