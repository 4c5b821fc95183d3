"""A stack of 5 services: wall time of one `deploy -f shipmate.stack.yaml` vs 5 sequential single deploys, and
the all-or-nothing undo when the last member fails vs putting 4 members back by hand (4 `shipmate rollback`).

Every member is the sample app (examples/hello) in a folder of its own (its own home and router), blue-green with
a 1 s monitor window; the stack is a chain s1 <- s2 <- ... <- s5. Both sides of each ratio run in the same round,
through the installed CLI, on the same machine.

Run: .venv/bin/python bench/stack_bench.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_project import REPO, SHIPMATE, free_port

MEMBERS = [f"s{i}" for i in range(1, 6)]


class StackBench:
    def __init__(self) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="shipmate-stack-bench-"))
        self.root = self.tmp / "proj"
        self.ports = {m: free_port() for m in MEMBERS}
        self.env = {**os.environ, "SHIPMATE_RUNTIME_DIR": str(self.tmp / "run"), "SHIPMATE_ACTOR": "bench"}
        self.env.pop("SHIPMATE_HOME", None)
        for member in MEMBERS:
            (self.root / member).mkdir(parents=True)
            shutil.copy(REPO / "examples" / "hello" / "app.py", self.root / member / "app.py")
        lines = ["stack: bench", "services:"]
        for i, member in enumerate(MEMBERS):
            after = f", depends_on: [{MEMBERS[i - 1]}]" if i else ""
            lines.append(f"  {member}: {{spec: {member}/shipmate.yaml{after}}}")
        (self.root / "shipmate.stack.yaml").write_text("\n".join(lines) + "\n")

    def specs(self, version: str, *, fail_last: bool = False) -> None:
        for member in MEMBERS:
            fail = fail_last and member == MEMBERS[-1]
            (self.root / member / "shipmate.yaml").write_text(f"""service: {member}
version: "{version}"
port: {self.ports[member]}
target:
  kind: process
  command: ["{sys.executable}", "app.py"]
  stop_grace: 5s
  env: {{HELLO_FAIL_HEALTH: "{1 if fail else 0}"}}
health: {{interval: 50ms, deadline: {"2s" if fail else "20s"}, checks: [{{http: {{path: /health}}}}]}}
strategy: blue-green
drain: 1s
monitor: {{duration: 1s, interval: 100ms, min_samples: 3}}
""")

    def run(self, *args: str, expect: int = 0) -> tuple[float, dict[str, Any]]:
        t0 = time.perf_counter()
        proc = subprocess.run([SHIPMATE, *args, "--json"], cwd=self.root, env=self.env, capture_output=True,
                              text=True, timeout=600)
        took = time.perf_counter() - t0
        if proc.returncode != expect:
            raise RuntimeError(f"shipmate {' '.join(args)} exited {proc.returncode}: {proc.stdout} {proc.stderr}")
        out: dict[str, Any] = json.loads(proc.stdout)
        return took, out

    def undo_seconds(self, run_id: str) -> float:
        """From the stack run turning to rolling_back (the last member failed) to its end, as the store says."""
        db = sqlite3.connect(self.root / ".shipmate" / "state.db")
        try:
            finished = db.execute("SELECT finished_at FROM stack_runs WHERE id = ?", (run_id,)).fetchone()[0]
            ts = db.execute("SELECT ts FROM events WHERE event_type = 'stack.deploy.rolling_back' "
                            "ORDER BY seq DESC LIMIT 1").fetchone()[0]
        finally:
            db.close()
        return float(finished) - datetime.fromisoformat(ts).timestamp()

    def close(self) -> None:
        subprocess.run([SHIPMATE, "down", "-f", "shipmate.stack.yaml"], cwd=self.root, env=self.env,
                       capture_output=True, timeout=300)
        for member in MEMBERS:
            pid_file = self.root / member / ".shipmate" / "router" / "router.pid"
            if pid_file.exists():
                with contextlib.suppress(ValueError, ProcessLookupError, IndexError):
                    os.kill(int(pid_file.read_text().split()[0]), signal.SIGKILL)
        shutil.rmtree(self.tmp, ignore_errors=True)


def bench(rounds: int) -> str:
    b = StackBench()
    singles, stacks, manual, undos, failed_total = [], [], [], [], []
    version = 0
    try:
        b.specs("0")
        b.run("deploy", "-f", "shipmate.stack.yaml")   # warm-up: every member runs, routers up
        for _ in range(rounds):
            version += 1
            b.specs(str(version))
            t0 = time.perf_counter()
            for member in MEMBERS:
                b.run("deploy", "-f", f"{member}/shipmate.yaml")
            singles.append(time.perf_counter() - t0)
            version += 1
            b.specs(str(version))
            took, out = b.run("deploy", "-f", "shipmate.stack.yaml")
            assert out["state"] == "succeeded", out
            stacks.append(took)
            # by hand: 4 members put back one command at a time (what the stack's undo does for you)
            t0 = time.perf_counter()
            for member in reversed(MEMBERS[:-1]):
                b.run("rollback", "-f", f"{member}/shipmate.yaml", "--no-monitor")
            manual.append(time.perf_counter() - t0)
            b.run("deploy", "-f", "shipmate.stack.yaml")   # all five on `version` again
            version += 1
            b.specs(str(version), fail_last=True)
            took, out = b.run("deploy", "-f", "shipmate.stack.yaml", expect=1)
            run = out["error"]["details"]["stack_run"]
            assert run["state"] == "rolled_back", run
            assert [m["state"] for m in run["members"]] == ["undone"] * 4 + ["failed"], run
            failed_total.append(took)
            undos.append(b.undo_seconds(run["stack_run_id"]))
    finally:
        b.close()
    med = statistics.median
    return "\n".join([
        f"## Stacks: 5 services released together ({platform.machine()}, {os.cpu_count()} cores, {rounds} rounds)",
        "",
        "| measure | median | baseline (same run) | ratio |",
        "|---|---|---|---|",
        f"| `deploy -f shipmate.stack.yaml` (5 members, chain) | {med(stacks):.2f} s | 5 sequential "
        f"`deploy -f sN/shipmate.yaml`: {med(singles):.2f} s | {med(stacks) / med(singles):.2f}x |",
        f"| all-or-nothing undo when the 5th fails (4 members put back) | {med(undos):.2f} s | 4 sequential "
        f"`rollback --no-monitor`: {med(manual):.2f} s | {med(undos) / med(manual):.2f}x |",
        f"| the failing stack deploy, end to end (4 deployed, 5th fails health, 4 undone) | "
        f"{med(failed_total):.2f} s | | |",
        "",
        "Run: `.venv/bin/python bench/stack_bench.py --rounds " + str(rounds) + "`",
    ])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    print(bench(parser.parse_args().rounds))


if __name__ == "__main__":
    main()
