"""`shipmate store copy --to postgresql://...`: a SQLite home's whole history into its PostgreSQL schema.

One PostgreSQL write transaction (the home's advisory lock held): a copy is all there or not at all. Rows
are inserted with ON CONFLICT DO NOTHING on their primary keys, so a second run adds nothing; events must
extend what the target already holds (same seq, same hash), else the copy refuses: two different
histories are never merged into one chain. The target's chain is verified and its head must be the
source's head before the copy commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Integer, Table, func, select
from sqlalchemy.dialects.postgresql import insert

from shipmate.errors import InvalidInputError, NotFoundError, StoreError
from shipmate.store import events, migrations, schema
from shipmate.store.db import DB_FILENAME, Database

BATCH = 1000


@dataclass(frozen=True)
class CopyReport:
    source: str
    target: str
    added: dict[str, int]     # rows inserted per table (0 everywhere on a second run)
    events: int               # events in the target's chain after the copy
    head_hash: str | None

    @property
    def total_added(self) -> int:
        return sum(self.added.values())


def copy_home(home: Path, url: str) -> CopyReport:
    """Copy ``home``'s SQLite state into ``url`` (a checked postgresql URL)."""
    from shipmate.store import pg_homes, postgres_dialect

    path = home / DB_FILENAME
    if not path.is_file():
        raise NotFoundError(f"no state database at {path}", hint="nothing has been deployed from here yet")
    source = Database(path, readonly=True)
    registry = postgres_dialect.create_postgres_engine(url, None)
    try:
        with Database.mapped(url):
            name = postgres_dialect.waiting_out_restarts(lambda: pg_homes.ensure_home(registry, home))
    except StoreError as exc:   # a bad URL or a server that does not answer is bad input to this command
        raise InvalidInputError(f"--to: {exc.message}", hint=exc.hint) from exc
    finally:
        registry.dispose()
    target = Database(path, readonly=False, url=url, schema=name)
    try:
        with source.read() as src:
            ok, bad, _ = events.verify_chain(src)
            if not ok:
                raise StoreError(f"{path}: the event chain is broken at seq {bad}; nothing was copied",
                                 hint="`shipmate events --verify` shows it; restore a backup first")
            with target.write() as dst:
                migrations.migrate(dst, target.where)
                added = {t.name: _copy_table(src, dst, t) for t in schema.metadata.sorted_tables
                         if t.name not in (schema.schema_version.name, schema.events.name)}
                added[schema.events.name] = _copy_events(src, dst, target.where)
                ok, bad, count = events.verify_chain(dst)
                head = dst.execute(select(schema.events.c.hash).order_by(schema.events.c.seq.desc())
                                   .limit(1)).scalar()
                source_head = src.execute(select(schema.events.c.hash).order_by(schema.events.c.seq.desc())
                                          .limit(1)).scalar()
                if not ok or head != source_head:
                    raise StoreError(f"{target.where}: the copied chain does not verify (at seq {bad}); "
                                     "nothing was copied", hint="report it; the SQLite home is unchanged")
    finally:
        source.close()
        target.close()
    return CopyReport(source=str(path), target=target.where, added=added, events=count,
                      head_hash=None if head is None else str(head))


def _copy_table(src: Connection, dst: Connection, table: Table) -> int:
    keys = [c.name for c in table.primary_key.columns]
    added, offset = 0, 0
    while True:
        rows = [dict(m) for m in src.execute(select(table).order_by(*table.primary_key.columns)
                                             .limit(BATCH).offset(offset)).mappings()]
        if not rows:
            break
        offset += len(rows)
        inserted = dst.execute(insert(table).values(rows).on_conflict_do_nothing(index_elements=keys)
                               .returning(*table.primary_key.columns)).all()   # only the rows it added
        added += len(inserted)
    _advance_sequences(dst, table)
    return added


def _advance_sequences(dst: Connection, table: Table) -> None:
    # Explicit ids do not move a SERIAL column's sequence: the next insert there would reuse a copied id.
    for column in table.primary_key.columns:
        if isinstance(column.type, Integer) and column.autoincrement is True:
            dst.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column.name}'), "
                f"(SELECT coalesce(max({column.name}), 0) + 1 FROM {table.name}), false) "
                f"WHERE pg_get_serial_sequence('{table.name}', '{column.name}') IS NOT NULL")


def _copy_events(src: Connection, dst: Connection, where: str) -> int:
    t = schema.events
    have = int(dst.execute(select(func.coalesce(func.max(t.c.seq), 0))).scalar_one())
    if have:
        theirs = dst.execute(select(t.c.hash).where(t.c.seq == have)).scalar()
        ours = src.execute(select(t.c.hash).where(t.c.seq == have)).scalar()
        if theirs != ours:
            raise InvalidInputError(f"{where} already holds a different history for this home (event {have} "
                                    "differs); nothing was copied",
                                    hint="copy into an empty database, or set SHIPMATE_HOME_NAME to keep it apart")
    added, after = 0, have
    while True:
        rows = [dict(m) for m in src.execute(select(t).where(t.c.seq > after).order_by(t.c.seq)
                                             .limit(BATCH)).mappings()]
        if not rows:
            return added
        dst.execute(insert(t).values(rows))
        added += len(rows)
        after = int(rows[-1]["seq"])
