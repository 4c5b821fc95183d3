"""Strategy wall times against baselines measured in the same run: a rolling update of 4 replicas vs
4 sequential blue-green deploys, and a canary with two 5 s steps vs its floor (pauses + one start and proof).

Run: .venv/bin/python bench/strategies_bench.py   (writes bench/STRATEGIES_RESULTS.md; bench/run_all.py
includes it in BENCHMARKS.md)
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_project import BenchProject  # noqa: E402

ROLLING = "rolling: {max_unavailable: 1, max_surge: 1}\n"
CANARY_PAUSE_S = 5.0
CANARY = f"canary:\n  steps: [{{weight: 10, pause: {CANARY_PAUSE_S:g}s}}, {{weight: 50, pause: {CANARY_PAUSE_S:g}s}}]\n"


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


def bench_canary(rounds: int = 3) -> str:
    """The floor is what no canary can beat: its pauses, plus one start and health proof of the new release
    (measured as a whole replicas-1 blue-green deploy, monitor off, so CLI start and the switch count too)."""
    canary, single = BenchProject(monitor="0s"), BenchProject(monitor="0s")
    ours, floors = [], []
    pauses = 2 * CANARY_PAUSE_S
    try:
        canary.spec("0", strategy="canary", extra=CANARY)
        canary.run("deploy")
        single.spec("0")
        single.run("deploy")
        for i in range(1, rounds + 1):
            canary.spec(str(i), strategy="canary", extra=CANARY)
            ours.append(_timed_deploy(canary))
            single.spec(str(i))
            floors.append(pauses + _timed_deploy(single))
    finally:
        canary.close()
        single.close()
    m_ours, m_floor = statistics.median(ours), statistics.median(floors)
    return (f"| canary, two {CANARY_PAUSE_S:g} s steps (weights 10, 50), instantly healthy app, monitor off "
            f"(median of {rounds}) | {m_ours:.3f} s | {m_floor:.3f} s (floor: {pauses:g} s of pauses + one "
            f"blue-green deploy, replicas 1) | {m_ours / m_floor:.2f}x | <= 1.2x |")


def section() -> str:
    """Run both and write bench/STRATEGIES_RESULTS.md, the BENCHMARKS.md section; returns its text."""
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    table = "\n".join([bench_rolling(), bench_canary()])
    text = f"""## Strategies

Command: `.venv/bin/python bench/strategies_bench.py` (run from the repo root, {started}).
Machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.machine()}. The sample app
(examples/hello/app.py), process target, HTTP router; each deploy timed from the CLI call to its exit.
Rounds interleave the measured deploy with its baseline, so both see the same load.

| what | shipmate | baseline (same run) | ratio | goal |
| --- | --- | --- | --- | --- |
{table}
"""
    (HERE / "STRATEGIES_RESULTS.md").write_text(text)
    return text


if __name__ == "__main__":
    print(section())
