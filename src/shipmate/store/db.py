"""The database handle: engine, read/write transactions, and driver errors mapped at this one edge."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, event
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from shipmate.errors import StoreError
from shipmate.interruptions import signals_held
from shipmate.secrets.redact import redact_tree
from shipmate.store import sqlite_dialect, write_lock_holder

DB_FILENAME = "state.db"


class Database:
    """One state database; every transaction goes through read() or write()."""

    def __init__(self, path: Path, *, readonly: bool) -> None:
        self.path = path
        self.readonly = readonly
        self.engine: Engine = sqlite_dialect.create_sqlite_engine(path, readonly=readonly)
        if not readonly:   # every value written passes here: known secret values never reach the file
            event.listen(self.engine, "before_cursor_execute", _redacted_parameters, retval=True)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A consistent snapshot (plain BEGIN): readers never block the writer in WAL mode."""
        with self._mapped_errors(), self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """BEGIN IMMEDIATE: the write lock is taken first, so checks and writes see one state.

        Atomic to interruptions: a Ctrl-C/SIGTERM/SIGHUP arriving meanwhile is raised once the
        transaction has ended and its connection is back in the pool (never holding the lock).
        """
        if self.readonly:
            raise StoreError(f"{self.path} was opened read-only",
                             hint="this command must not change state (--dry-run?)")
        with signals_held(deliver=True), self._mapped_errors(), self.engine.connect() as conn:
            conn.execution_options(**{sqlite_dialect.WRITE_OPTION: True})
            with conn.begin():
                yield conn

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _mapped_errors(self) -> Iterator[None]:
        try:
            yield
        except DBAPIError as exc:
            raise self.store_error(exc) from exc
        except SQLAlchemyError as exc:
            raise StoreError(f"state database {self.path}: {exc}",
                             hint="this is a bug in shipmate; please report it") from exc

    def store_error(self, exc: BaseException) -> StoreError:
        known = sqlite_dialect.describe_error(exc)
        if known is not None:
            what, hint = known
            if sqlite_dialect.is_lock_timeout(exc):
                hint = write_lock_holder.holder_hint(self.path) or hint
            return StoreError(f"state database {self.path} {what}", hint=hint)
        detail = str(getattr(exc, "orig", exc)).splitlines()[0]
        return StoreError(f"state database {self.path} refused a change: {detail}",
                          hint="run `shipmate status` to inspect; report it if it persists")


def _redacted_parameters(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
                         executemany: bool) -> tuple[str, Any]:
    return statement, redact_tree(parameters)
