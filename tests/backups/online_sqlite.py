"""N online backups of a SQLite database under a real writer process: each copy checked and restored.

Shared by the test (10 backups) and bench/backup_bench.py (100).
"""

from __future__ import annotations

import contextlib
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from shipmate.backups.destination import Destination
from shipmate.backups.restoring import discard, verify_and_stage
from shipmate.backups.sqlite_copy import integrity

WRITER = Path(__file__).with_name("sqlite_writer.py")


@dataclass
class Round:
    backup_s: float
    rows: int          # in the copy extracted from the archive
    max_id: int        # ids are 1..N with no gap in a consistent copy (the writer commits 10 rows at a time)
    integrity: str

    @property
    def consistent(self) -> bool:
        return self.integrity == "ok" and self.rows == self.max_id and self.rows % 10 == 0 and self.rows > 0


@dataclass
class Outcome:
    rounds: list[Round] = field(default_factory=list)
    live_integrity_after_restore: str = ""
    live_rows_after_restore: int = 0

    @property
    def passed(self) -> int:
        return sum(1 for r in self.rounds if r.consistent)

    @property
    def growing(self) -> bool:
        return all(a.rows <= b.rows for a, b in zip(self.rounds, self.rounds[1:], strict=False))


def start_writer(db: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, str(WRITER), str(db)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    return proc


def stop(proc: subprocess.Popen[str]) -> None:
    proc.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.communicate(timeout=10)


def rows_in(path: Path) -> tuple[int, int]:
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)) as conn:
        count, top = conn.execute("SELECT count(*), coalesce(max(id), 0) FROM t").fetchone()
    return int(count), int(top)


def run(spec: str, live: Path, count: int, scratch: Path) -> Outcome:
    """``count`` backups through ops.backup_create; each archive verified, extracted and checked (a restore
    round-trip into ``scratch``); the last one is then restored over the live database while the writer runs."""
    from shipmate.ops.backups import backup_create, backup_restore

    outcome = Outcome()
    last = None
    for _ in range(count):
        started = time.perf_counter()
        result = backup_create(spec)
        elapsed = time.perf_counter() - started
        dest = Destination(Path(result["destination"]))
        placed = verify_and_stage(dest, result["archive"]["name"], lambda s: scratch / f"part{s['index']}",
                                  result["backup_id"])
        copy = next(p.staged for p in placed if p.source["kind"] == "sqlite")
        rows, top = rows_in(copy)
        outcome.rounds.append(Round(elapsed, rows, top, integrity(copy)))
        discard(placed)
        last = result["backup_id"]
    if last is not None:
        backup_restore(spec, last)   # over the live database, the writer still writing
        outcome.live_integrity_after_restore = integrity(live)
        outcome.live_rows_after_restore = rows_in(live)[0]
    return outcome
