"""SQLite databases through the online backup API: a consistent copy while the app keeps writing."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from shipmate.errors import BackupCorruptError, ShipmateError

BUSY_TIMEOUT_S = 30.0


class SqliteCopyFailedError(ShipmateError):
    code = "sqlite_copy_failed"


def integrity(path: Path) -> str:
    """``ok`` or SQLite's first complaint about the database at ``path``."""
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S)) as conn:
        rows = conn.execute("PRAGMA integrity_check").fetchall()
    return "ok" if rows == [("ok",)] else "; ".join(str(row[0]) for row in rows[:3])


def copy_database(source: Path, dest: Path) -> int:
    """Copy ``source`` to a new file ``dest`` in one read transaction (WAL writers go on); returns its size.

    One step (pages=-1) on purpose: a stepped copy restarts whenever another connection writes, and under a
    steady writer it may never end.
    """
    try:
        with contextlib.closing(sqlite3.connect(source, timeout=BUSY_TIMEOUT_S)) as src, \
                contextlib.closing(sqlite3.connect(dest)) as dst:
            dst.execute("PRAGMA synchronous=OFF")   # a scratch copy: the archive it goes into is fsynced
            src.backup(dst, pages=-1)
    except sqlite3.Error as exc:
        raise SqliteCopyFailedError(f"cannot copy the SQLite database {source}: {exc}",
                                    hint="is it a SQLite database, and readable?") from exc
    verdict = _checked(dest)
    if verdict != "ok":
        raise SqliteCopyFailedError(
            f"the copy of {source} fails integrity_check: {verdict}",
            hint="the live database may be damaged: run `sqlite3 FILE 'PRAGMA integrity_check'`")
    return dest.stat().st_size


def restore_database(copy: Path, live: Path) -> None:
    """Write ``copy`` into ``live`` through SQLite (its locks, its WAL): open connections see the restored data."""
    verdict = _checked(copy)
    if verdict != "ok":
        raise BackupCorruptError(f"the archived database for {live} fails integrity_check: {verdict}",
                                 hint="restore an older backup (`shipmate backup list`)")
    try:
        with contextlib.closing(sqlite3.connect(copy)) as src, \
                contextlib.closing(sqlite3.connect(live, timeout=BUSY_TIMEOUT_S)) as dst:
            src.backup(dst, pages=-1)
    except sqlite3.Error as exc:
        raise SqliteCopyFailedError(f"cannot write the database {live}: {exc}",
                                    hint="another process may hold a long write lock; retry") from exc


def _checked(path: Path) -> str:
    try:
        return integrity(path)
    except sqlite3.Error as exc:
        return f"{type(exc).__name__}: {exc}"
