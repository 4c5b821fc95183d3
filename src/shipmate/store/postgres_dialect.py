"""PostgreSQL dialect hooks, the counterpart of sqlite_dialect.py: engine, transactions, triggers, errors.

Several homes share one database, one schema each (``pg_homes.schema_for``): every statement of this store
runs with ``search_path`` set to its home's schema, so the tables, the queries and the migrations are the
SQLite ones unchanged. Writers serialise per home on a transaction-scoped advisory lock taken first thing,
which is what SQLite's BEGIN IMMEDIATE gives: every check-then-write (lock leases, fencing, the event chain's
head) sees the state the previous writer committed, from any process on any host.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DBAPIError

from shipmate.store.sqlite_dialect import WRITE_OPTION

CONNECT_TIMEOUT_S = 10
OPEN_WAIT_S = 10.0   # opening a home waits this long for a restarting server (a wrong port fails after it too)
T = TypeVar("T")
STATEMENT_TIMEOUT_MS = 15000   # as SQLite's busy timeout: a stuck writer is an error, never a hang

# Events are append-only at the database level too (the SQLite triggers' counterpart, in PL/pgSQL).
EVENT_TRIGGERS = (
    "CREATE OR REPLACE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'events are append-only'; END $$",
    "DROP TRIGGER IF EXISTS events_no_update ON events",
    "CREATE TRIGGER events_no_update BEFORE UPDATE ON events FOR EACH ROW EXECUTE FUNCTION events_append_only()",
    "DROP TRIGGER IF EXISTS events_no_delete ON events",
    "CREATE TRIGGER events_no_delete BEFORE DELETE ON events FOR EACH ROW EXECUTE FUNCTION events_append_only()",
)

# The failure memory's full-text search: GIN indexes over the same tsvector expressions memory_search.py
# queries (no copies, no triggers: PostgreSQL indexes an expression).
FIXES_DOCUMENT = ("to_tsvector('english', coalesce(symptom,'') || ' ' || coalesce(root_cause,'') || ' ' || "
                  "coalesce(solution,'') || ' ' || coalesce(prevention,''))")
SIGNATURES_DOCUMENT = ("to_tsvector('english', coalesce(text,'') || ' ' || coalesce(phase,'') || ' ' || "
                       "coalesce(error_code,''))")
MEMORY_SEARCH = (
    f"CREATE INDEX IF NOT EXISTS ix_memory_fixes_fts ON memory_fixes USING gin (({FIXES_DOCUMENT}))",
    f"CREATE INDEX IF NOT EXISTS ix_memory_signatures_fts ON memory_signatures USING gin (({SIGNATURES_DOCUMENT}))",
)


def advisory_key(name: str) -> int:
    """A stable signed 64-bit advisory lock key for ``name`` (a home's schema)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def create_postgres_engine(url: str, schema: str | None, *, isolation_level: str | None = None) -> Engine:
    """An engine whose connections live in ``schema`` (None: the registry's own connections).

    pool_pre_ping: a server restart leaves dead connections in the pool; each is tested (and replaced)
    before use, so a restarted PostgreSQL costs the next call a reconnect, not an error.
    """
    # isolation_level: the readers' engine is REPEATABLE READ for good (a snapshot per transaction, as SQLite's
    # plain BEGIN gives in WAL mode), set once per connection rather than on every checkout.
    extra: dict[str, Any] = {} if isolation_level is None else {"isolation_level": isolation_level}
    engine = create_engine(url, pool_pre_ping=True, pool_size=2, max_overflow=4, **extra,
                           connect_args={"connect_timeout": CONNECT_TIMEOUT_S,
                                         "application_name": "shipmate"})

    def on_connect(dbapi_conn: Any, record: Any) -> None:
        with dbapi_conn.cursor() as cur:
            cur.execute(f"SET statement_timeout = {STATEMENT_TIMEOUT_MS}")
            if schema is not None:
                cur.execute(f'SET search_path TO "{schema}"')
        dbapi_conn.commit()

    # insert=True: before the dialect's first-connect probe, so its default schema is the home's.
    event.listen(engine, "connect", on_connect, insert=True)
    key = advisory_key(schema or "shipmate")

    def on_begin(conn: Connection) -> None:
        # A writer stays in READ COMMITTED, so its first statement after the lock sees what the previous writer
        # committed (a REPEATABLE READ snapshot would date from the lock statement, before the wait).
        if conn.get_execution_options().get(WRITE_OPTION):
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({key})")

    event.listen(engine, "begin", on_begin)
    return engine


def install_event_triggers(conn: Connection) -> None:
    for ddl in EVENT_TRIGGERS:
        conn.exec_driver_sql(ddl)


def install_memory_search(conn: Connection) -> None:
    for ddl in MEMORY_SEARCH:
        conn.exec_driver_sql(ddl)


_CONNECTION_STATES = ("08",)            # connection exception class
_GONE_STATES = ("57P01", "57P02", "57P03")   # admin shutdown, crash shutdown, cannot connect now
# A connection attempt has no SQLSTATE: these texts say the server is (re)starting or gone, not refusing us.
_GONE_SIGNS = ("server closed the connection", "connection refused", "terminating connection",
               "consuming input failed", "the database system is shutting down", "the database system is starting up",
               "the database system is in recovery mode", "no such file or directory")


def is_connection_lost(exc: BaseException) -> bool:
    """The server went away (restart, network): the transaction did not commit and may be retried."""
    orig = getattr(exc, "orig", exc)
    state = str(getattr(orig, "sqlstate", "") or "")
    if state.startswith(_CONNECTION_STATES) or state in _GONE_STATES:
        return True
    text = str(orig).lower()
    return bool(getattr(exc, "connection_invalidated", False)) or any(sign in text for sign in _GONE_SIGNS)


def waiting_out_restarts(action: Callable[[], T], wait_s: float = OPEN_WAIT_S) -> T:
    """``action`` (nothing committed when it fails), tried again while the server looks restarting or gone,
    for at most ``wait_s``: a command started during a restart waits for it instead of failing."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            return action()
        except DBAPIError as exc:
            if not is_connection_lost(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def describe_error(exc: BaseException) -> tuple[str, str] | None:
    """Classify a driver error into (what happened, hint); None if it is not a known kind."""
    orig = getattr(exc, "orig", exc)
    state = str(getattr(orig, "sqlstate", "") or "")
    text = str(orig).lower()
    if is_connection_lost(exc) or "could not connect" in text or "connection failed" in text:
        return ("cannot be reached", "check that the PostgreSQL server is up and the URL's host and port")
    if state == "28P01" or "password authentication failed" in text or state.startswith("28"):
        return ("refused the credentials", "check the user and password in SHIPMATE_STORE")
    if state == "3D000":
        return ("has no such database", "create it (createdb) or fix the database name in the URL")
    if state == "57014":
        return (f"did not answer within {STATEMENT_TIMEOUT_MS // 1000} s",
                "another shipmate may hold the home's write lock; look at pg_stat_activity")
    if state == "25006":
        return ("is read-only", "run without --dry-run")
    return None
