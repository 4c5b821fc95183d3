"""SQLite dialect hooks: everything SQLite-specific lives here so a PostgreSQL store is an addition.

pysqlite's own transaction handling cannot emit BEGIN IMMEDIATE, so we switch it off
(isolation_level=None) and emit BEGIN ourselves from the engine's "begin" event.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.pool import QueuePool

# Set on a Connection (execution option) to make its next BEGIN an IMMEDIATE one.
WRITE_OPTION = "shipmate_write"

BUSY_TIMEOUT_MS = 15000

# Events are append-only at the database level too, not just by convention in our code.
EVENT_TRIGGERS = (
    "CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events "
    "BEGIN SELECT RAISE(ABORT, 'events are append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events "
    "BEGIN SELECT RAISE(ABORT, 'events are append-only'); END",
)


def create_sqlite_engine(path: Path, *, readonly: bool) -> Engine:
    """An engine for one state.db file; read-only engines never create it nor write to it.

    Read-only uses mode=rw (never creates the file) plus PRAGMA query_only rather than mode=ro:
    a mode=ro connection cannot remove the -wal/-shm files it makes, so it would leave litter.
    """
    uri = path.resolve().as_uri() + ("?mode=rw" if readonly else "")

    def connect() -> sqlite3.Connection:
        conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000,
                               isolation_level=None, check_same_thread=False)
        _apply_pragmas(conn, readonly=readonly)
        return conn

    engine = create_engine("sqlite+pysqlite://", creator=connect, poolclass=QueuePool,
                           pool_size=2, max_overflow=4)
    event.listen(engine, "begin", _emit_begin)
    return engine


def _apply_pragmas(conn: sqlite3.Connection, *, readonly: bool) -> None:
    """Pragmas are per connection (journal_mode is sticky in the file, but set it anyway)."""
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    if readonly:
        conn.execute("PRAGMA query_only = ON")
        return
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")


def _emit_begin(conn: Connection) -> None:
    # IMMEDIATE takes the write lock up front: no SQLITE_BUSY on a read->write upgrade later.
    if conn.get_execution_options().get(WRITE_OPTION):
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        conn.exec_driver_sql("BEGIN")


def install_event_triggers(conn: Connection) -> None:
    for ddl in EVENT_TRIGGERS:
        conn.exec_driver_sql(ddl)


def is_lock_timeout(exc: BaseException) -> bool:
    text = str(getattr(exc, "orig", exc)).lower()
    return "locked" in text or "busy" in text


def describe_error(exc: BaseException) -> tuple[str, str] | None:
    """Classify a driver error into (what happened, hint); None if it is not a known kind."""
    text = str(getattr(exc, "orig", exc)).lower()
    if is_lock_timeout(exc):
        return ("stayed locked for more than 15 s",
                "another shipmate process is writing; retry, or look for a stuck process")
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return ("is corrupt or not a SQLite database",
                "move it aside and restore a backup; the JSONL audit file keeps the event history")
    if "readonly" in text or "read-only" in text:
        return ("is read-only", "check the file's permissions, or run without --dry-run")
    if "unable to open" in text:
        return ("cannot be opened", "check that the directory exists and is writable")
    return None



# The failure memory's full-text index (FTS5, BM25 ranking). Own copies keyed by the row id, kept by triggers:
# an external-content index would follow implicit rowids, which VACUUM may renumber on these text-keyed tables.
MEMORY_SEARCH = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS memory_fixes_fts USING fts5("
    "ref UNINDEXED, symptom, root_cause, solution, prevention, tokenize='porter unicode61')",
    "CREATE VIRTUAL TABLE IF NOT EXISTS memory_signatures_fts USING fts5("
    "ref UNINDEXED, text, phase, error_code, tokenize='porter unicode61')",
    "CREATE TRIGGER IF NOT EXISTS memory_fixes_ai AFTER INSERT ON memory_fixes BEGIN "
    "INSERT INTO memory_fixes_fts(ref, symptom, root_cause, solution, prevention) "
    "VALUES (new.id, new.symptom, new.root_cause, new.solution, new.prevention); END",
    "CREATE TRIGGER IF NOT EXISTS memory_fixes_ad AFTER DELETE ON memory_fixes BEGIN "
    "DELETE FROM memory_fixes_fts WHERE ref = old.id; END",
    "CREATE TRIGGER IF NOT EXISTS memory_signatures_ai AFTER INSERT ON memory_signatures BEGIN "
    "INSERT INTO memory_signatures_fts(ref, text, phase, error_code) "
    "VALUES (new.id, new.text, new.phase, new.error_code); END",
    "CREATE TRIGGER IF NOT EXISTS memory_signatures_ad AFTER DELETE ON memory_signatures BEGIN "
    "DELETE FROM memory_signatures_fts WHERE ref = old.id; END",
)


def install_memory_search(conn: Connection) -> None:
    for ddl in MEMORY_SEARCH:
        conn.exec_driver_sql(ddl)
