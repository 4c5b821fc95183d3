"""`shipmate serve`'s three figures, each against a baseline measured in the same run.

Run: .venv/bin/python bench/serve_bench.py [--rounds 5] [--services 50] [--cpu-seconds 60] [--long]
1. restart: SIGKILL the app of the current release; time until the public port answers /health again, vs the
   sample app's own start (spawn -> /health 200) measured alone. Goal: <= the app's start + 0.5 s. Every kill
   is a first death (supervise.healthy_reset 1s), so the backoff of a real crash loop is not in the figure.
2. crash loop: a release that dies 2 s after every start becomes current; time until the last verified release
   serves again, with the default supervise settings (3 deaths in 5 min, backoff 0 s, 1 s, 2 s). Baseline: a
   manual `shipmate rollback` of the same service in the same run. Goal: <= 30 s.
3. CPU: serve watching --services services (one instance each, default supervise settings), CPU of one core
   averaged over --cpu-seconds (default 60 s; --long: 300 s, the issue's figure), vs serve watching one service.
   Goal: <= 2 %.
Everything runs in a temporary folder with its own XDG_STATE_HOME (the host registry of the run).
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psutil
from bench_project import REPO, SHIPMATE, BenchProject, free_port

APP = REPO / "examples" / "hello" / "app.py"


def _answers(port: int, path: str = "/health", version: str | None = None) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=1) as resp:
            body = resp.read().decode()
            return resp.status == 200 and (version is None or f'"version": "{version}"' in body)
    except OSError:
        return False


def _wait(condition: object, timeout: float) -> float:
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if condition():  # type: ignore[operator]
            return time.perf_counter() - start
        time.sleep(0.005)
    raise RuntimeError(f"still waiting after {timeout} s")


def app_start(rounds: int) -> float:
    """The sample app alone: spawn -> GET /health 200 (median)."""
    took = []
    for _ in range(rounds):
        port = free_port()
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, str(APP)], env={**os.environ, "PORT": str(port)},
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            _wait(lambda port=port: _answers(port), 30)
            took.append(time.perf_counter() - start)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    return statistics.median(took)


class Serve:
    def __init__(self, env: dict[str, str], *files: Path) -> None:
        self.port = free_port()
        argv = [SHIPMATE, "serve", "--port", str(self.port), *(a for f in files for a in ("-f", str(f)))]
        self.proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait(lambda: _answers(self.port, "/healthz"), 300)   # 50 fresh homes: the first pass is slow

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=30)


def _app_pid(project: BenchProject) -> int:
    instances = project.run("status")["environments"][0]["instances"]
    return int(next(i["pid"] for i in instances if i["role"] == "current" and i["alive"]))


def restart(rounds: int, env: dict[str, str]) -> float:
    project = BenchProject()
    project.env.update(env)
    # Each kill is a first death (the backoff starts over after 1 s healthy; no crash-loop count): the figure is
    # the restart itself, not the 1 s, 2 s, 4 s backoff a real crash loop gets.
    project.spec("1.0", extra="supervise: {healthy_reset: 1s, crash_loop: {deaths: 100, within: 1s}}\n")
    project.run("deploy")
    serve = Serve(project.env, project.root / "shipmate.yaml")
    took = []
    try:
        for _ in range(rounds):
            pid = _app_pid(project)
            os.kill(pid, signal.SIGKILL)
            start = time.perf_counter()   # the router holds requests while no backend is ready: the first 200 counts
            _wait(lambda: _answers(project.port), 60)
            took.append(time.perf_counter() - start)
            _wait(lambda pid=pid: _app_pid(project) != pid, 30)
            time.sleep(1.5)   # past healthy_reset
    finally:
        serve.stop()
        project.close()
    return statistics.median(took)


def crash_loop(env: dict[str, str]) -> tuple[float, float]:
    """(automatic: crash-looping v2 current -> v1 serving, manual `shipmate rollback` of the same change)."""
    project = BenchProject(monitor="1s")
    project.env.update(env)
    try:
        project.spec("1.0")
        project.run("deploy")
        project.spec("2.0", extra="")
        project.run("deploy")
        start = time.perf_counter()
        project.run("rollback")
        manual = time.perf_counter() - start
        serve = Serve(project.env, project.root / "shipmate.yaml")
        try:
            project.spec("3.0")
            crashing = (project.root / "shipmate.yaml").read_text().replace(
                '"app.py"]', '"app.py"], env: {HELLO_CRASH_AFTER: "2"}')
            (project.root / "shipmate.yaml").write_text(crashing)
            project.run("deploy")   # passes its 1 s window, then dies every 2 s
            automatic = _wait(lambda: _answers(project.port, "/") and not _answers(project.port, "/", version="3.0")
                              and project.run("status")["environments"][0]["current"]["version"] != "3.0", 120)
        finally:
            serve.stop()
        return automatic, manual
    finally:
        project.close()


def cpu(services: int, seconds: float, env: dict[str, str]) -> tuple[float, float]:
    """(% of one core with ``services`` watched, % with one), serve found through the host registry."""
    projects: list[BenchProject] = []
    # One host: every project shares the runtime dir (the routers' sockets), and serve gets the full environment
    # the deploys had. (An earlier version gave serve only XDG_STATE_HOME: it looked for 50 routers in another
    # runtime dir, could not start its own on their ports, and never finished a first pass.)
    env = {**os.environ, **env, "SHIPMATE_RUNTIME_DIR": tempfile.mkdtemp(prefix="shipmate-bench-run-"),
           "SHIPMATE_ACTOR": "bench"}
    try:
        for i in range(services):
            project = BenchProject()
            project.env.update(env)
            project.spec("1.0", extra="")
            text = (project.root / "shipmate.yaml").read_text().replace("service: bench", f"service: bench{i}")
            (project.root / "shipmate.yaml").write_text(text)
            project.run("deploy")
            projects.append(project)
        many = _serve_cpu(env, seconds, [])
        one = _serve_cpu(env, seconds, [projects[0].root / "shipmate.yaml"])
        return many, one
    finally:
        for project in projects:
            project.close()


def _serve_cpu(env: dict[str, str], seconds: float, files: list[Path]) -> float:
    serve = Serve(env, *files)
    try:
        time.sleep(5.0)   # adopted and settled
        proc = psutil.Process(serve.proc.pid)
        before, start = sum(proc.cpu_times()[:2]), time.perf_counter()
        time.sleep(seconds)
        used = sum(proc.cpu_times()[:2]) - before
        return 100.0 * used / (time.perf_counter() - start)
    finally:
        serve.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--services", type=int, default=50)
    parser.add_argument("--cpu-seconds", type=float, default=60.0)
    parser.add_argument("--long", action="store_true", help="CPU over 300 s, the issue's figure")
    parser.add_argument("--cpu-only", action="store_true", help="only the CPU figure (skip restarts, crash loop)")
    args = parser.parse_args()
    env = {"XDG_STATE_HOME": tempfile.mkdtemp(prefix="shipmate-bench-xdg-")}
    if args.cpu_only:
        _print_cpu(args, env)
        return
    base = app_start(args.rounds)
    back = restart(args.rounds, env)
    print(f"restart: SIGKILLed app -> serving again {back:.3f} s (median of {args.rounds}); the app's own start "
          f"{base:.3f} s; goal <= {base + 0.5:.3f} s; ratio {back / base:.2f}x", flush=True)
    automatic, manual = crash_loop(env)
    print(f"crash loop: crash-looping release current -> last verified serving {automatic:.2f} s (goal <= 30 s); "
          f"manual `shipmate rollback` {manual:.2f} s; ratio {automatic / manual:.2f}x", flush=True)
    _print_cpu(args, env)


def _print_cpu(args: argparse.Namespace, env: dict[str, str]) -> None:
    seconds = 300.0 if args.long else args.cpu_seconds
    many, one = cpu(args.services, seconds, env)
    print(f"cpu: serve watching {args.services} services {many:.2f} % of one core over {seconds:g} s "
          f"(goal <= 2 %); watching 1 service {one:.2f} %; ratio {many / max(one, 0.01):.1f}x", flush=True)


if __name__ == "__main__":
    main()
