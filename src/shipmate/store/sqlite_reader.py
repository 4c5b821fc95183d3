"""A read-only view of a SQLite store through the stdlib driver, for the hottest read: status.

Agents call `shipmate status --json` in loops; importing SQLAlchemy alone costs ~0.4 s here, so
this answers the handful of status questions with plain SQL on the same tables and returns
the same row types. Anything that writes, or any other database, goes through `Store`.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Self, cast

from shipmate.errors import StoreError
from shipmate.model import TERMINAL_STATES, DeploymentState
from shipmate.store.owners import judge
from shipmate.store.rows import LIVE_INSTANCE_STATUSES, CurrentRow, DeploymentRow, InstanceRow, ReleaseRow

_JSON_COLUMNS = {"spec", "plan", "verdict", "handle", "facts", "confidence", "origin", "supervision"}


class SqliteReader:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    @classmethod
    def open(cls, home: Path) -> Self | None:
        """None when there is no database yet; never creates one (mode=rw refuses to)."""
        from shipmate.store.location import configured_url

        if configured_url() is not None:   # the home lives in PostgreSQL: the same answers through the Store
            from shipmate.store.pg_reader import PostgresReader

            return cast("Self | None", PostgresReader.open_home(home, cls))   # same methods, duck-typed
        path = home.absolute() / "state.db"
        if not path.exists():
            return None
        try:
            conn = sqlite3.connect(f"{path.as_uri()}?mode=rw", uri=True, timeout=15.0, isolation_level=None)
            conn.execute("PRAGMA query_only = ON")
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open {path}: {exc}", hint="is the file readable and not corrupt?") from exc
        try:
            # A first command may be creating the database right now: its migrations commit in one
            # transaction, so until schema_version has a row there is nothing to read yet.
            created = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
                                   ).fetchone() is not None
            version = conn.execute("SELECT max(version) FROM schema_version").fetchone()[0] if created else None
        except sqlite3.Error as exc:
            conn.close()
            raise StoreError(f"cannot read {path}: {exc}", hint="is the file readable and not corrupt?") from exc
        if not version:
            conn.close()
            return None
        conn.row_factory = sqlite3.Row
        return cls(conn)

    def close(self) -> None:
        self._conn.close()

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """The reads inside it in one transaction (BEGIN ... COMMIT): one consistent view, as Store.snapshot."""
        if self._conn.in_transaction:   # nested: the outer snapshot holds the view
            yield
            return
        try:
            self._conn.execute("BEGIN")
        except sqlite3.Error as exc:
            raise StoreError(f"reading the state database failed: {exc}", hint="try again") from exc
        try:
            yield
        finally:
            if self._conn.in_transaction:
                self._conn.execute("COMMIT")   # read-only: ends the snapshot, changes nothing

    def _rows(self, sql: str, *args: Any) -> list[dict[str, Any]]:
        try:
            rows = self._conn.execute(sql, args).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"reading the state database failed: {exc}",
                             hint="run any writing command (e.g. `shipmate recover`) to migrate it") from exc
        out = []
        for row in rows:
            values = dict(row)
            for key in _JSON_COLUMNS & values.keys():
                if values[key] is not None:
                    values[key] = json.loads(values[key])
            out.append(values)
        return out

    def active_deployments(self) -> list[DeploymentRow]:
        active = sorted(s.value for s in DeploymentState if s not in TERMINAL_STATES)   # IN: the state index helps
        marks = ",".join("?" for _ in active)
        rows = self._rows(f"SELECT * FROM deployments WHERE state IN ({marks}) ORDER BY started_at", *active)
        return [DeploymentRow.of(r) for r in rows]  # type: ignore[arg-type]

    def deployments(self, service: str, environment: str, limit: int = 20) -> list[DeploymentRow]:
        rows = self._rows("SELECT * FROM deployments WHERE service = ? AND environment = ? "
                          "ORDER BY started_at DESC LIMIT ?", service, environment, limit)
        return [DeploymentRow.of(r) for r in rows]  # type: ignore[arg-type]

    def all_current(self) -> list[CurrentRow]:
        return [CurrentRow.of(r) for r in self._rows("SELECT * FROM current")]  # type: ignore[arg-type]

    def current(self, service: str, environment: str) -> CurrentRow | None:
        rows = self._rows("SELECT * FROM current WHERE service = ? AND environment = ?", service, environment)
        return CurrentRow.of(rows[0]) if rows else None  # type: ignore[arg-type]

    def get_release(self, release_id: str) -> ReleaseRow | None:
        rows = self._rows("SELECT * FROM releases WHERE id = ?", release_id)
        return ReleaseRow.of(rows[0]) if rows else None  # type: ignore[arg-type]

    def releases_by_id(self, release_ids: Iterable[str]) -> dict[str, ReleaseRow]:
        """Same answer as Store.releases_by_id: one statement per 500 ids, absent ids left out."""
        ids = sorted(set(release_ids))
        found: dict[str, ReleaseRow] = {}
        for start in range(0, len(ids), 500):
            part = ids[start:start + 500]
            rows = self._rows(f"SELECT * FROM releases WHERE id IN ({','.join('?' for _ in part)})", *part)
            found.update((r["id"], ReleaseRow.of(r)) for r in rows)  # type: ignore[arg-type]
        return found

    def lock_owner_alive(self, key: str) -> bool:
        """True when a live process on this host holds ``key``: alive, and not silent for 3 leases."""
        rows = self._rows("SELECT owner, heartbeat_at, lease_until, released_at FROM locks WHERE key = ?", key)
        if not rows:
            return False
        row = rows[0]
        seen = judge(json.loads(row["owner"]), heartbeat_at=row["heartbeat_at"], lease_until=row["lease_until"],
                     released_at=row["released_at"], now=time.time())
        return seen.held and seen.owner_alive is True

    def live_lock_owner(self, key: str) -> dict[str, Any] | None:
        """The owner record of ``key`` when a live process on this host holds it, else None."""
        if not self.lock_owner_alive(key):
            return None
        rows = self._rows("SELECT owner FROM locks WHERE key = ?", key)
        return dict(json.loads(rows[0]["owner"])) if rows else None

    def get_instance(self, instance_id: str) -> InstanceRow | None:
        rows = self._rows("SELECT * FROM instances WHERE id = ?", instance_id)
        return InstanceRow.of(rows[0]) if rows else None  # type: ignore[arg-type]

    def instances(self, service: str, environment: str | None, *, live_only: bool = False) -> list[InstanceRow]:
        """Same answer as Store.instances: oldest first; live_only keeps starting/running/draining rows;
        ``environment`` None: every environment of the service."""
        sql = "SELECT * FROM instances WHERE service = ?"
        args: list[Any] = [service]
        if environment is not None:
            sql += " AND environment = ?"
            args.append(environment)
        if live_only:
            sql += f" AND status IN ({','.join('?' for _ in LIVE_INSTANCE_STATUSES)})"
            args += sorted(LIVE_INSTANCE_STATUSES)
        rows = self._rows(sql + " ORDER BY created_at", *args)
        return [InstanceRow.of(r) for r in rows]  # type: ignore[arg-type]

    def memory_search(self, terms: list[str], limit: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """`memory search` without SQLAlchemy: the same statements as Store.memory.search (memory_search.py);
        nothing found when the database predates the failure memory."""
        from shipmate.store.memory_search import search_rows_with

        has_memory = self._conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'memory_fixes_fts'").fetchone()
        if has_memory is None:
            return [], []
        return search_rows_with(lambda sql, args: self._rows(sql, *args), terms, limit)
