"""Online SQLite backups under a steady writer: every one consistent, checked and restorable; time vs sqlite3.

N rounds (default 100) while a separate process inserts rows into the database (WAL, BEGIN IMMEDIATE, 10 rows a
commit). Each round: `backup create` (ops, in-process: online copy + integrity_check + tar/zstd + sha256
manifest + temp/fsync/rename), then a restore round-trip of its archive (verify every sha256, extract, check the
copy: integrity_check ok and ids 1..N without a gap), then the baseline in the same moment: the sqlite3 CLI's
`.backup` of the same live database. At the end the last backup is restored over the live database while the
writer still writes.

Run: .venv/bin/python bench/backup_bench.py [--rounds 100] [--rows 50000]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.backups import online_sqlite  # noqa: E402
from tests.backups.conftest import make_db  # noqa: E402

from shipmate.backups.destination import Destination  # noqa: E402
from shipmate.backups.restoring import discard, verify_and_stage  # noqa: E402
from shipmate.backups.sqlite_copy import integrity  # noqa: E402


def _p95(samples: list[float]) -> float:
    return sorted(samples)[max(0, round(0.95 * len(samples)) - 1)]


def bench(rounds: int, rows_at_start: int) -> str:
    from shipmate.ops.backups import backup_create, backup_restore

    work = Path(tempfile.mkdtemp(prefix="shipmate-backup-bench-"))
    os.environ.pop("SHIPMATE_HOME", None)
    live = work / "app.db"
    make_db(live, rows_at_start)
    spec = work / "shipmate.yaml"
    spec.write_text(f"""service: bench
version: "1"
port: 18999
target: {{kind: process, command: ["{sys.executable}", "-m", "http.server", "${{PORT}}"]}}
backup: {{paths: [{{sqlite: app.db}}], keep: {rounds + 10}, max_age: 1d}}
""")
    ours: list[float] = []
    base: list[float] = []
    passed = 0
    first_rows = last_rows = 0
    writer = online_sqlite.start_writer(live)
    try:
        for i in range(rounds):
            t0 = time.perf_counter()
            made = backup_create(str(spec))
            ours.append(time.perf_counter() - t0)
            placed = verify_and_stage(Destination(Path(made["destination"])), made["archive"]["name"],
                                      lambda s: work / "scratch" / f"part{s['index']}", made["backup_id"])
            copy = next(p.staged for p in placed)
            count, top = online_sqlite.rows_in(copy)
            if integrity(copy) == "ok" and count == top and count % 10 == 0:
                passed += 1
            first_rows = first_rows or count
            last_rows = count
            discard(placed)
            out = work / f"baseline{i % 2}.db"
            out.unlink(missing_ok=True)
            t0 = time.perf_counter()
            subprocess.run(["sqlite3", str(live), f".backup '{out}'"], check=True, capture_output=True, timeout=120)
            base.append(time.perf_counter() - t0)
        restored = backup_restore(str(spec), made["backup_id"])
        live_ok = integrity(live)
        writer_alive = writer.poll() is None
    finally:
        online_sqlite.stop(writer)
    size = made["archive"]["bytes"]
    db_bytes = made["uncompressed_bytes"]
    shutil.rmtree(work, ignore_errors=True)
    ratio = statistics.median(ours) / statistics.median(base)
    machine = f"{os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.machine()}"
    ours_s = f"{statistics.median(ours):.3f} s ({_p95(ours):.3f} s)"
    base_s = f"{statistics.median(base):.3f} s ({_p95(base):.3f} s) (`sqlite3 DB \".backup FILE\"`, the CLI, same DB)"
    restore_s = (f"integrity_check {live_ok}, writer alive: {writer_alive}, health confirmed: "
                 f"{restored['health']['healthy']} (no release deployed: the replaced copy kept aside)")
    rows = [
        f"| online backups under a writer passing integrity_check and a restore round-trip | {passed}/{rounds} "
        f"| - | - | {rounds}/{rounds} |",
        f"| one backup, median (p95) of {rounds}: online copy + integrity_check + tar/zstd + sha256 manifest + "
        f"fsync/rename | {ours_s} | {base_s} | {ratio:.2f}x | <= 3x |",
        f"| the last backup restored over the live database, writer still writing | {restore_s} | - | - | ok |",
    ]
    table = "\n".join(rows)
    return f"""## Backups: online SQLite backups under a steady writer

Command: `.venv/bin/python bench/backup_bench.py --rounds {rounds} --rows {rows_at_start}` (run from the repo root,
{time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC). Machine: {machine}.
A separate process inserts 10 rows per `BEGIN IMMEDIATE` commit (WAL) the whole time. Each round:
`backup create` in-process, then a restore round-trip of that archive (every sha256 verified, the copy
extracted, `integrity_check` ok and row ids 1..N without a gap), then the baseline on the same live database.
The database grew from {first_rows} to {last_rows} rows ({db_bytes / 1e6:.1f} MB at the end,
{size / 1e6:.1f} MB as tar+zstd).

| what | shipmate | baseline (same run) | ratio | goal |
| --- | --- | --- | --- | --- |
{table}
"""


def section() -> str:
    """For bench/run_all.py: the recorded configuration."""
    return bench(100, 50000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--rows", type=int, default=50000)
    args = parser.parse_args()
    print(bench(args.rounds, args.rows))


if __name__ == "__main__":
    main()
