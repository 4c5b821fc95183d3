"""Where `shipmate serve`'s own CPU goes: serve over N services run under a per-thread CPU profiler.

Run: .venv/bin/python bench/serve_profile.py [--services 50] [--seconds 120] [--uptime "{interval: 5s}"] [--top 40]
Deploys --services sample apps (as bench/uptime_bench.py does), starts `shipmate serve` in a child process whose
every thread is profiled with cProfile on the thread's own CPU clock (time.thread_time: waits cost nothing), stops
it after --seconds and prints the merged profile sorted by own time, and serve's CPU % over the same span.
Not a figure with a goal: a tool to find what costs (the figures are uptime_bench.py and serve_bench.py).
"""

from __future__ import annotations

import argparse
import os
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
from bench_project import BenchProject, free_port
from serve_bench import _answers, _wait
from uptime_bench import _specs

# The child: every thread (and the main one) gets its own profiler on its own CPU clock; merged at exit.
CHILD = r"""
import cProfile, sys, threading, time
out = sys.argv[1]
profiles = []
_run = threading.Thread.run
def run(self):
    prof = cProfile.Profile(time.thread_time)
    profiles.append(prof)
    prof.enable()
    try:
        _run(self)
    finally:
        prof.disable()
threading.Thread.run = run
main = cProfile.Profile(time.thread_time)
profiles.append(main)
sys.argv = ["shipmate", *sys.argv[2:]]
main.enable()
try:
    from shipmate.program import run as shipmate
    shipmate()
except SystemExit:
    pass
finally:
    main.disable()
    import pstats
    stats = None
    for prof in profiles:
        try:
            prof.create_stats()
            stats = pstats.Stats(prof) if stats is None else stats.add(prof)
        except Exception:
            pass
    if stats is not None:
        stats.dump_stats(out)
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--services", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--uptime", default="{interval: 5s}")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--out", default=str(Path(tempfile.gettempdir()) / "shipmate-serve.prof"))
    args = parser.parse_args()
    env = {**os.environ, "XDG_STATE_HOME": tempfile.mkdtemp(prefix="shipmate-bench-xdg-"),
           "SHIPMATE_RUNTIME_DIR": tempfile.mkdtemp(prefix="shipmate-bench-run-"), "SHIPMATE_ACTOR": "bench"}
    projects: list[BenchProject] = []
    try:
        for _ in range(args.services):
            project = BenchProject()
            project.env.update(env)
            projects.append(project)
        _specs(projects, args.uptime)
        for project in projects:
            project.run("deploy")
        port = free_port()
        proc = subprocess.Popen([sys.executable, "-c", CHILD, args.out, "serve", "--port", str(port)], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            _wait(lambda: _answers(port, "/healthz"), 300)
            time.sleep(10.0)
            ps = psutil.Process(proc.pid)
            before, start = sum(ps.cpu_times()[:2]), time.perf_counter()
            time.sleep(args.seconds)
            used = sum(ps.cpu_times()[:2]) - before
            print(f"serve CPU (profiled, so higher than unprofiled): {100 * used / (time.perf_counter() - start):.2f} %"
                  f" of one core over {args.seconds:g} s, {args.services} services, uptime {args.uptime}", flush=True)
        finally:
            proc.terminate()
            proc.wait(timeout=60)
        stats = pstats.Stats(args.out)
        stats.sort_stats("tottime").print_stats(args.top)
        stats.sort_stats("cumulative").print_stats(args.top)
    finally:
        for project in projects:
            project.close()


if __name__ == "__main__":
    main()
