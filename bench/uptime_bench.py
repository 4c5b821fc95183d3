"""Uptime in `shipmate serve`: its CPU with every service checked from outside, and the store's growth.

Run: .venv/bin/python bench/uptime_bench.py [--services 50] [--seconds 300] [--interval 5s]
1. CPU: --services services deployed (the sample app, one instance each), `serve` watching all of them through the
   host registry with `uptime: {interval: 5s}`; CPU of one core averaged over --seconds (default 300 s, the issue's
   figure). Baseline, same run, same services: serve with `uptime: {enabled: false}` (liveness, routers and the
   rest of serve unchanged). Goal: serve's CPU <= 3 % of one core with uptime on; the difference is uptime's cost.
2. Store growth per service-year: one service's year written through the real repository (raw samples at the
   interval for the raw retention, then hourly rollups for 8,760 hours), the database file measured; beside it
   what keeping every raw sample for a year would take (the baseline: no rollups, Uptime Kuma's way).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import psutil
from bench_project import BenchProject
from serve_bench import Serve

from shipmate.spec.durations import parse_duration
from shipmate.store.store import Store
from shipmate.store.uptime_rows import UptimeSample

YEAR_H = 8760


def _specs(projects: list[BenchProject], uptime: str) -> None:
    for i, project in enumerate(projects):
        project.spec("1.0", extra=f"uptime: {uptime}\nslo: {{target: 99.9, window: 30d}}\n")
        path = project.root / "shipmate.yaml"
        path.write_text(path.read_text().replace("service: bench", f"service: bench{i}"))


def _serve_cpu(env: dict[str, str], seconds: float) -> float:
    serve = Serve(env)
    try:
        time.sleep(10.0)   # adopted, first checks scheduled, settled
        proc = psutil.Process(serve.proc.pid)
        before, start = sum(proc.cpu_times()[:2]), time.perf_counter()
        time.sleep(seconds)
        used = sum(proc.cpu_times()[:2]) - before
        return 100.0 * used / (time.perf_counter() - start)
    finally:
        serve.stop()


def cpu(services: int, seconds: float, interval: str) -> tuple[float, float, int]:
    """(% of a core with uptime on, % with uptime off, checks recorded while on)."""
    env = {**os.environ, "XDG_STATE_HOME": tempfile.mkdtemp(prefix="shipmate-bench-xdg-"),
           "SHIPMATE_RUNTIME_DIR": tempfile.mkdtemp(prefix="shipmate-bench-run-"), "SHIPMATE_ACTOR": "bench"}
    projects: list[BenchProject] = []
    try:
        for _ in range(services):
            project = BenchProject()
            project.env.update(env)
            projects.append(project)
        _specs(projects, f"{{interval: {interval}}}")
        for project in projects:
            project.run("deploy")
        on = _serve_cpu(env, seconds)
        checks = 0
        for project in projects:
            with Store.open(project.root / ".shipmate") as store:
                checks += store.uptime.table_rows()["uptime_samples"]
        _specs(projects, "{enabled: false}")
        off = _serve_cpu(env, seconds)
        return on, off, checks
    finally:
        for project in projects:
            project.close()


def growth(interval_s: float, raw_retention_s: float) -> tuple[int, int, int]:
    """(bytes for one service-year with rollups, bytes of the raw part alone, bytes keeping every raw sample)."""
    from shipmate.store.uptime import UptimeRepository

    with tempfile.TemporaryDirectory(prefix="shipmate-bench-growth-") as tmp:
        home = Path(tmp) / "home"
        raw_n = int(raw_retention_s / interval_s)
        start = 1_800_000_000 - 1_800_000_000 % 3600
        with Store.open(home):
            pass
        empty = _size(home)
        with Store.open(home) as store:
            batch = [UptimeSample("service-name", "production", start + i * interval_s, i % 500 != 0,
                                  20.0 + i % 40, interval_s) for i in range(raw_n)]
            for k in range(0, raw_n, 5000):
                store.uptime.record(batch[k:k + 5000])
        raw_only = _size(home) - empty
        with Store.open(home) as store:
            store.uptime.roll_up(start, start + raw_retention_s)   # the raw hours' real rollup rows
            rolled = store.uptime.hourly("service-name", "production", start, start + raw_retention_s)
            with store._write() as tx:   # the rest of 400 days: rows shaped like the real ones
                for h in range(len(rolled), 400 * 24):
                    UptimeRepository._put_hour(tx.conn, "service-name", "production", start - h * 3600,
                                               rolled[h % len(rolled)][1])
        with_rollups = _size(home) - empty
        keep_all = int(raw_only / raw_n * (365 * 86400 / interval_s))   # baseline: every raw sample for a year
        return with_rollups, raw_only, keep_all


def _size(home: Path) -> int:
    """The database file once closed (SQLite folds its write-ahead log back in on the last close)."""
    return sum(p.stat().st_size for p in home.glob("state.db*"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--services", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=300.0)
    parser.add_argument("--interval", default="5s")
    parser.add_argument("--growth-only", action="store_true")
    args = parser.parse_args()
    interval = parse_duration(args.interval)
    for label, every in (("5 s", 5.0), ("30 s (default)", 30.0)):
        total, raw, keep_all = growth(every, 7 * 86400)
        print(f"store growth per service-year at {label}: {total / 1e6:.2f} MB with 7 d raw + hourly rollups "
              f"(raw part {raw / 1e6:.2f} MB); keeping every sample a year: {keep_all / 1e6:.1f} MB; "
              f"ratio {keep_all / total:.1f}x", flush=True)
    if args.growth_only:
        return
    on, off, checks = cpu(args.services, args.seconds, args.interval)
    expected = args.services * args.seconds / interval
    print(f"cpu: serve with uptime on ({args.services} services every {args.interval}) {on:.2f} % of one core over "
          f"{args.seconds:g} s (goal <= 3 %); uptime off {off:.2f} %; uptime's cost {on - off:+.2f} % "
          f"(ratio {on / max(off, 0.01):.2f}x); checks recorded {checks} (~{expected:.0f} expected)", flush=True)


if __name__ == "__main__":
    main()
