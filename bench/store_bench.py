"""The store at 1 M events, on SQLite and on PostgreSQL in the same run: status and history query latency,
and durable appends per second, group commit against one-commit-per-append (the baseline, the same store).

Each backend gets a store holding N events (default 1,000,000; a valid hash chain) from 40 service/environment
pairs with 50,000 deployments. Queries, 300 rounds on a random service (both its environments, as `status` and
`history` without -e), through the reader those commands open (stdlib sqlite3; for PostgreSQL the Store):
**before** = the reads as the commands made them before (each its own transaction, one release read per row),
**now** = the functions ops calls now (care_signals, status_rows, history_rows: one snapshot each, the releases
in one statement); the two alternate round by round. Appends: one caller appending one after another (each its
own commit: the baseline) vs 32 callers at once (group commit); every append is durable when it returns (SQLite
WAL + synchronous=FULL, PostgreSQL fsync + synchronous_commit on, both with the JSONL mirror fsynced).
PostgreSQL is a real server (Debian's initdb/pg_ctl) on 127.0.0.1.

Run: .venv/bin/python bench/store_bench.py [--events 1000000] [--backends sqlite,postgres] [--keep DIR]
(--keep DIR: the filled stores and the server's data stay in DIR, a later run reuses them; each run appends
3,500 events. DIR under /tmp; remove it to start over.)
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
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

from tests.postgres_server import PgServer, start_server  # noqa: E402
from tests.waiting import free_port  # noqa: E402

from shipmate.ops.common.reading import care_signals  # noqa: E402
from shipmate.ops.reading_history import history_rows  # noqa: E402
from shipmate.ops.reading_status import status_rows  # noqa: E402
from shipmate.store import Store, schema  # noqa: E402
from shipmate.store import events as ev  # noqa: E402
from shipmate.store.sqlite_reader import SqliteReader  # noqa: E402

ENVS = ("staging", "production")
SERVICES = [f"svc{i:02d}" for i in range(20)]
PAIRS = [(svc, env) for svc in SERVICES for env in ENVS]
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


def old_care_reads(reader: Any) -> None:
    """What every status/history read first before this change (needs_care): one read per current release."""
    for dep in reader.active_deployments():
        reader.lock_owner_alive(f"{dep.service}/{dep.environment}")
    for cur in reader.all_current():
        reader.get_release(cur.release_id)


def status_before(reader: Any, svc: str, envs: list[str]) -> None:
    """`status`'s reads as they were: each its own statement and transaction, one release read per use."""
    old_care_reads(reader)
    reader.active_deployments()
    for env in envs:
        cur = reader.current(svc, env)
        if cur is not None:
            reader.get_release(cur.release_id)
        seen: set[str] = set()
        for row in reader.instances(svc, env, live_only=True):
            if row.release_id not in seen:
                seen.add(row.release_id)
                reader.get_release(row.release_id)
        for dep in reader.deployments(svc, env, limit=1):
            reader.get_release(dep.release_id)
    reader.live_lock_owner("serve")


def status_after(reader: Any, svc: str, envs: list[str]) -> None:
    """`status`'s reads now: the very functions ops calls (each one snapshot, releases in one statement)."""
    care_signals(reader)
    status_rows(reader, svc, envs)


def history_before(reader: Any, svc: str, envs: list[str]) -> None:
    old_care_reads(reader)
    for env in envs:   # `history`: each environment's 20 newest, each with its release (N+1)
        for dep in reader.deployments(svc, env, limit=20):
            reader.get_release(dep.release_id)


def history_after(reader: Any, svc: str, envs: list[str]) -> None:
    care_signals(reader)
    history_rows(reader, svc, envs, 20)


def events_reads(store: Store, svc: str, envs: list[str]) -> None:
    store.events(service=svc, environment=envs[0], limit=50)   # `events`: the 50 newest of one service


def latencies(reader: Any, reads: list[Callable[[Any, str, list[str]], None]]) -> list[tuple[float, float, float]]:
    """(p50, p95, CPU p95) of each way of reading; the ways alternate round by round, so load hits them alike.
    CPU: this thread's CPU time per call; wall minus CPU is waiting (for the server, the disk, or a CPU)."""
    rng = random.Random(11)
    samples: list[list[float]] = [[] for _ in reads]
    cpu: list[list[float]] = [[] for _ in reads]
    for _ in range(ROUNDS):
        svc = SERVICES[rng.randrange(len(SERVICES))]
        for way, out, used in zip(reads, samples, cpu, strict=True):
            t0, c0 = time.perf_counter(), time.thread_time()
            way(reader, svc, list(ENVS))   # a service's environments, as status/history without -e
            out.append((time.perf_counter() - t0) * 1000)
            used.append((time.thread_time() - c0) * 1000)
    return [(statistics.median(out), _p95(out), _p95(used)) for out, used in zip(samples, cpu, strict=True)]


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
    """``base``: where the store (and the PostgreSQL server's data) live; a store filled there before is reused."""
    server = None
    if name == "postgres":
        server = pg_server(base / "pg")
        os.environ["SHIPMATE_STORE"] = server.url
    else:
        os.environ.pop("SHIPMATE_STORE", None)
    try:
        home = base / name / ".shipmate"
        marker = base / name / f"filled-{n_events}"
        store = Store.open(home)
        filled = None
        if not marker.exists():
            t0 = time.perf_counter()
            fill(store, n_events)
            filled = time.perf_counter() - t0
            marker.write_text("the bench's fill is complete\n")
        reader = SqliteReader.open(home)   # what status/history open (for a PostgreSQL home: PostgresReader)
        assert reader is not None
        latencies(reader, [status_before, status_after])   # warm the caches once, as a running serve has them
        status = latencies(reader, [status_before, status_after])
        history = latencies(reader, [history_before, history_after])
        reader.close()
        out = {"backend": name, "events": n_events, "fill_s": filled, "status": status, "history": history,
               "events_q": latencies(store, [events_reads])[0]}
        out["baseline_appends"] = append_rate(store, 1, 300)
        out["group_appends"] = append_rate(store, 32, 100)
        ok, _bad, checked = store.verify_chain()
        out["chain"] = (ok, checked)
        store.close()
        return out
    finally:
        os.environ.pop("SHIPMATE_STORE", None)
        if server is not None:
            server.stop("fast")


def pg_server(base: Path) -> PgServer:
    """A durable server whose data stay in ``base`` (initdb the first time), so --keep reuses its store."""
    if not (base / "data").exists():
        server = start_server(durable=True)
        server.stop("fast")
        shutil.rmtree(base, ignore_errors=True)
        shutil.move(server.base, base)
    server = PgServer(base, free_port(), durable=True)
    server.start()
    return server


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--keep", type=Path, help="keep the filled stores here and reuse them in the next run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="store-bench-") as tmp:
        base = args.keep.absolute() if args.keep else Path(tmp)
        if base != Path(tmp) and os.geteuid() == 0:
            base.mkdir(parents=True, exist_ok=True)
        results = [run_backend(b, args.events, base) for b in args.backends.split(",")]
    print(f"store at {args.events:,} events ({DEPLOYMENTS:,} deployments, {len(PAIRS)} service/environments); "
          f"{os.cpu_count()} cores; a service's {len(ENVS)} environments per read, {ROUNDS} rounds")
    print("| backend | status p50 / p95, before | status p50 / p95, now | history p50 / p95, before | "
          "history p50 / p95, now | events p50 / p95 | appends/s one by one (baseline) | "
          "appends/s, 32 callers (group commit) | ratio | chain |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        (sb, sa), (hb, ha) = r["status"], r["history"]
        print(f"| {r['backend']} | {sb[0]:.1f} / {sb[1]:.1f} ms | {sa[0]:.1f} / {sa[1]:.1f} ms | "
              f"{hb[0]:.1f} / {hb[1]:.1f} ms | {ha[0]:.1f} / {ha[1]:.1f} ms | "
              f"{r['events_q'][0]:.1f} / {r['events_q'][1]:.1f} ms | {r['baseline_appends']:,.0f} | "
              f"{r['group_appends']:,.0f} | {r['group_appends'] / r['baseline_appends']:.1f}x | "
              f"{'verified' if r['chain'][0] else 'BROKEN'} ({r['chain'][1]:,} events) |")
    for r in results:
        (sb, sa), (hb, ha) = r["status"], r["history"]
        print(f"{r['backend']}: CPU p95 of one call (this thread): status {sb[2]:.1f} ms before, {sa[2]:.1f} ms now; "
              f"history {hb[2]:.1f} ms before, {ha[2]:.1f} ms now")
    for r in results:
        print(f"{r['backend']}: " + (f"filled in {r['fill_s']:.0f} s" if r["fill_s"] is not None
                                     else "a store filled by an earlier run (--keep)"))


if __name__ == "__main__":
    main()
