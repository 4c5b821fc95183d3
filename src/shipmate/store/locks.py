"""Leased locks with fencing numbers: one row per key, never deleted, so numbers never repeat.

A lock is free when released, when its owner is a process on this host that no longer exists
(the next command can then reconcile a crashed deploy at once), or, for an owner on another
host, when its lease ran out.
"""

from __future__ import annotations

import socket
import time
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from shipmate.errors import LockHeldError, LockLostError
from shipmate.store import events, schema
from shipmate.store.owners import owner_alive
from shipmate.store.rows import EventRow, LockRow

_t = schema.locks


def split_key(key: str) -> tuple[str, str]:
    service, _, environment = key.partition("/")
    return service, environment or "default"


def _row(conn: Connection, key: str) -> LockRow | None:
    m = conn.execute(select(_t).where(_t.c.key == key)).mappings().first()
    return None if m is None else LockRow.of(m)


def describe(row: LockRow, now: float | None = None) -> LockRow:
    """The row with `held` and `owner_alive` filled in."""
    now = time.time() if now is None else now
    alive = owner_alive(row.owner)
    # A live owner on this host holds the lock whatever its lease says (a starved heartbeat must
    # not let a second deployer in); a dead one holds nothing; the lease decides for other hosts.
    held = row.released_at is None and (alive is True or (alive is None and now <= row.lease_until))
    return replace(row, held=held, owner_alive=alive)


def acquire(conn: Connection, key: str, owner: dict[str, Any],
            lease_seconds: float) -> tuple[LockRow, EventRow | None]:
    """Take the lock with the next fencing number; a takeover also returns its audit event."""
    now = time.time()
    row = _row(conn, key)
    if row is not None:
        row = describe(row, now)
        if row.held:
            raise LockHeldError(_held_message(key, row),
                                hint="wait, or run `shipmate lock release --force` if that process is gone")
    fencing = 1 if row is None else row.fencing + 1
    audit: EventRow | None = None
    values = {"fencing": fencing, "owner": owner, "acquired_at": now, "heartbeat_at": now,
              "lease_until": now + lease_seconds, "released_at": None}
    if row is None:
        conn.execute(_t.insert().values(key=key, **values))
    else:
        conn.execute(_t.update().where(_t.c.key == key).values(**values))
        if row.released_at is None:
            reason = "owner process gone" if row.owner_alive is False else "lease expired"
            service, environment = split_key(key)
            audit = events.append(conn, event_type="lock.taken_over", service=service,
                          environment=environment, version=None, status="taken_over",
                          notes=f"{key}: {reason}", deployed_by=str(owner.get("actor", "")),
                          data={"key": key, "reason": reason, "previous_owner": row.owner,
                                "previous_fencing": row.fencing, "fencing": fencing})
    got = _row(conn, key)
    assert got is not None
    return describe(got, now), audit


def check_fence(conn: Connection, key: str, fencing: int) -> LockRow:
    """Inside a write transaction: refuse the write unless we still hold exactly this fencing number."""
    row = _row(conn, key)
    if row is None or row.fencing != fencing:
        current = 0 if row is None else row.fencing
        raise LockLostError(f"lock for {key} was taken over (fencing {current} > {fencing})",
                            hint="another shipmate took over this deployment; run `shipmate status`")
    if row.released_at is not None:
        raise LockLostError(f"lock for {key} was released (fencing {fencing})",
                            hint="it was force-released; run `shipmate status` before retrying")
    return row


def heartbeat(conn: Connection, key: str, fencing: int, lease_seconds: float) -> None:
    check_fence(conn, key, fencing)
    now = time.time()
    conn.execute(_t.update().where(_t.c.key == key)
                 .values(heartbeat_at=now, lease_until=now + lease_seconds))


def release(conn: Connection, key: str, fencing: int) -> None:
    """Release if still ours; a lock already taken over is someone else's, so leave it alone."""
    conn.execute(_t.update().where(_t.c.key == key, _t.c.fencing == fencing,
                                   _t.c.released_at.is_(None)).values(released_at=time.time()))


def force_release(conn: Connection, key: str, actor: str) -> tuple[LockRow | None, EventRow | None]:
    """Release whoever holds it, and audit that a person did so."""
    row = _row(conn, key)
    if row is None:
        return None, None
    previous = describe(row)
    conn.execute(_t.update().where(_t.c.key == key).values(released_at=time.time()))
    service, environment = split_key(key)
    audit = events.append(conn, event_type="lock.force_released", service=service, environment=environment,
                  version=None, status="released", notes=f"{key} released by hand",
                  deployed_by=actor,
                  data={"key": key, "previous_owner": row.owner, "fencing": row.fencing,
                        "was_held": previous.held, "was_released": row.released_at is not None})
    got = _row(conn, key)
    return (None if got is None else describe(got)), audit


def all_locks(conn: Connection) -> list[LockRow]:
    now = time.time()
    return [describe(LockRow.of(m), now)
            for m in conn.execute(select(_t).order_by(_t.c.key)).mappings()]


def _held_message(key: str, row: LockRow) -> str:
    o = row.owner
    since = datetime.fromtimestamp(row.acquired_at).strftime("%H:%M:%S")
    where = "" if o.get("host") in (None, socket.gethostname()) else f" on {o.get('host')}"
    return (f"{key} is locked by {o.get('command', '?')} (pid {o.get('pid', '?')}{where}, "
            f"user {o.get('actor', '?')}) since {since}")

