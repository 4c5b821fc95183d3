"""Helpers for store tests (a module of its own: `from conftest import` is ambiguous across folders)."""

from __future__ import annotations

import subprocess
import time
from typing import Any

import psutil
from sqlalchemy import text

from shipmate.store import ReleaseRow, Store
from shipmate.store.owners import this_process_owner

KEY = "web/default"


def owner_of(proc: subprocess.Popen[bytes], command: str = "deploy") -> dict[str, Any]:
    p = psutil.Process(proc.pid)
    return {"pid": proc.pid, "create_time": p.create_time(), "host": this_process_owner("x")["host"],
            "command": command, "actor": "other-user"}


def start_deployment(store: Store, release: ReleaseRow, fencing: int, **overrides: Any) -> str:
    values: dict[str, Any] = {
        "service": "web", "environment": "default", "release_id": release.id, "kind": "deploy",
        "strategy": "blue-green", "plan": {"steps": ["start", "switch"]}, "previous_release_id": None,
        "trace_id": "trace-1", "actor": "tester", "fencing": fencing}
    values.update(overrides)
    return store.create_deployment(**values).id


def silence_lock(store: Store, key: str, *, seconds: float, lease: float) -> None:
    """Make the holder of ``key`` look silent: last heartbeat ``seconds`` ago, leases of ``lease`` s.

    The controlled clock for stall tests: rewriting the row is exact, where sleeping races a loaded machine.
    """
    beat = time.time() - seconds
    raw_sql(store, "UPDATE locks SET heartbeat_at = :beat, lease_until = :until WHERE key = :key",
            beat=beat, until=beat + lease, key=key)


def raw_sql(store: Store, sql: str, **params: Any) -> list[Any]:
    """Run SQL straight on the store's database (either backend), around every check of ours: what a person
    with a database shell could do. Committed at once; the rows it returned, if any."""
    with store._db.engine.connect() as conn:
        conn.execution_options(shipmate_write=True)
        with conn.begin():
            result = conn.execute(text(sql), params)
            return list(result.all()) if result.returns_rows else []


def drop_trigger_sql(store: Store, name: str) -> str:
    return f"DROP TRIGGER {name}" + (" ON events" if store.backend == "postgresql" else "")
