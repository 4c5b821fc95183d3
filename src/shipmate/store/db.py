"""The database handle: engine, read/write transactions, and driver errors mapped at this one edge."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, RootTransaction, event
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from shipmate.errors import StoreError
from shipmate.interruptions import signals_held
from shipmate.secrets.redact import redact_tree
from shipmate.store import sqlite_dialect, write_lock_holder

DB_FILENAME = "state.db"
RECONNECT_S = 60.0   # how long a transaction waits for a restarting PostgreSQL before it is an error


class Database:
    """One state database; every transaction goes through read() or write().

    ``url``/``schema``: a home kept in a shared PostgreSQL database (postgres_dialect.py), else ``path``'s
    SQLite file. ``where`` names it in messages (the URL with its password masked, and the schema).
    """

    def __init__(self, path: Path, *, readonly: bool, url: str | None = None, schema: str | None = None) -> None:
        self.path = path
        self.readonly = readonly
        self.postgres = url is not None
        if url is not None:
            from shipmate.store import postgres_dialect
            from shipmate.store.location import shown

            self.where = f"{shown(url)} (schema {schema})"
            self.engine: Engine = postgres_dialect.create_postgres_engine(url, schema)
            self.read_engine = postgres_dialect.create_postgres_engine(url, schema, isolation_level="REPEATABLE READ")
        else:
            self.where = str(path)
            self.engine = sqlite_dialect.create_sqlite_engine(path, readonly=readonly)
            self.read_engine = self.engine
        self._held = threading.local()   # this thread's snapshot connection, while one is open
        if not readonly:   # every value written passes here: known secret values never reach the file
            event.listen(self.engine, "before_cursor_execute", _redacted_parameters, retval=True)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A consistent snapshot (plain BEGIN): readers never block the writer in WAL mode. Inside snapshot():
        that snapshot's connection and transaction."""
        held: Connection | None = getattr(self._held, "conn", None)
        if held is not None:
            with self._mapped_errors():
                yield held
            return
        with self._mapped_errors():
            conn, tx = self._begin(self.read_engine, {})
            with conn, tx:
                yield conn

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Every read() of this thread inside it shares one transaction: a screen's reads see one state, and
        pay one pool checkout and BEGIN instead of one per read. Writes still take their own transaction."""
        if getattr(self._held, "conn", None) is not None:   # nested: the outer snapshot already holds one
            yield
            return
        with self.read() as conn:
            self._held.conn = conn
            try:
                yield
            finally:
                self._held.conn = None

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """BEGIN IMMEDIATE (PostgreSQL: the home's advisory lock): the write lock is taken first, so checks
        and writes see one state.

        Atomic to interruptions: a Ctrl-C/SIGTERM/SIGHUP arriving meanwhile is raised once the
        transaction has ended and its connection is back in the pool (never holding the lock).
        """
        if self.readonly:
            raise StoreError(f"{self.where} was opened read-only",
                             hint="this command must not change state (--dry-run?)")
        with signals_held(deliver=True), self._mapped_errors():
            conn, tx = self._begin(self.engine, {sqlite_dialect.WRITE_OPTION: True})
            with conn, tx:
                yield conn

    def _begin(self, engine: Engine, options: dict[str, Any]) -> tuple[Connection, RootTransaction]:
        """A connection in a begun transaction. A PostgreSQL that is restarting is waited for (bounded): nothing
        ran yet, so trying again is safe for every transaction; a loss after this point is an error."""
        deadline = time.monotonic() + RECONNECT_S
        while True:
            conn: Connection | None = None
            try:
                conn = engine.connect()
                conn.execution_options(**options)
                return conn, conn.begin()
            except DBAPIError as exc:
                if conn is not None:
                    conn.invalidate()
                    conn.close()
                if not self._lost(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    def _lost(self, exc: BaseException) -> bool:
        if not self.postgres:
            return False
        from shipmate.store import postgres_dialect

        return postgres_dialect.is_connection_lost(exc)

    def close(self) -> None:
        self.engine.dispose()
        self.read_engine.dispose()

    def _mapped_errors(self) -> AbstractContextManager[None]:
        return mapped_errors(self.where, self.path if not self.postgres else None)

    def store_error(self, exc: BaseException) -> StoreError:
        return store_error(exc, self.where, self.path if not self.postgres else None)

    @staticmethod
    def mapped(url: str) -> AbstractContextManager[None]:
        """Driver errors of a PostgreSQL ``url`` (e.g. the home registry's) mapped as a Database's are."""
        from shipmate.store.location import shown

        return mapped_errors(shown(url), None)


@contextmanager
def mapped_errors(where: str, sqlite_path: Path | None) -> Iterator[None]:
    try:
        yield
    except DBAPIError as exc:
        raise store_error(exc, where, sqlite_path) from exc
    except SQLAlchemyError as exc:
        raise StoreError(f"state database {where}: {exc}",
                         hint="this is a bug in shipmate; please report it") from exc


def store_error(exc: BaseException, where: str, sqlite_path: Path | None) -> StoreError:
    """``sqlite_path``: the SQLite file (None: PostgreSQL)."""
    if sqlite_path is None:
        from shipmate.store import postgres_dialect

        known = postgres_dialect.describe_error(exc)
    else:
        known = sqlite_dialect.describe_error(exc)
    if known is not None:
        what, hint = known
        if sqlite_path is not None and sqlite_dialect.is_lock_timeout(exc):
            hint = write_lock_holder.holder_hint(sqlite_path) or hint
        return StoreError(f"state database {where} {what}", hint=hint)
    detail = str(getattr(exc, "orig", exc)).splitlines()[0]
    return StoreError(f"state database {where} refused a change: {detail}",
                      hint="run `shipmate status` to inspect; report it if it persists")


def _redacted_parameters(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
                         executemany: bool) -> tuple[str, Any]:
    return statement, redact_tree(parameters)
