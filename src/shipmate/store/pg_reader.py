"""The fast readers' answers for a home kept in PostgreSQL: SqliteReader's methods, through the Store.

Status, history, logs, recall and the policy gates open ``SqliteReader.open(home)`` (stdlib sqlite3, no
SQLAlchemy: agents call them in loops). For a home in PostgreSQL that open returns this class instead, with
every public method SqliteReader has (a test holds them equal), so none of those callers changes; it pays
SQLAlchemy's import, which a networked database needs anyway. Not a subclass: sqlite_reader imports it.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shipmate.store.rows import CurrentRow, DeploymentRow, InstanceRow, ReleaseRow

if TYPE_CHECKING:
    from shipmate.store.store import Store


class PostgresReader:
    def __init__(self, store: Store) -> None:
        self._store = store

    @classmethod
    def open_home(cls, home: Path, flavour: type[Any]) -> PostgresReader | None:
        """``flavour``: the SqliteReader class asked for (e.g. the web API's PagedReader): its own queries run
        here through ``_rows``, the base ones through the Store."""
        from shipmate.store.store import Store

        store = Store.open_readonly(home)
        if store is None:
            return None
        kind = cls if flavour.__name__ == "SqliteReader" else type(f"Postgres{flavour.__name__}", (cls, flavour), {})
        reader: PostgresReader = kind(store)
        return reader

    def _rows(self, sql: str, *args: Any) -> list[dict[str, Any]]:
        """A flavour's plain SQL (sqlite3's ``?`` placeholders) on PostgreSQL; JSON columns arrive decoded."""
        from sqlalchemy import text

        with self._store._read() as conn:
            binds = {f"p{i}": value for i, value in enumerate(args)}
            parts = sql.split("?")
            statement = "".join(part + (f":p{i}" if i < len(args) else "") for i, part in enumerate(parts))
            return [dict(m) for m in conn.execute(text(statement), binds).mappings()]

    def close(self) -> None:
        self._store.close()

    def active_deployments(self) -> list[DeploymentRow]:
        return self._store.active_deployments()

    def deployments(self, service: str, environment: str, limit: int = 20) -> list[DeploymentRow]:
        return self._store.deployments(service, environment, limit)

    def all_current(self) -> list[CurrentRow]:
        return self._store.all_current()

    def current(self, service: str, environment: str) -> CurrentRow | None:
        return self._store.current(service, environment)

    def get_release(self, release_id: str) -> ReleaseRow | None:
        return self._store.get_release(release_id)

    def snapshot(self) -> AbstractContextManager[None]:
        return self._store.snapshot()

    def releases_by_id(self, release_ids: Iterable[str]) -> dict[str, ReleaseRow]:
        return self._store.releases_by_id(release_ids)

    def lock_owner_alive(self, key: str) -> bool:
        return self._store.lock_owner_alive(key)

    def live_lock_owner(self, key: str) -> dict[str, Any] | None:
        rows = [row for row in self._store.locks() if row.key == key and row.held and row.owner_alive is True]
        return dict(rows[0].owner) if rows else None

    def get_instance(self, instance_id: str) -> InstanceRow | None:
        return self._store.get_instance(instance_id)

    def instances(self, service: str, environment: str | None, *, live_only: bool = False) -> list[InstanceRow]:
        return self._store.instances(service, environment, live_only=live_only)

    def memory_search(self, terms: list[str], limit: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        return self._store.memory.search(terms, limit)
