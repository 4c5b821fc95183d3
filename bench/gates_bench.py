"""What the safe-promotion gates cost: a deploy through every gate vs the same deploy with none, and how fast a
deploy held for approval resumes after `shipmate approve`.

Run: .venv/bin/python bench/gates_bench.py [--rounds 5]
Both deploys go through the CLI on the sample app (process target, blue-green, monitor off) and alternate, so
both see the same load. The gated environment has a policy (require_passed_in off, a freeze window that is not
now, allow_dirty), a pre_deploy and a post_deploy hook (/bin/true), confidence, `approval: {auto_if_confidence:
0.0}` (so it is granted by itself and no person is waited for) and a SQLite backup before the deploy.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import subprocess
import time
from typing import Any

from bench_project import SHIPMATE, BenchProject, free_port

GATED = """backup:
  paths: [{{sqlite: app.db}}]
hooks:
  pre_deploy: [{{run: ["/bin/true"]}}]
  post_deploy: [{{run: ["/bin/true"]}}]
environments:
  plain: {{}}
  gated:
    port: {port}
    protected: true
    approval: {approval}
    backup_before_deploy: true
    policy: {{freeze: ["2001-01-01 00:00-2001-01-02 00:00"], allow_dirty: true}}
"""


def _deploy(project: BenchProject, env: str, version: str) -> float:
    project.spec(version, extra=GATED.format(port=project.gated_port,  # type: ignore[attr-defined]
                                             approval="{auto_if_confidence: 0.0}"))
    started = time.perf_counter()
    out = project.run("deploy", "-e", env)
    took = time.perf_counter() - started
    assert out["state"] == "succeeded", out
    return took


def gate_cost(rounds: int) -> tuple[float, float]:
    project = BenchProject()
    project.gated_port = free_port()  # type: ignore[attr-defined]
    with sqlite3.connect(project.root / "app.db") as db:
        db.execute("CREATE TABLE IF NOT EXISTS t (x INTEGER)")
    db.close()
    plain: list[float] = []
    gated: list[float] = []
    try:
        for i in range(rounds + 1):   # the first round warms both environments up; it is not counted
            a, b = _deploy(project, "plain", f"1.{i}"), _deploy(project, "gated", f"1.{i}")
            if i:
                plain.append(a)
                gated.append(b)
        project.run("down", "-e", "plain")
        # down is gated too (and no confidence score applies to it): the bench lifts the gate to clean up
        project.spec("done", extra=GATED.format(port=project.gated_port, approval="none"))  # type: ignore[attr-defined]
        project.run("down", "-e", "gated")
    finally:
        project.close()
    return statistics.median(gated), statistics.median(plain)


def approval_resume(rounds: int) -> list[float]:
    """Seconds from `approval.decided` to `approval.used` of a deploy that waits (poll interval 0.5 s)."""
    project = BenchProject()
    gaps: list[float] = []
    try:
        for i in range(rounds):
            project.spec(f"2.{i}", extra="environments:\n  production: {approval: required}\n")
            waiting = subprocess.Popen([SHIPMATE, "deploy", "--json"], cwd=project.root,
                                       env={**project.env, "SHIPMATE_ACTOR": "agent:bench"},
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            pending = _wait_pending(project)
            project.run("approve", pending)
            out, err = waiting.communicate(timeout=120)
            assert waiting.returncode == 0, (out, err)
            events = project.run("events", "--limit", "500")["events"]
            times = {e["event_type"]: _ts(e["timestamp"]) for e in events if e.get("notes") == pending
                     or e.get("data", {}).get("approval_id") == pending}
            gaps.append(times["approval.used"] - times["approval.decided"])
        project.spec("done", extra="environments:\n  production: {approval: none}\n")
        project.run("down")
    finally:
        project.close()
    return gaps


def _wait_pending(project: BenchProject) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        rows = [r for r in project.run("approvals")["approvals"] if r["state"] == "pending"]
        if rows:
            return str(rows[0]["id"])
        time.sleep(0.1)
    raise RuntimeError("no pending approval within 60 s")


def _ts(text: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def bench(rounds: int) -> str:
    gated, plain = gate_cost(rounds)
    gaps = approval_resume(rounds)
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    rows: list[dict[str, Any]] = [
        {"what": f"deploy through every gate (policy, 2 hooks, confidence, auto approval, SQLite backup), CLI, "
                 f"median of {rounds}", "shipmate": f"{gated:.3f} s",
         "baseline": f"{plain:.3f} s (the same deploy in an environment with no gates)",
         "ratio": f"{gated / plain:.2f}x", "goal": "<= 1.5x"},
        {"what": f"a deploy held for approval resumes after `shipmate approve` (approval.decided -> approval.used), "
                 f"max of {rounds}", "shipmate": f"{max(gaps):.2f} s (median {statistics.median(gaps):.2f} s)",
         "baseline": "0.5 s (the waiting command's poll interval)",
         "ratio": f"{max(gaps) / 0.5:.2f}x", "goal": "<= 2x"},
    ]
    table = "\n".join(f"| {r['what']} | {r['shipmate']} | {r['baseline']} | {r['ratio']} | {r['goal']} |" for r in rows)
    return f"""## Safe promotion: the cost of the gates

Command: `.venv/bin/python bench/gates_bench.py --rounds {rounds}` (run from the repo root, {when}).
The sample app on the process target, blue-green, monitor off; the gated and the plain deploy alternate so both
see the same load. Approval: an environment with `approval: required`, a deploy waiting in another process,
`shipmate approve`.

| what | shipmate | baseline (same run) | ratio | goal |
| --- | --- | --- | --- | --- |
{table}
"""


def section() -> str:
    return bench(5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=5)
    print(bench(parser.parse_args().rounds))


if __name__ == "__main__":
    main()
