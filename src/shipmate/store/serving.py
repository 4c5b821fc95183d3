"""What is serving: the current-release pointer (one row per service+environment) and instances."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Connection, select, text

from shipmate.errors import NotFoundError, StoreError
from shipmate.store import schema
from shipmate.store.rows import LIVE_INSTANCE_STATUSES, CurrentRow, InstanceRow

INSTANCE_STATUSES = frozenset({"starting", "running", "draining", "stopped", "failed"})

_cur, _ins = schema.current, schema.instances


# -- current pointer --------------------------------------------------------------------------

def set_current(conn: Connection, service: str, environment: str, *, release_id: str,
                deployment_id: str) -> CurrentRow:
    """Replace the pointer in place: the primary key makes a second current row impossible.

    It names a release; which of its instances serve is the instances table's (live rows of that release).
    """
    where = (_cur.c.service == service, _cur.c.environment == environment)
    values = {"release_id": release_id, "deployment_id": deployment_id,
              "instance_id": None, "updated_at": time.time()}
    if conn.execute(_cur.update().where(*where).values(**values)).rowcount == 0:
        conn.execute(_cur.insert().values(service=service, environment=environment, **values))
    found = current(conn, service, environment)
    assert found is not None
    return found


def clear_current(conn: Connection, service: str, environment: str) -> None:
    conn.execute(_cur.delete().where(_cur.c.service == service, _cur.c.environment == environment))


def current(conn: Connection, service: str, environment: str) -> CurrentRow | None:
    m = conn.execute(select(_cur).where(_cur.c.service == service,
                                        _cur.c.environment == environment)).mappings().first()
    return None if m is None else CurrentRow.of(m)


def all_current(conn: Connection) -> list[CurrentRow]:
    stmt = select(_cur).order_by(_cur.c.service, _cur.c.environment)
    return [CurrentRow.of(m) for m in conn.execute(stmt).mappings()]


# One constant statement (both backends: a PostgreSQL home's schema is its search_path): built per call with
# the expression language it cost serve more CPU to compile than to run, 50 homes asking every few seconds.
_STAMP = text(
    'SELECT (SELECT count(*) FROM "current"), (SELECT max(updated_at) FROM "current"), '
    "(SELECT count(*) FROM instances), (SELECT max(updated_at) FROM instances), "
    "(SELECT sum(fencing) FROM locks), (SELECT count(released_at) FROM locks), (SELECT max(released_at) FROM locks)")


def stamp(conn: Connection) -> tuple[Any, ...]:
    """What supervision reads, in a few numbers that change whenever it does: every write of a current
    pointer or an instance stamps updated_at, a delete changes a count, taking a lock raises its fencing
    number, releasing one sets released_at (a heartbeat changes none of these). One statement: a poller
    with nothing new to read asks only this."""
    return tuple(conn.execute(_STAMP).one())


# -- instances --------------------------------------------------------------------------------

def _check_status(status: str) -> None:
    if status not in INSTANCE_STATUSES:
        raise StoreError(f"unknown instance status {status!r}",
                         hint=f"use one of {', '.join(sorted(INSTANCE_STATUSES))}")


def add_instance(conn: Connection, *, instance_id: str, service: str, environment: str,
                 release_id: str, deployment_id: str, target_kind: str, pid: int | None,
                 create_time: float | None, port: int | None, log_path: str | None,
                 handle: dict[str, Any], status: str) -> InstanceRow:
    _check_status(status)
    now = time.time()
    conn.execute(_ins.insert().values(
        id=instance_id, service=service, environment=environment, release_id=release_id,
        deployment_id=deployment_id, target_kind=target_kind, pid=pid, create_time=create_time,
        port=port, log_path=log_path, handle=handle, status=status, created_at=now, updated_at=now))
    return must_get_instance(conn, instance_id)


def set_instance_status(conn: Connection, instance_id: str, status: str) -> InstanceRow:
    _check_status(status)
    conn.execute(_ins.update().where(_ins.c.id == instance_id)
                 .values(status=status, updated_at=time.time()))
    return must_get_instance(conn, instance_id)


def set_instance_supervision(conn: Connection, instance_id: str, changes: dict[str, Any]) -> InstanceRow:
    """Merge ``changes`` into the instance's supervision record (restarts, last_exit, in_rotation)."""
    row = must_get_instance(conn, instance_id)
    conn.execute(_ins.update().where(_ins.c.id == instance_id)
                 .values(supervision={**row.supervision, **changes}, updated_at=time.time()))
    return must_get_instance(conn, instance_id)


def get_instance(conn: Connection, instance_id: str) -> InstanceRow | None:
    m = conn.execute(select(_ins).where(_ins.c.id == instance_id)).mappings().first()
    return None if m is None else InstanceRow.of(m)


def must_get_instance(conn: Connection, instance_id: str) -> InstanceRow:
    row = get_instance(conn, instance_id)
    if row is None:
        raise NotFoundError(f"no instance {instance_id}", hint="see `shipmate status`")
    return row


def instances(conn: Connection, service: str | None = None, environment: str | None = None,
              *, live_only: bool = False) -> list[InstanceRow]:
    stmt = select(_ins)
    if service is not None:
        stmt = stmt.where(_ins.c.service == service)
    if environment is not None:
        stmt = stmt.where(_ins.c.environment == environment)
    if live_only:
        stmt = stmt.where(_ins.c.status.in_(sorted(LIVE_INSTANCE_STATUSES)))
    return [InstanceRow.of(m) for m in conn.execute(stmt.order_by(_ins.c.created_at)).mappings()]

