"""CLI cold start: `shipmate --help` and `shipmate status --json`, against `python -c pass`.

Run: .venv/bin/python bench/cli_bench.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_project import SHIPMATE, BenchProject


def timed(argv: list[str], cwd: Path, env: dict[str, str], runs: int = 15) -> float:
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(argv, cwd=cwd, env=env, capture_output=True, check=True, timeout=60)
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def bench_cli() -> list[str]:
    proj = BenchProject(monitor="0s")
    try:
        proj.spec("1")
        proj.run("deploy")
        base = timed([sys.executable, "-c", "pass"], proj.root, proj.env)
        helps = timed([SHIPMATE, "--help"], proj.root, proj.env)
        status = timed([SHIPMATE, "status", "--json"], proj.root, proj.env)
    finally:
        proj.close()
    return [
        f"| `shipmate --help` cold start (median of 15) | {helps:.3f} s | {base:.3f} s (`python -c pass`) | "
        f"{helps / base:.1f}x | <= 0.3 s |",
        f"| `shipmate status --json`, one service deployed (median of 15) | {status:.3f} s | {base:.3f} s | "
        f"{status / base:.1f}x | <= 0.5 s |",
    ]


if __name__ == "__main__":
    print("\n".join(bench_cli()))
