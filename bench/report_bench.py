"""`shipmate report --period month` over 10,000 production deployments, against reading the same rows alone.

The state database holds a month of history: N deployments (15 % rolled back or failed, each with its events:
started, rolling_back, the end), automatic rollbacks with their rollback deployments, 300 approvals, 500 failure
memory entries, and serve's hourly uptime samples. The report (`ops.report` + Markdown, in a warm process, as
`serve` and the dashboard run it; and a `shipmate report` CLI process) is timed against the baseline: the same
store queries alone (`store.reports.*` + the uptime counts), no figures computed, nothing rendered.

A CLI process adds Python's start-up and imports (pydantic for the spec, SQLAlchemy, Jinja2 for html): the last
row times `shipmate report` on a project that was never deployed, for scale.

Run: .venv/bin/python bench/report_bench.py [--deployments 10000] [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

SHIPMATE = str(Path(sys.executable).parent / "shipmate")
END = datetime(2026, 12, 1, tzinfo=UTC).timestamp()
START = datetime(2026, 11, 1, tzinfo=UTC).timestamp()
SPEC = """service: web
version: "1.0.0"
port: 18080
target: {kind: process, command: ["python3", "-m", "http.server", "18081"]}
environments: {production: {}}
"""


def build(home: Path, count: int, rng: random.Random) -> None:
    """Write the history in a few transactions through the store's own tables and event log."""
    import shipmate.store.events as events
    from shipmate.store import schema
    from shipmate.store.store import Store
    from shipmate.store.uptime_rows import UptimeSample

    clock = [START]
    events.utc_timestamp = lambda: datetime.fromtimestamp(clock[0], UTC).isoformat(  # type: ignore[assignment]
        timespec="microseconds").replace("+00:00", "Z")
    store = Store.open(home)
    step = (END - START - 3600) / count
    with store._write() as tx:   # a bench fills the database in one transaction
        conn = tx.conn
        releases = [{"id": f"rel_{i:06d}", "service": "web", "version": f"1.{i // 100}.{i % 100}",
                     "digest": f"sha256:{i}", "spec": {}, "target_kind": "process", "created_at": START}
                    for i in range(count)]
        conn.execute(schema.releases.insert(), releases)
        rows = []
        for i in range(count):
            start = START + i * step
            roll = rng.random()
            state = "succeeded" if roll > 0.15 else "rolled_back" if roll > 0.03 else "failed"
            kind = "rollback" if i % 50 == 49 else "deploy"
            rows.append({"id": f"dep_{i:06d}", "service": "web", "environment": "production",
                         "release_id": f"rel_{i:06d}", "previous_release_id": None, "kind": kind,
                         "strategy": "blue-green", "state": state, "plan": {}, "trace_id": f"t{i}",
                         "actor": "shipmate-serve" if kind == "rollback" else "alice", "fencing": 1,
                         "started_at": start, "updated_at": start + 60, "finished_at": start + 60,
                         "error": None if state == "succeeded" else "monitor window fail: error rate",
                         "verdict": None, "verified": state == "succeeded",
                         "confidence": {"score": round(rng.random(), 2), "factors": []}, "origin": None})
            for event_type, at in (("deployment.started", start),
                                   *((("deployment.rolling_back", start + 40),) if state != "succeeded" else ()),
                                   (f"deployment.{state}", start + 60)):
                clock[0] = at
                events.append(conn, event_type=event_type, service="web", environment="production",
                              version=releases[i]["version"], status=state, deployment_id=f"dep_{i:06d}",
                              trace_id=f"t{i}", duration_seconds=None, errors=(), notes="", deployed_by="alice",
                              data=None)
            if kind == "rollback":
                clock[0] = start - 5
                events.append(conn, event_type="rollback.automatic", service="web", environment="production",
                              version=releases[i - 1]["version"], status="started", deployment_id=None,
                              trace_id=None, duration_seconds=None, errors=(), notes="crash loop",
                              deployed_by="shipmate-serve", data={})
        conn.execute(schema.deployments.insert(), rows)
        conn.execute(schema.approvals.insert(), [
            {"id": f"apr_{i:06d}", "service": "web", "environment": "production", "action": "deploy",
             "release_id": None, "version": "x", "digest": "d", "requested_by": "agent", "requested_face": "cli",
             "requested_at": START + i * 8000, "expires_at": END + 86400, "state": "approved",
             "decided_by": "bob", "decided_face": "cli", "decided_at": START + i * 8000 + rng.uniform(10, 3600),
             "comment": None, "code_hash": None, "diff": {}, "confidence": None, "used_by_deployment": None}
            for i in range(300)])
    for i in range(500):
        store.memory.record_failure({"key": f"sig_{i % 40:016d}", "version": 1, "phase": "monitor",
                                     "target_kind": "process", "error_code": "window", "exit_code": None,
                                     "text": f"error rate over limit <n> ({i % 40})"}, service="web",
                                    environment="production", deployment_id=None, kind="deploy",
                                    message="error rate", shown_fix_ids=[])
    hours = int((END - START) // 3600)
    store.uptime.record([UptimeSample("web", "production", START + h * 3600.0, rng.random() > 0.01, 10.0, 3600.0)
                         for h in range(hours)])
    store.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--deployments", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(20)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "shipmate.yaml").write_text(SPEC)
        t0 = time.perf_counter()
        build(root / ".shipmate", args.deployments, rng)
        print(f"built {args.deployments} deployments in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        os.environ.pop("SHIPMATE_HOME", None)
        from shipmate import ops
        from shipmate.ops.common.uptime_reading import uptime_over
        from shipmate.store.store import Store

        spec = str(root / "shipmate.yaml")
        since = "2026-11-01"

        def report() -> str:
            return ops.render_report(ops.report(spec, period="month", since=since, fmt="md"), "md")

        def rows_alone() -> int:
            with Store.open_readonly(root / ".shipmate") as store:   # type: ignore[union-attr]
                facts = store.reports.deploy_facts("production", START)
                autos = store.reports.auto_rollbacks("production", START)
                approvals = store.reports.approvals("production", START, END)
                sigs = store.reports.failure_signatures("production", START, END)
                up = uptime_over(store, "web", "production", since=START, until=END)
                return len(facts) + len(autos) + len(approvals) + len(sigs) + up.checks

        text = report()
        assert "Change failure rate" in text and rows_alone() > args.deployments
        empty = root / "empty"
        empty.mkdir()
        (empty / "shipmate.yaml").write_text(SPEC)
        timed: dict[str, list[float]] = {"report": [], "rows": [], "cli": [], "cli_empty": []}
        for _ in range(args.runs):   # interleaved: both see the same machine load
            for name, fn in (("report", report), ("rows", rows_alone)):
                t = time.perf_counter()
                fn()
                timed[name].append(time.perf_counter() - t)
            t = time.perf_counter()
            subprocess.run([SHIPMATE, "report", "-f", spec, "--period", "month", "--since", since, "--format",
                            "md"], check=True, capture_output=True, timeout=120)
            timed["cli"].append(time.perf_counter() - t)
            t = time.perf_counter()
            subprocess.run([SHIPMATE, "report", "-f", str(empty / "shipmate.yaml"), "--period", "month", "--since",
                            since, "--format", "md"], check=True, capture_output=True, timeout=120)
            timed["cli_empty"].append(time.perf_counter() - t)
        med = {k: statistics.median(v) for k, v in timed.items()}
        print(f"Machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, load average "
              f"{os.getloadavg()[0]:.1f}; {args.deployments} deployments, median of {args.runs}")
        print("| what | shipmate | baseline (same run) | ratio | goal |")
        print("| --- | --- | --- | --- | --- |")
        print(f"| `report --period month` (ops.report + Markdown, warm process) | {med['report'] * 1000:.0f} ms | "
              f"{med['rows'] * 1000:.0f} ms (the same rows read alone) | {med['report'] / med['rows']:.2f}x | <= 1 s |")
        print(f"| `shipmate report --period month` (a CLI process) | {med['cli'] * 1000:.0f} ms | "
              f"{med['rows'] * 1000:.0f} ms (the same rows read alone) | {med['cli'] / med['rows']:.2f}x | - |")
        print(f"| the same CLI process on a project never deployed (start-up alone) | {med['cli_empty'] * 1000:.0f} ms"
              f" | - | - | - |")
        print("runs (ms): " + "; ".join(f"{k} " + ", ".join(f"{v * 1000:.0f}" for v in vs) for k, vs in timed.items()))


if __name__ == "__main__":
    main()
