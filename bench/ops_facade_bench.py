"""The lazy ops façade: what `from shipmate import ops; ops.status` costs, against loading every operation
(what the eager façade did) and against `python -c pass`, all measured in this run.

Run: .venv/bin/python bench/ops_facade_bench.py   (prints a Markdown section; about 20 s)
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

RUNS = 15
BASELINE = "pass"
LAZY = "from shipmate import ops; ops.status; import sys; print(len(sys.modules))"
EAGER = ("import pkgutil, importlib, sys, shipmate.ops as o; "
         "[importlib.import_module(m.name) for m in pkgutil.walk_packages(o.__path__, 'shipmate.ops.')]; "
         "print(len(sys.modules))")


def timed(code: str) -> tuple[float, int]:
    samples, modules = [], 0
    for _ in range(RUNS):
        t0 = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
        samples.append(time.perf_counter() - t0)
        modules = int(done.stdout.strip() or 0)
    return statistics.median(samples), modules


def section() -> str:
    base, _ = timed(BASELINE)
    lazy, lazy_modules = timed(LAZY)
    eager, eager_modules = timed(EAGER)
    return "\n".join([
        "## The ops façade: lazy names against every operation loaded",
        "",
        f"Median of {RUNS} cold interpreters each; `.venv/bin/python bench/ops_facade_bench.py`.",
        "",
        "| what is imported | time | modules | vs `python -c pass` |",
        "|---|---|---|---|",
        f"| `python -c pass` | {base:.3f} s | | 1.0x |",
        f"| `from shipmate import ops; ops.status` (lazy façade) | {lazy:.3f} s | {lazy_modules} | "
        f"{lazy / base:.1f}x |",
        f"| every `shipmate.ops` module (what the eager façade loaded) | {eager:.3f} s | {eager_modules} | "
        f"{eager / base:.1f}x |",
        "",
        f"Lazy / eager: {lazy / eager:.2f}x the time, {lazy_modules / eager_modules:.2f}x the modules.",
        "",
    ])


if __name__ == "__main__":
    print(section())
