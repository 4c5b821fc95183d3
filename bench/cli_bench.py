"""CLI cold start: `--help`, `--version`, `status --json` and `validate` against `python -c pass`, same run.

Each command is timed as a user runs it (the installed `shipmate` script, a fresh interpreter, one service
deployed); the samples of all commands interleave, so every median sees the same machine load.

Run: .venv/bin/python bench/cli_bench.py [--runs 15]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_project import SHIPMATE, BenchProject

# (label, argv after `shipmate`, goal in seconds on a quiet machine or None)
COMMANDS: tuple[tuple[str, tuple[str, ...], float | None], ...] = (
    ("`shipmate --help`", ("--help",), 0.08),
    ("`shipmate --version`", ("--version",), None),
    ("`shipmate status --json`, one service deployed", ("status", "--json"), 0.15),
    ("`shipmate validate`", ("validate",), 0.3),
)


def _once(argv: list[str], cwd: Path, env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(argv, cwd=cwd, env=env, capture_output=True, check=True, timeout=60)
    return time.perf_counter() - t0


def bench_cli(runs: int = 15) -> list[str]:
    proj = BenchProject(monitor="0s")
    try:
        proj.spec("1")
        proj.run("deploy")
        argvs = {"base": [sys.executable, "-c", "pass"], **{label: [SHIPMATE, *args] for label, args, _ in COMMANDS}}
        samples: dict[str, list[float]] = {key: [] for key in argvs}
        for _ in range(runs):   # interleaved: load that comes and goes hits every command alike
            for key, argv in argvs.items():
                samples[key].append(_once(argv, proj.root, proj.env))
    finally:
        proj.close()
    base = statistics.median(samples["base"])
    rows = []
    for label, _, goal in COMMANDS:
        median = statistics.median(samples[label])
        verdict = "-" if goal is None else f"<= {goal} s: {'met' if median <= goal else 'not met'}"
        rows.append(f"| {label} cold start (median of {runs}) | {median:.3f} s | {base:.3f} s (`python -c pass`) "
                    f"| {median / base:.1f}x | {verdict} |")
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    print("\n".join(bench_cli(parser.parse_args().runs)))
