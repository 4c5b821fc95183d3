"""Numbered migrations recorded in schema_version, applied in one write transaction.

A fresh database gets the latest schema from store/schema/ at once and is stamped with every
migration (the "stamp head" pattern), so migration 1 never has to replay history.
An existing database runs only the migrations it has not recorded yet.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, Table, inspect, select, text

from shipmate.errors import StoreError
from shipmate.store import schema, sqlite_dialect


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    apply: Callable[[Connection], None]


def _install_dialect_objects(conn: Connection) -> None:
    # Dialect hook: triggers and other non-portable DDL; a PostgreSQL store adds its own branch.
    if conn.dialect.name == "sqlite":
        sqlite_dialect.install_event_triggers(conn)
        sqlite_dialect.install_memory_search(conn)
    elif conn.dialect.name == "postgresql":
        from shipmate.store import postgres_dialect

        postgres_dialect.install_event_triggers(conn)
        postgres_dialect.install_memory_search(conn)


def _initial(conn: Connection) -> None:
    schema.metadata.create_all(conn)
    _install_dialect_objects(conn)


def _add_json_column(conn: Connection, table: Table, column: str) -> None:
    """Plain DDL: one nullable JSON column, so no table rebuild; rows written before it read NULL."""
    if column not in {c["name"] for c in inspect(conn).get_columns(table.name)}:
        conn.execute(text(f"ALTER TABLE {table.name} ADD COLUMN {column} JSON"))


def _instance_handles(conn: Connection) -> None:
    # Plain DDL: one nullable column, so no table rebuild; rows written before keep NULL and are read
    # through their pid/create_time/log_path columns (engine.context.ref_of).
    _add_json_column(conn, schema.instances, "handle")


def _release_facts(conn: Connection) -> None:
    # Facts learned about a release after it was built (the MCP schema hash and tools); NULL reads as {}.
    _add_json_column(conn, schema.releases, "facts")


def _deployment_confidence(conn: Connection) -> None:
    # Plain DDL like migration 2: deployments made before it keep NULL (no score was computed).
    _add_json_column(conn, schema.deployments, "confidence")


def _approvals(conn: Connection) -> None:
    schema.approvals.create(conn, checkfirst=True)


def _deployment_origin(conn: Connection) -> None:
    # Where a promoted deployment's release proved itself (the staging deployment, its verdict, samples).
    _add_json_column(conn, schema.deployments, "origin")


def _decider_tokens(conn: Connection) -> None:
    schema.decider_tokens.create(conn, checkfirst=True)


def _api_tokens(conn: Connection) -> None:
    schema.api_tokens.create(conn, checkfirst=True)


def _inbox_tasks(conn: Connection) -> None:
    schema.inbox_tasks.create(conn, checkfirst=True)
def _instance_supervision(conn: Connection) -> None:
    # What `shipmate serve` learned of an instance: restarts in its slot, how the one before it ended, and
    # whether the router has it in rotation. NULL reads as {} (never supervised).
    _add_json_column(conn, schema.instances, "supervision")


def _stack_runs(conn: Connection) -> None:
    # Self-contained: two new tables, nothing existing changes.
    for table in schema.STACK_TABLES:
        table.create(conn, checkfirst=True)


def _failure_memory(conn: Connection) -> None:
    # Self-contained: new tables only (and their full-text index), nothing existing changes.
    for table in schema.MEMORY_TABLES:
        table.create(conn, checkfirst=True)
    if conn.dialect.name == "sqlite":
        sqlite_dialect.install_memory_search(conn)
    elif conn.dialect.name == "postgresql":
        from shipmate.store import postgres_dialect

        postgres_dialect.install_memory_search(conn)


def _uptime(conn: Connection) -> None:
    # Self-contained: new tables only (raw samples, hourly rollups, incidents, alert state).
    for table in schema.UPTIME_TABLES:
        table.create(conn, checkfirst=True)
def _report_sends(conn: Connection) -> None:
    # Self-contained: one new table (scheduled reports sent by serve).
    schema.report_sends.create(conn, checkfirst=True)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "initial schema: releases, deployments, steps, current, instances, events, locks",
              _initial),
    Migration(2, "instances.handle: the target's opaque per-instance handle (JSON)", _instance_handles),
    Migration(3, "releases.facts: what was learned about a release after it was built (JSON)", _release_facts),
    Migration(4, "deployments.confidence: the confidence score and its factors (JSON)", _deployment_confidence),
    Migration(5, "approvals: requests for a person's yes before a gated change", _approvals),
    Migration(6, "deployments.origin: the evidence a promoted release carries from its source environment (JSON)",
              _deployment_origin),
    Migration(7, "instances.supervision: restarts, last exit and rotation as `shipmate serve` saw them (JSON)",
              _instance_supervision),
    Migration(8, "inbox_tasks: one row per inbox trace id (idempotency key, claim owner, outcome)", _inbox_tasks),
    Migration(9, "failure memory: signatures, failures, known fixes, outcomes, deployment notes (+ full-text)",
              _failure_memory),
    Migration(10, "decider_tokens: people's tokens for deciding approvals (hashes only)", _decider_tokens),
    Migration(11, "api_tokens: HTTP API tokens with a scope, a person's or an agent's (hashes only)", _api_tokens),
    Migration(12, "uptime: raw samples, hourly rollups, incidents and alert state (shipmate serve)", _uptime),
    Migration(13, "report_sends: scheduled reports serve sent, once per period", _report_sends),
    Migration(14, "stack_runs, stack_members: several services released together (stacks)", _stack_runs),
)

HEAD = MIGRATIONS[-1].version


def applied_version(conn: Connection) -> int:
    """Highest recorded migration, 0 for an empty database."""
    if not inspect(conn).has_table(schema.schema_version.name):
        return 0
    found = conn.execute(select(schema.schema_version.c.version)
                         .order_by(schema.schema_version.c.version.desc()).limit(1)).scalar()
    return int(found or 0)


def check_not_newer(version: int, path: str) -> None:
    if version > HEAD:
        raise StoreError(f"state database {path} has schema version {version}, newer than this "
                         f"shipmate knows ({HEAD})", hint="upgrade shipmate")


def migrate(conn: Connection, path: str) -> list[int]:
    """Bring the schema to HEAD inside the caller's write transaction; returns versions applied."""
    version = applied_version(conn)
    check_not_newer(version, path)
    now = time.time()
    if version == 0:
        _initial(conn)
        conn.execute(schema.schema_version.insert(),
                     [{"version": m.version, "name": m.name, "applied_at": now} for m in MIGRATIONS])
        return [m.version for m in MIGRATIONS]
    done: list[int] = []
    for migration in MIGRATIONS:
        if migration.version <= version:
            continue
        migration.apply(conn)
        conn.execute(schema.schema_version.insert().values(
            version=migration.version, name=migration.name, applied_at=now))
        done.append(migration.version)
    return done
