"""The inbox at volume: N tasks dropped at once, processed exactly once each by two concurrent `inbox process`
processes, and what the inbox costs per task beyond the operation itself.

Run: .venv/bin/python bench/inbox_bench.py [--tasks 1000] [--real 5]

1. Volume (dry-run tasks, so 1,000 tasks take minutes, not the hours 1,000 real deploys would): N distinct tasks
   plus N/10 duplicates (a second file with a known trace id) are renamed into incoming/ at once; two
   `shipmate inbox process` processes start together. Checked: every trace id completed exactly once (one
   result.json each, every duplicate named as such, nothing rejected, nothing left in incoming/ or active/).
   Baseline, same run: the same number of `deploy --dry-run` calls through ops, directly, in one process.
2. Real deploys (--real, default 5): tasks that deploy the sample app for real (process target, blue-green, monitor
   off, no verification) vs the same deploys called directly through ops, alternating, same machine load.
Per-task overhead = (inbox time - direct time) / tasks.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench_project import SHIPMATE, BenchProject


def _task(trace: str, category: str = "dry-run", version: str | None = None) -> dict[str, Any]:
    return {"trace_id": trace, "category": category, "environment": "default", "version": version,
            "scope": {"services": ["bench"]}, "requested_by": "bench"}


def _drop_all(root: Path, tasks: list[tuple[str, dict[str, Any]]]) -> None:
    """Write every task in tmp/, then rename them all into incoming/ in one burst."""
    tmp, incoming = root / "inbox" / "tmp", root / "inbox" / "incoming"
    tmp.mkdir(parents=True, exist_ok=True)
    incoming.mkdir(parents=True, exist_ok=True)
    for name, task in tasks:
        (tmp / name).write_text(json.dumps(task))
    for name, _ in tasks:
        os.rename(tmp / name, incoming / name)


def volume(n: int) -> dict[str, Any]:
    project = BenchProject()
    try:
        project.spec("1.0.0")
        spec = str(project.root / "shipmate.yaml")
        from shipmate import ops

        ops.deploy(spec, dry_run=True)   # warm imports for the baseline
        started = time.perf_counter()
        for _ in range(n):
            ops.deploy(spec, dry_run=True)
        direct_s = time.perf_counter() - started

        dups = max(1, n // 10)
        tasks = [(f"t{i:05d}.json", _task(f"T-{i:05d}")) for i in range(n)]
        tasks += [(f"dup{i:05d}.json", _task(f"T-{i:05d}")) for i in range(dups)]
        _drop_all(project.root, tasks)
        started = time.perf_counter()
        procs = [subprocess.Popen([SHIPMATE, "inbox", "process", "--json"], cwd=project.root, env=project.env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
        outs = [p.communicate(timeout=7200) for p in procs]
        inbox_s = time.perf_counter() - started
        for proc, (out, err) in zip(procs, outs, strict=True):
            if proc.returncode != 0:
                raise RuntimeError(f"inbox process exited {proc.returncode}: {out[-500:]} {err[-2000:]}")
        handled = [t for out, _ in outs for t in json.loads(out)["tasks"]]
        box = project.root / "inbox"
        results = [json.loads(p.read_text()) for p in (box / "completed").glob("*.result.json")]
        completed = sorted(r["trace_id"] for r in results if r["status"] == "completed")
        duplicates = [r for r in results if r["status"] == "duplicate"]
        exactly_once = (completed == sorted(f"T-{i:05d}" for i in range(n)) and len(duplicates) == dups
                        and not list((box / "rejected").iterdir()) and not list((box / "incoming").iterdir())
                        and not list((box / "active").iterdir()) and len(handled) == n + dups)
        split = [sum(1 for t in json.loads(out)["tasks"] if t["status"] == "completed") for out, _ in outs]
        return {"n": n, "dups": dups, "direct_s": direct_s, "inbox_s": inbox_s, "exactly_once": exactly_once,
                "split": split}
    finally:
        project.close()


def real(rounds: int) -> dict[str, Any]:
    project = BenchProject()
    try:
        project.spec("0.0.0")
        spec = str(project.root / "shipmate.yaml")
        from shipmate import ops

        ops.deploy(spec)
        direct: list[float] = []
        inbox: list[float] = []
        for i in range(rounds):
            started = time.perf_counter()
            done = ops.deploy(spec, version=f"d{i}")
            direct.append(time.perf_counter() - started)
            assert done["state"] == "succeeded", done
            _drop_all(project.root, [(f"r{i}.json", _task(f"R-{i}", "deployment", f"i{i}"))])
            started = time.perf_counter()
            out = ops.inbox_process(spec).to_json()
            inbox.append(time.perf_counter() - started)
            assert out["by_status"] == {"completed": 1}, out
        return {"rounds": rounds, "direct_s": statistics.median(direct), "inbox_s": statistics.median(inbox)}
    finally:
        project.close()


def section(tasks: int = 1000, rounds: int = 5) -> str:
    import platform

    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    vol = volume(tasks)
    rl = real(rounds)
    per_dry = (vol["inbox_s"] - vol["direct_s"]) / vol["n"]
    per_real = rl["inbox_s"] - rl["direct_s"]
    ok = "yes" if vol["exactly_once"] else "NO"
    rows = "\n".join("| " + " | ".join(cells) + " |" for cells in (
        (f"{tasks} dry-run tasks + {vol['dups']} duplicates, 2 processors at once, each trace id acted on exactly "
         f"once: {ok}", f"{vol['inbox_s']:.1f} s", f"{vol['direct_s']:.1f} s ({tasks} direct dry-run deploys)",
         f"{vol['inbox_s'] / vol['direct_s']:.2f}x", "exactly once"),
        (f"time per task beyond the operation, dry-run (total difference / {tasks})", f"{per_dry * 1000:.1f} ms",
         "-", "-", "-"),
        (f"real deploy through the inbox, median of {rl['rounds']}", f"{rl['inbox_s']:.3f} s",
         f"{rl['direct_s']:.3f} s (the same deploy called directly)", f"{rl['inbox_s'] / rl['direct_s']:.2f}x", "-"),
        ("time per task beyond the deploy itself, real deploys", f"{per_real * 1000:.0f} ms", "-", "-", "-")))
    return f"""## Inbox: {tasks} tasks at once, exactly once

Command: `.venv/bin/python bench/inbox_bench.py --tasks {tasks} --real {rounds}` (run from the repo root, {when}).
Machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.machine()}.
{tasks} dry-run tasks (category dry-run: spec, plan and every gate's answer, nothing started) plus {vol['dups']}
duplicate files of known trace ids, renamed into incoming/ in one burst; two `shipmate inbox process` processes
started together (they split the work {vol['split'][0]} / {vol['split'][1]}). Baseline: the same number of
`deploy --dry-run` calls through ops in one process. Real deploys: the sample app, process target, blue-green,
monitor off, a new version each time; a task (one `inbox_process` pass) vs `ops.deploy` directly, alternating.

| what | inbox | baseline (same run) | ratio | goal |
| --- | --- | --- | --- | --- |
{rows}
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--real", type=int, default=5)
    args = parser.parse_args()
    sys.stdout.write(section(args.tasks, args.real))


if __name__ == "__main__":
    main()
