"""Judging on real traffic, measured: requests lost at the switch with uvicorn (TCP router, as before
this issue, against the HTTP router), and the time from a bad release's first 500 to the old release
serving again.

Run: .venv/bin/python bench/traffic_bench.py   (prints markdown rows; bench/run_all.py collects them)
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from tests.e2e.load import Load  # noqa: E402  (the same clients the tests use)

SHIPMATE = str(Path(sys.executable).parent / "shipmate")
PY = sys.executable


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Project:
    def __init__(self) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="shipmate-traffic-"))
        self.root = self.tmp / "proj"
        self.root.mkdir()
        shutil.copy(REPO / "examples" / "hello" / "app.py", self.root / "app.py")
        shutil.copy(REPO / "tests" / "e2e" / "apps" / "asgi_app.py", self.root / "asgi_app.py")
        self.port = _free_port()
        self.env = {**os.environ, "SHIPMATE_RUNTIME_DIR": str(self.tmp / "run"), "SHIPMATE_ACTOR": "bench"}

    def spec(self, command: list[str], *, mode: str, monitor: str, interval: str, env: dict[str, str]) -> None:
        argv = ", ".join(json.dumps(a) for a in command)
        env_text = ", ".join(f"{k}: {json.dumps(v)}" for k, v in env.items())
        (self.root / "shipmate.yaml").write_text(f"""service: traffic
version: "1"
port: {self.port}
target: {{kind: process, command: [{argv}], stop_grace: 5s, env: {{{env_text}}}}}
health: {{interval: 50ms, deadline: 20s, checks: [{{http: {{path: /health}}}}]}}
router: {{mode: {mode}}}
strategy: blue-green
drain: 5s
monitor: {{duration: {monitor}, interval: {interval}, min_samples: 3}}
""")

    def deploy(self, version: str) -> tuple[int, dict[str, Any]]:
        proc = subprocess.run([SHIPMATE, "deploy", "--version", version, "--json"], cwd=self.root, env=self.env,
                              capture_output=True, text=True, timeout=300)
        return proc.returncode, json.loads(proc.stdout)

    def close(self) -> None:
        subprocess.run([SHIPMATE, "down"], cwd=self.root, env=self.env, capture_output=True, timeout=120)
        pid_file = self.root / ".shipmate" / "router" / "router.pid"
        if pid_file.exists():
            subprocess.run(["kill", "-9", pid_file.read_text().split()[0]], check=False)
        shutil.rmtree(self.tmp, ignore_errors=True)


UVICORN = [PY, "-m", "uvicorn", "asgi_app:app", "--host", "127.0.0.1", "--port", "${PORT}", "--no-access-log"]


def lost_at_switch(mode: str, deploys: int = 10) -> tuple[int, int]:
    proj = Project()
    try:
        proj.spec(UVICORN, mode=mode, monitor="500ms", interval="100ms", env={})
        code, out = proj.deploy("v0")
        assert code == 0, out
        with Load(proj.port, keepalive=4, fresh=0, path="/health") as load:
            for n in range(1, deploys + 1):
                code, out = proj.deploy(f"v{n}")
                assert code == 0, out
            record = load.stop()
        for failure in record.failures()[:3]:
            print(f"  {mode} failure: {failure}", file=sys.stderr)
        return len(record.failures()), record.total
    finally:
        proj.close()


def detection(error_rate: float, interval_s: float = 1.0) -> float:
    """Seconds from the bad release's first 500 to its last response (the old one serves after)."""
    proj = Project()
    try:
        app = [PY, "app.py"]
        proj.spec(app, mode="http", monitor="30s", interval=f"{interval_s}s", env={})
        code, out = proj.deploy("good")
        assert code == 0, out
        proj.spec(app, mode="http", monitor="30s", interval=f"{interval_s}s",
                  env={"HELLO_PAGE_ERROR_RATE": str(error_rate)})
        with Load(proj.port, keepalive=2, fresh=1, path="/") as load:
            code, out = proj.deploy("bad")
            record = load.stop()
        assert code == 1, out
        bad = [o for o in record.outcomes if o.version == "bad"]
        first = min(o.at for o in bad if o.status == 500)
        return max(o.at for o in bad) - first
    finally:
        proj.close()


def rows() -> list[str]:
    out = []
    tcp_failed, tcp_total = lost_at_switch("tcp")
    http_failed, http_total = lost_at_switch("http")
    out.append(f"| uvicorn, 10 blue-green deploys under 4 keep-alive clients, HTTP router | {http_failed} failed of "
               f"{http_total} requests | TCP router (before this issue): {tcp_failed} failed of {tcp_total} | - | "
               "0 failed |")
    for rate in (0.2, 0.5):
        took = detection(rate)
        out.append(f"| first 500 to old release serving, {rate:.0%} 5xx release, monitor.interval 1 s | {took:.2f} s | "
                   f"goal interval + 2 s = 3.00 s (Flagger's default: 600 s) | {took / 3.0:.2f}x | <= 1.0x |")
    return out


if __name__ == "__main__":
    for row in rows():
        print(row)
