"""serve's HTTP API under load, and the overview at 500 services, each against a baseline of the same run.

Run: .venv/bin/python bench/web_bench.py [--seconds 30] [--connections 64] [--deploys 2] [--services 500]
1. `wrk -c64 -d30s` on GET /api/v1/services/bench/status (a read token) while deployments run (the CLI's
   `shipmate deploy`, blue-green, monitor 3 s): wrk's p99 and its errors (socket errors + non-2xx); and the
   deployments' time against the same deployments without load, measured just before. Goals: p99 < 50 ms,
   0 errors, deploys slowed < 20 %. One status request comes first (warm-up: serve then keeps a read, as it
   does for any client that polls); `--cold` leaves it out, and wrk's first 64 requests then wait for the
   first read (~0.2-0.8 s under load), which wrk's coordinated-omission correction spreads over the whole
   distribution (a stall of S s counts as S x rate late requests): alone it puts p99 at several 100 ms.
2. GET /api/v1/overview with --services registered homes (synthetic: copies of one real home's state
   database, each renamed to its own service) against 5 homes: p95 of 200 sequential requests. Goal <= 100 ms.
Everything runs in a temporary folder with its own XDG_STATE_HOME (the host registry of the run).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bench_project import SHIPMATE, BenchProject, free_port

WRK = "/usr/bin/wrk"


def _get(port: int, path: str, token: str | None = None) -> tuple[int, bytes]:
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}",
                                 headers={"Authorization": f"Bearer {token}"} if token else {})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return resp.status, resp.read()


def _wait(condition: object, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():  # type: ignore[operator]
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"still waiting after {timeout} s")


class Serve:
    def __init__(self, project: BenchProject) -> None:
        self.port = free_port()
        self.proc = subprocess.Popen([SHIPMATE, "serve", "-f", str(project.root / "shipmate.yaml"), "--port",
                                      str(self.port)], cwd=project.root, env=project.env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait(lambda: _get(self.port, "/healthz")[0] == 200, 120)

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=30)


def _token(project: BenchProject, name: str, scope: str) -> str:
    return str(project.run("token", "create", "--name", name, "--scope", scope)["secret"])


def _deploys(project: BenchProject, versions: list[str]) -> list[float]:
    took = []
    for version in versions:
        project.spec(version)
        start = time.perf_counter()
        assert project.run("deploy")["state"] == "succeeded"
        took.append(time.perf_counter() - start)
    return took


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def load_figure(project: BenchProject, args: argparse.Namespace) -> dict[str, object]:
    token = _token(project, "bench-reader", "read")
    serve = Serve(project)
    try:
        quiet = _deploys(project, [f"1.1.{i}" for i in range(args.deploys)])
        url = f"http://127.0.0.1:{serve.port}/api/v1/services/bench/status"
        if not args.cold:   # as a dashboard that already polls: serve keeps a read (see the docstring)
            assert _get(serve.port, url.split(str(serve.port), 1)[1], token)[0] == 200
        wrk = subprocess.Popen([WRK, "-t2", f"-c{args.connections}", f"-d{args.seconds}s", "--latency", "-H",
                                f"Authorization: Bearer {token}",
                                url],
                               stdout=subprocess.PIPE, text=True)
        time.sleep(2)   # wrk's connections are up and busy before the first loaded deploy starts
        loaded = _deploys(project, [f"1.2.{i}" for i in range(args.deploys)])
        out, _ = wrk.communicate(timeout=args.seconds + 60)
    finally:
        serve.stop()
    p99 = re.search(r"99%\s+(\S+)", out)
    requests = re.search(r"(\d+) requests in", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(non2xx.group(1)) if non2xx else 0) + (sum(int(g) for g in sock.groups()) if sock else 0)
    return {"p99_ms": _ms(p99.group(1)) if p99 else None, "requests": int(requests.group(1)) if requests else 0,
            "errors": errors, "deploy_quiet_s": quiet, "deploy_loaded_s": loaded,
            "slowdown": statistics.median(loaded) / statistics.median(quiet), "wrk": out}


def _synthetic_homes(project: BenchProject, count: int, xdg: Path) -> list[Path]:
    """``count`` homes: copies of the real home's database, each renamed to service s0001..; registered."""
    folder = project.tmp / "synthetic"
    registry = xdg / "shipmate" / "homes"
    source = project.root / ".shipmate" / "state.db"
    conn = sqlite3.connect(source)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    spec_text = (project.root / "shipmate.yaml").read_text()
    made = []
    for i in range(count):
        root = folder / f"s{i:04d}"
        home = root / ".shipmate"
        home.mkdir(parents=True)
        shutil.copy(source, home / "state.db")
        with sqlite3.connect(home / "state.db") as db:
            for table in ("releases", "deployments", "current", "instances", "approvals"):
                db.execute(f"UPDATE {table} SET service = ?", (f"s{i:04d}",))
            db.execute("DELETE FROM locks")
        db.close()
        (root / "shipmate.yaml").write_text(spec_text.replace("service: bench", f"service: s{i:04d}"))
        key = f"{i:016x}"
        (registry / f"{key}.json").write_text(json.dumps({"home": str(home), "spec": str(root / "shipmate.yaml")}))
        made.append(home)
    return made


def _overview_ms(port: int, token: str, rounds: int) -> tuple[float, float, int]:
    """(p95 ms, first call ms, services listed) of sequential GET /api/v1/overview."""
    took = []
    listed = 0
    for _ in range(rounds):
        start = time.perf_counter()
        status, body = _get(port, "/api/v1/overview", token)
        took.append((time.perf_counter() - start) * 1000)
        assert status == 200
        listed = len(json.loads(body)["services"])
    first = took[0]
    took.sort()
    return took[int(len(took) * 0.95) - 1], first, listed


def overview_figure(project: BenchProject, args: argparse.Namespace, xdg: Path) -> dict[str, object]:
    token = _token(project, "bench-overview", "read")
    small = _synthetic_homes(project, 4, xdg)   # + the real one: 5 services
    serve = Serve(project)
    try:
        p95_small, first_small, n_small = _overview_ms(serve.port, token, 200)
        for home in small:
            shutil.rmtree(home.parent)
        for path in (xdg / "shipmate" / "homes").glob("000000000000000*.json"):
            path.unlink()
        shutil.rmtree(project.tmp / "synthetic")
        _synthetic_homes(project, args.services - 1, xdg)
        p95_big, first_big, n_big = _overview_ms(serve.port, token, 200)
    finally:
        serve.stop()
    return {"small": (n_small, p95_small, first_small), "big": (n_big, p95_big, first_big)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--deploys", type=int, default=2)
    parser.add_argument("--services", type=int, default=500)
    parser.add_argument("--cold", action="store_true", help="no status request before wrk starts")
    args = parser.parse_args()
    project = BenchProject(monitor="3s")
    xdg = project.tmp / "xdg"
    project.env["XDG_STATE_HOME"] = str(xdg)
    os.environ.pop("CLAUDECODE", None)
    try:
        project.spec("1.0.0")
        project.run("deploy")
        load = load_figure(project, args)
        over = overview_figure(project, args, xdg)
    finally:
        project.close()
    print(load["wrk"])
    print(f"status under wrk -c{args.connections} -d{args.seconds}s during deploys: p99 {load['p99_ms']:.1f} ms, "
          f"{load['requests']} requests, {load['errors']} errors (goal p99 < 50 ms, 0 errors)")
    quiet, loaded = load["deploy_quiet_s"], load["deploy_loaded_s"]
    print(f"deploy without load {[round(x, 2) for x in quiet]} s, under load {[round(x, 2) for x in loaded]} s: "
          f"{load['slowdown']:.2f}x (goal < 1.20x)")
    (n_small, p95_small, first_small), (n_big, p95_big, first_big) = over["small"], over["big"]
    print(f"overview {n_small} services: p95 {p95_small:.1f} ms (first {first_small:.1f} ms); "
          f"{n_big} services: p95 {p95_big:.1f} ms (first {first_big:.1f} ms); ratio {p95_big / p95_small:.2f}x "
          f"(goal p95 <= 100 ms)")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
