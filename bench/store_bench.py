"""The store at 1 M events, on SQLite and on PostgreSQL in the same run: status and history query latency,
and durable appends per second, group commit against one-commit-per-append (the baseline, the same store).

Each backend gets a store holding N events (default 1,000,000; a valid hash chain) from 40 service/environment
pairs with 50,000 deployments. Queries: what `status` reads (current pointers, deployments in progress, one
service's current release, live instances and last deployment, locks) and what `history` reads (one service's
20 last deployments and 100 last events), 300 rounds each on a random service, p95 reported. Appends: one
caller appending one after another (each its own commit: the baseline) vs 32 callers at once (group commit);
every append is durable when it returns (SQLite WAL + synchronous=FULL, PostgreSQL fsync + synchronous_commit
on, both with the JSONL mirror fsynced). PostgreSQL is a real server (Debian's initdb/pg_ctl) on 127.0.0.1.

Run: .venv/bin/python bench/store_bench.py [--events 1000000] [--backends sqlite,postgres]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.postgres_server import remove_server, start_server  # noqa: E402

from shipmate.store import Store, schema  # noqa: E402
from shipmate.store import events as ev  # noqa: E402

PAIRS = [(f"svc{i:02d}", env) for i in range(20) for env in ("staging", "production")]
DEPLOYMENTS = 50_000
CHUNK = 10_000
ROUNDS = 300


def _p95(samples: list[float]) -> float:
    return sorted(samples)[max(0, round(0.95 * len(samples)) - 1)]


def fill(store: Store, n_events: int) -> None:
    """Releases, deployments, current pointers, instances and n_events chained events, in big transactions."""
    now = time.time()
    rng = random.Random(7)
    with store._db.write() as conn:
        for svc, _ in PAIRS[::2]:
            for v in ("1.0.0", "1.1.0"):
                conn.execute(schema.releases.insert().values(
                    id=f"rel_{svc}_{v}", service=svc, version=v, digest=f"sha256:{svc}{v}", spec={"port": 1},
                    target_kind="process", created_at=now))
    deps = []
    for i in range(DEPLOYMENTS):
        svc, env = PAIRS[i % len(PAIRS)]
        deps.append({"id": f"dep_{i:08d}", "service": svc, "environment": env,
                     "release_id": f"rel_{svc}_{'1.1.0' if i % 2 else '1.0.0'}", "previous_release_id": None,
                     "kind": "deploy", "strategy": "blue-green", "state": "succeeded", "plan": {"steps": []},
                     "trace_id": f"t{i}", "actor": "bench", "fencing": 1, "started_at": now - DEPLOYMENTS + i,
                     "updated_at": now - DEPLOYMENTS + i, "finished_at": now - DEPLOYMENTS + i + 1,
                     "error": None, "verdict": None, "verified": True, "confidence": None, "origin": None})
    for start in range(0, len(deps), CHUNK):
        with store._db.write() as conn:
            conn.execute(schema.deployments.insert(), deps[start:start + CHUNK])
    with store._db.write() as conn:
        last = {(d["service"], d["environment"]): d for d in deps}
        conn.execute(schema.current.insert(), [
            {"service": s, "environment": e, "release_id": d["release_id"], "deployment_id": d["id"],
             "instance_id": None, "updated_at": now} for (s, e), d in last.items()])
        conn.execute(schema.instances.insert(), [
            {"id": f"ins_{s}_{e}", "service": s, "environment": e, "release_id": d["release_id"],
             "deployment_id": d["id"], "target_kind": "process", "pid": 1, "create_time": 1.0, "port": 4000,
             "log_path": None, "handle": {}, "status": "running", "created_at": now, "updated_at": now,
             "supervision": None} for (s, e), d in last.items()])
    prev = ev.GENESIS_HASH
    for start in range(0, n_events, CHUNK):
        rows = []
        for seq in range(start + 1, min(n_events, start + CHUNK) + 1):
            svc, env = PAIRS[rng.randrange(len(PAIRS))]
            fields: dict[str, Any] = {
                "seq": seq, "ts": ev.utc_timestamp(), "event_type": "deployment.step", "service": svc,
                "environment": env, "version": "1.1.0", "status": "ok", "deployment_id": f"dep_{seq % DEPLOYMENTS:08d}",
                "trace_id": None, "duration_seconds": None, "errors": [], "notes": "", "deployed_by": "bench",
                "data": {"i": seq}, "prev_hash": prev}
            fields["hash"] = prev = ev.row_hash(fields)
            rows.append(fields)
        with store._db.write() as conn:
            conn.execute(schema.events.insert(), rows)
    store._sync_mirror()


def status_reads(store: Store, svc: str, env: str) -> None:
    store.all_current()
    store.active_deployments()
    cur = store.current(svc, env)
    if cur is not None:
        store.get_release(cur.release_id)
    store.instances(svc, env, live_only=True)
    store.deployments(svc, env, limit=1)
    store.locks()


def history_reads(store: Store, svc: str, env: str) -> None:
    for dep in store.deployments(svc, env, limit=20):   # `history`: 20 newest, each with its release
        store.get_release(dep.release_id)


def events_reads(store: Store, svc: str, env: str) -> None:
    store.events(service=svc, environment=env, limit=50)   # `events`: the 50 newest of one service


def latency(store: Store, reads: Callable[[Store, str, str], None]) -> tuple[float, float]:
    rng = random.Random(11)
    samples = []
    for _ in range(ROUNDS):
        svc, env = PAIRS[rng.randrange(len(PAIRS))]
        t0 = time.perf_counter()
        reads(store, svc, env)
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples), _p95(samples)


def append_rate(store: Store, callers: int, each: int) -> float:
    gate = threading.Barrier(callers)

    def caller(n: int) -> None:
        gate.wait()
        for i in range(each):
            store.append_event(event_type="bench.append", service="svc00", environment="staging", version=None,
                               status="ok", deployed_by=f"c{n}", data={"i": i})

    threads = [threading.Thread(target=caller, args=(n,)) for n in range(callers)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return callers * each / (time.perf_counter() - t0)


def run_backend(name: str, n_events: int, base: Path) -> dict[str, Any]:
    server = None
    if name == "postgres":
        server = start_server(durable=True)
        os.environ["SHIPMATE_STORE"] = server.url
    else:
        os.environ.pop("SHIPMATE_STORE", None)
    try:
        store = Store.open(base / name / ".shipmate")
        t0 = time.perf_counter()
        fill(store, n_events)
        filled = time.perf_counter() - t0
        latency(store, status_reads)   # warm the caches once, as a running serve has them
        out = {"backend": name, "events": n_events, "fill_s": filled,
               "status": latency(store, status_reads), "history": latency(store, history_reads),
               "events_q": latency(store, events_reads)}
        out["baseline_appends"] = append_rate(store, 1, 300)
        out["group_appends"] = append_rate(store, 32, 100)
        ok, _bad, checked = store.verify_chain()
        out["chain"] = (ok, checked)
        store.close()
        return out
    finally:
        os.environ.pop("SHIPMATE_STORE", None)
        if server is not None:
            remove_server(server)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--backends", default="sqlite,postgres")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="store-bench-") as tmp:
        results = [run_backend(b, args.events, Path(tmp)) for b in args.backends.split(",")]
    print(f"store at {args.events:,} events ({DEPLOYMENTS:,} deployments, {len(PAIRS)} service/environments); "
          f"{os.cpu_count()} cores")
    print("| backend | status p50 / p95 | history p50 / p95 | events p50 / p95 | appends/s one by one (baseline) | "
          "appends/s, 32 callers (group commit) | ratio | chain |")
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['backend']} | {r['status'][0]:.1f} / {r['status'][1]:.1f} ms | "
              f"{r['history'][0]:.1f} / {r['history'][1]:.1f} ms | "
              f"{r['events_q'][0]:.1f} / {r['events_q'][1]:.1f} ms | {r['baseline_appends']:,.0f} | "
              f"{r['group_appends']:,.0f} | {r['group_appends'] / r['baseline_appends']:.1f}x | "
              f"{'verified' if r['chain'][0] else 'BROKEN'} ({r['chain'][1]:,} events) |")
    for r in results:
        print(f"{r['backend']}: filled in {r['fill_s']:.0f} s")


if __name__ == "__main__":
    main()
