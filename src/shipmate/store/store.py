"""Store: the one source of truth, and the only code that writes the state database.

Reads are in queries.py, fenced writes in mutations.py; this module opens the database,
owns the transactions, events and locks, and catches the JSONL mirror up after each commit.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, overload

from sqlalchemy import Connection

from shipmate.errors import NotFoundError, StoreError
from shipmate.store import events, location, locks, migrations
from shipmate.store.api_tokens import StoreApiTokens
from shipmate.store.approvals import StoreApprovals
from shipmate.store.audit_mirror import MIRROR_RELATIVE, AuditMirror
from shipmate.store.db import DB_FILENAME, Database
from shipmate.store.decider_tokens import StoreDeciderTokens
from shipmate.store.group_commit import GroupCommitter
from shipmate.store.inbox_tasks import StoreInboxTasks
from shipmate.store.mutations import StoreMutations, WriteTx
from shipmate.store.queries import StoreQueries
from shipmate.store.rows import EventRow, LockRow
from shipmate.store.stack_runs import StoreStackRuns

if TYPE_CHECKING:
    from shipmate.store.memory import MemoryRepository
    from shipmate.store.metric_reads import MetricReads
    from shipmate.store.pg_homes import HomeEntry
    from shipmate.store.report_reading import ReportRepository, ReportSends
    from shipmate.store.uptime import UptimeRepository


class Store(StoreQueries, StoreMutations, StoreApprovals, StoreInboxTasks, StoreDeciderTokens, StoreApiTokens,
            StoreStackRuns):
    """Open with Store.open(home) or Store.open_readonly(home); close() or use as a context manager."""

    def __init__(self, home: Path, db: Database) -> None:
        self._home = home
        self._db = db
        self._mirror = AuditMirror(home / MIRROR_RELATIVE)
        self._appends = GroupCommitter(self._db.write, self._sync_mirror)
        self.last_mirror_error: Exception | None = None

    # -- opening ------------------------------------------------------------------------------

    @classmethod
    def open(cls, home: Path, *, readonly: bool = False) -> Store:
        """Writable: create the dir, migrate, catch up the mirror. Readonly: NotFoundError if absent."""
        if readonly:
            store = cls.open_readonly(home)
            if store is None:
                raise NotFoundError(f"no state database at {home / DB_FILENAME}",
                                    hint="nothing has been deployed from here yet")
            return store
        try:
            home.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create state directory {home}: {exc.strerror}",
                             hint="check permissions, or set SHIPMATE_HOME") from exc
        store = cls(home, _database(home, readonly=False))
        try:
            with store._db.write() as conn:
                migrations.migrate(conn, store._db.where)
            store._mirror.sync(store._events_after)
        except BaseException:
            store.close()
            raise
        return store

    @classmethod
    def open_readonly(cls, home: Path) -> Store | None:
        """Open for reading only, touching nothing; None when there is no database yet."""
        path = home / DB_FILENAME
        if location.configured_url() is None and not path.is_file():
            return None
        db = _database(home, readonly=True)
        if db is None:
            return None
        store = cls(home, db)
        try:
            with store._db.read() as conn:
                version = migrations.applied_version(conn)
            migrations.check_not_newer(version, store._db.where)
            if version == 0:
                store.close()
                return None
            if version < migrations.HEAD:
                raise StoreError(f"state database {store._db.where} has schema version {version}, older than "
                                 f"{migrations.HEAD}", hint="run any command without --dry-run to migrate")
        except BaseException:
            store.close()
            raise
        return store

    @classmethod
    def open_listed(cls, url: str, schema: str, home: Path) -> Store:
        """Read-only: a home another host (or this one) registered in the shared PostgreSQL at ``url``."""
        return cls(home, Database(home / DB_FILENAME, readonly=True, url=url, schema=schema))

    @staticmethod
    def listed_homes(url: str) -> list[HomeEntry]:
        """Every home registered in the PostgreSQL at ``url``, newest first (store/pg_homes.py)."""
        from shipmate.store import pg_homes, postgres_dialect

        registry = postgres_dialect.create_postgres_engine(url, None)
        try:
            with Database.mapped(url):
                return pg_homes.list_homes(registry)
        finally:
            registry.dispose()

    @property
    def home(self) -> Path:
        return self._home

    @property
    def path(self) -> Path:
        """The SQLite file (for a PostgreSQL home: where it would be; ``location`` names the real place)."""
        return self._db.path

    @property
    def location(self) -> str:
        """Where this home's state is: the SQLite file, or the PostgreSQL URL (password masked) and schema."""
        return self._db.where

    @property
    def backend(self) -> str:
        return "postgresql" if self._db.postgres else "sqlite"

    @property
    def mirror_path(self) -> Path:
        return self._mirror.path

    @property
    def readonly(self) -> bool:
        return self._db.readonly

    @property
    def memory(self) -> MemoryRepository:
        """The failure memory's repository, imported on first use (fast commands never load it)."""
        from shipmate.store.memory import MemoryRepository

        return MemoryRepository(self._read, self._write, readonly=self.readonly)

    @property
    def metric_reads(self) -> MetricReads:
        """Grouped counts for `/metrics`, imported on first use."""
        from shipmate.store.metric_reads import MetricReads

        return MetricReads(self._read)

    @property
    def uptime(self) -> UptimeRepository:
        """Uptime samples, rollups, incidents and alert state, imported on first use."""
        from shipmate.store.uptime import UptimeRepository

        return UptimeRepository(self._read, self._write)

    @property
    def reports(self) -> ReportRepository:
        """The rows reports are computed from (and the record of scheduled reports sent), imported on first use."""
        from shipmate.store.report_reading import ReportRepository

        return ReportRepository(self._read, self._write)

    @property
    def report_sends(self) -> ReportSends:
        """Which scheduled reports `serve` sent (once per period, across restarts)."""
        from shipmate.store.report_reading import ReportSends

        return ReportSends(self._read, self._write)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # -- transactions -------------------------------------------------------------------------

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self._db.read() as conn:
            yield conn

    @contextmanager
    def _write(self) -> Iterator[WriteTx]:
        with self._db.write() as conn:
            tx = WriteTx(conn)
            yield tx
        if tx.appended:
            self._sync_mirror(tx.appended)

    def _events_after(self, seq: int) -> list[EventRow]:
        with self._read() as conn:
            return events.query(conn, after_seq=seq, limit=None)

    def _sync_mirror(self, fresh: Sequence[EventRow] = ()) -> None:
        # The commit already happened: a mirror failure must not look like a failed write.
        # The next write or writable open catches the file up from the database.
        try:
            self._mirror.sync(self._events_after, fresh)
            self.last_mirror_error = None
        except (OSError, StoreError) as exc:
            self.last_mirror_error = exc

    # -- events -------------------------------------------------------------------------------

    def append_event(self, *, event_type: str, service: str, environment: str, version: str | None,
                     status: str, deployment_id: str | None = None, trace_id: str | None = None,
                     duration_seconds: float | None = None, errors: Sequence[str] = (),
                     notes: str = "", deployed_by: str, data: dict[str, Any] | None = None) -> EventRow:
        """Returns once the event is durable; callers appending at once share a commit (group_commit.py)."""
        return self._appends.append(dict(
            event_type=event_type, service=service, environment=environment, version=version, status=status,
            deployment_id=deployment_id, trace_id=trace_id, duration_seconds=duration_seconds, errors=errors,
            notes=notes, deployed_by=deployed_by, data=data))

    def events(self, *, service: str | None = None, environment: str | None = None,
               deployment_id: str | None = None, limit: int | None = 100,
               after_seq: int | None = None) -> list[EventRow]:
        """Ascending seq: the newest `limit` matching events, or the first `limit` after after_seq."""
        with self._read() as conn:
            return events.query(conn, service=service, environment=environment,
                                deployment_id=deployment_id, limit=limit, after_seq=after_seq)

    def verify_chain(self) -> tuple[bool, int | None, int]:
        """(ok, first bad seq, rows checked)."""
        with self._read() as conn:
            return events.verify_chain(conn)

    def verify_mirror(self) -> tuple[bool, str]:
        return self._mirror.compare(self._events_after)

    # -- locks --------------------------------------------------------------------------------

    def acquire_lock(self, key: str, *, owner: dict[str, Any], lease_seconds: float) -> LockRow:
        with self._write() as tx:
            row, takeover = locks.acquire(tx.conn, key, owner, lease_seconds)
            tx.appended.extend([takeover] if takeover else [])
            return row

    def heartbeat(self, key: str, fencing: int, lease_seconds: float) -> None:
        with self._write() as tx:
            locks.heartbeat(tx.conn, key, fencing, lease_seconds)

    def release_lock(self, key: str, fencing: int) -> None:
        with self._write() as tx:
            locks.release(tx.conn, key, fencing)

    def force_release_lock(self, key: str, *, actor: str) -> LockRow | None:
        with self._write() as tx:
            row, audit = locks.force_release(tx.conn, key, actor)
            tx.appended.extend([audit] if audit else [])
            return row

    def locks(self) -> list[LockRow]:
        with self._read() as conn:
            return locks.all_locks(conn)

    def lock_owner_alive(self, key: str) -> bool:
        """True when a live, heartbeating process on this host holds ``key`` (same answer as SqliteReader's)."""
        with self._read() as conn:
            row = locks.one_lock(conn, key)
        return row is not None and row.held and row.owner_alive is True


@overload
def _database(home: Path, *, readonly: Literal[False]) -> Database: ...
@overload
def _database(home: Path, *, readonly: Literal[True]) -> Database | None: ...
def _database(home: Path, *, readonly: bool) -> Database | None:
    """The home's database: its SQLite file, or its schema in the configured PostgreSQL (created when writable;
    None when read-only and the home was never written)."""
    url = location.configured_url()
    if url is None:
        return Database(home / DB_FILENAME, readonly=readonly)
    from shipmate.store import pg_homes, postgres_dialect

    registry = postgres_dialect.create_postgres_engine(url, None)
    try:
        with Database.mapped(url):
            if readonly:
                name = pg_homes.schema_for(home)
                if not postgres_dialect.waiting_out_restarts(lambda: pg_homes.schema_exists(registry, name)):
                    return None
            else:
                name = postgres_dialect.waiting_out_restarts(lambda: pg_homes.ensure_home(registry, home))
    finally:
        registry.dispose()
    return Database(home / DB_FILENAME, readonly=readonly, url=url, schema=name)
