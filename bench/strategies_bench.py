"""Strategy wall times against baselines measured in the same run: a rolling update of 4 replicas vs
4 sequential blue-green deploys, and a canary with two 5 s steps vs its floor (pauses + one start and proof).

Run: .venv/bin/python bench/strategies_bench.py   (writes bench/STRATEGIES_RESULTS.md; bench/run_all.py
includes it in BENCHMARKS.md)
"""

from __future__ import annotations

import http.client
import os
import platform
import statistics
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_project import BenchProject  # noqa: E402

ROLLING = "rolling: {max_unavailable: 1, max_surge: 1}\n"
CANARY_PAUSE_S = 5.0
CANARY = f"canary:\n  steps: [{{weight: 10, pause: {CANARY_PAUSE_S:g}s}}, {{weight: 50, pause: {CANARY_PAUSE_S:g}s}}]\n"


class SteadyClient:
    """One keep-alive client at a steady ~``rate`` requests/s: the real traffic a canary step is judged on
    (the new side's error rate against stable's needs requests on both sides)."""

    def __init__(self, port: int, rate: float = 100.0) -> None:
        self.port, self.gap_s = port, 1.0 / rate
        self.ok = self.failed = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> SteadyClient:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        conn: http.client.HTTPConnection | None = None
        while not self._stop.wait(self.gap_s):
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                conn.request("GET", "/")
                resp = conn.getresponse()
                resp.read()
                self.ok, self.failed = (self.ok + 1, self.failed) if resp.status == 200 else (self.ok, self.failed + 1)
                if resp.will_close:
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException):
                self.failed += 1
                conn = None


def _timed_deploy(proj: BenchProject) -> float:
    t0 = time.perf_counter()
    proj.run("deploy")
    return time.perf_counter() - t0


def bench_rolling(rounds: int = 3, replicas: int = 4) -> str:
    """Rounds interleave the two, so both see the same machine load."""
    rolling, sequential = BenchProject(monitor="0s"), BenchProject(monitor="0s")
    ours, base = [], []
    try:
        rolling.spec("0", strategy="rolling", replicas=replicas, extra=ROLLING)
        rolling.run("deploy")
        sequential.spec("0")
        sequential.run("deploy")
        for i in range(1, rounds + 1):
            rolling.spec(str(i), strategy="rolling", replicas=replicas, extra=ROLLING)
            ours.append(_timed_deploy(rolling))
            total = 0.0
            for j in range(replicas):
                sequential.spec(f"{i}.{j}")
                total += _timed_deploy(sequential)
            base.append(total)
    finally:
        rolling.close()
        sequential.close()
    m_ours, m_base = statistics.median(ours), statistics.median(base)
    return (f"| rolling update of {replicas} replicas (max_surge 1, max_unavailable 1), instantly healthy app, "
            f"monitor off (median of {rounds}) | {m_ours:.3f} s | {m_base:.3f} s ({replicas} sequential blue-green "
            f"deploys, replicas 1) | {m_ours / m_base:.2f}x | <= 1.0x |")


def bench_canary(rounds: int = 3, rate: float = 100.0) -> str:
    """The floor is what no canary can beat: its pauses, plus one start and health proof of the new release
    (measured as a whole replicas-1 blue-green deploy, monitor off, so CLI start and the switch count too).
    Both run under the same steady client, which the canary's steps are judged on."""
    canary, single = BenchProject(monitor="0s"), BenchProject(monitor="0s")
    ours, floors = [], []
    pauses = 2 * CANARY_PAUSE_S
    failed = 0
    try:
        canary.spec("0", strategy="canary", extra=CANARY)
        canary.run("deploy")
        single.spec("0")
        single.run("deploy")
        for i in range(1, rounds + 1):
            canary.spec(str(i), strategy="canary", extra=CANARY)
            with SteadyClient(canary.port, rate) as client:
                ours.append(_timed_deploy(canary))
            single.spec(str(i))
            with SteadyClient(single.port, rate) as other:
                floors.append(pauses + _timed_deploy(single))
            failed += client.failed + other.failed
    finally:
        canary.close()
        single.close()
    m_ours, m_floor = statistics.median(ours), statistics.median(floors)
    return (f"| canary, two {CANARY_PAUSE_S:g} s steps (weights 10, 50), instantly healthy app, monitor off, "
            f"one client at {rate:g} req/s ({failed} failed) (median of {rounds}) | {m_ours:.3f} s | {m_floor:.3f} s "
            f"(floor: {pauses:g} s of pauses + one blue-green deploy, replicas 1) | {m_ours / m_floor:.2f}x | "
            f"<= 1.2x |")


def section() -> str:
    """Run both and write bench/STRATEGIES_RESULTS.md, the BENCHMARKS.md section; returns its text."""
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    table = "\n".join([bench_rolling(), bench_canary()])
    text = f"""## Strategies

Command: `.venv/bin/python bench/strategies_bench.py` (run from the repo root, {started}).
Machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.machine()}.
The sample app (examples/hello/app.py) on the process target behind the HTTP router; each deploy is timed
from the CLI call to its exit, and rounds interleave it with its baseline so both see the same load.
A canary step judges the new side against stable on real requests, so the canary and its floor both run
under one steady keep-alive client; the floor counts each pause in full.

| what | shipmate | baseline (same run) | ratio | goal |
| --- | --- | --- | --- | --- |
{table}
"""
    (HERE / "STRATEGIES_RESULTS.md").write_text(text)
    return text


if __name__ == "__main__":
    print(section())
