"""Leased locks with fencing numbers: one row per key, never deleted, so numbers never repeat.

A lock is free when released, when its owner is a process on this host that no longer exists
(the next command can then reconcile a crashed deploy at once), when that process is alive but
its heartbeat is older than 3 leases (frozen: SIGSTOP, a debugger), or, for an owner on another
host, when its lease ran out. Takeovers are audited with the reason: died | stalled | lease_expired.
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
from shipmate.store.owners import STALL_LEASES, judge
from shipmate.store.rows import EventRow, LockRow

_t = schema.locks


def split_key(key: str) -> tuple[str, str]:
    service, _, environment = key.partition("/")
    return service, environment or "default"


def _row(conn: Connection, key: str) -> LockRow | None:
    m = conn.execute(select(_t).where(_t.c.key == key)).mappings().first()
    return None if m is None else LockRow.of(m)


def describe(row: LockRow, now: float | None = None) -> LockRow:
    """The row with `held`, `owner_alive` and `stalled` filled in (see owners.judge)."""
    now = time.time() if now is None else now
    seen = judge(row.owner, heartbeat_at=row.heartbeat_at, lease_until=row.lease_until,
                 released_at=row.released_at, now=now)
    return replace(row, held=seen.held, owner_alive=seen.owner_alive, stalled=seen.stalled,
                   free_because=seen.free_because)


_REASON_TEXT = {"died": "owner process gone", "lease_expired": "lease expired"}


def _reason_text(row: LockRow, now: float) -> str:
    if row.free_because == "stalled":
        lease = row.lease_until - row.heartbeat_at
        return (f"owner stalled: alive but no heartbeat for {now - row.heartbeat_at:.0f} s "
                f"(more than {STALL_LEASES:g} leases of {lease:.3g} s)")
    return _REASON_TEXT.get(row.free_because or "", str(row.free_because))


def acquire(conn: Connection, key: str, owner: dict[str, Any],
            lease_seconds: float) -> tuple[LockRow, EventRow | None]:
    """Take the lock with the next fencing number; a takeover also returns its audit event."""
    now = time.time()
    row = _row(conn, key)
    if row is not None:
        row = describe(row, now)
        if row.held:
            raise LockHeldError(_held_message(key, row), hint=_held_hint(row))
    fencing = 1 if row is None else row.fencing + 1
    audit: EventRow | None = None
    values = {"fencing": fencing, "owner": owner, "acquired_at": now, "heartbeat_at": now,
              "lease_until": now + lease_seconds, "released_at": None}
    if row is None:
        conn.execute(_t.insert().values(key=key, **values))
    else:
        conn.execute(_t.update().where(_t.c.key == key).values(**values))
        if row.released_at is None:
            reason = row.free_because or "lease_expired"
            service, environment = split_key(key)
            audit = events.append(conn, event_type="lock.taken_over", service=service,
                          environment=environment, version=None, status="taken_over",
                          notes=f"{key}: {_reason_text(row, now)}", deployed_by=str(owner.get("actor", "")),
                          data={"key": key, "reason": reason, "previous_owner": row.owner,
                                "previous_fencing": row.fencing, "fencing": fencing,
                                "previous_heartbeat_at": row.heartbeat_at})
    got = _row(conn, key)
    assert got is not None
    return replace(describe(got, now), took_over=None if audit is None else audit.data["reason"]), audit


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
                        "was_held": previous.held, "was_stalled": previous.stalled,
                        "was_released": row.released_at is not None})
    got = _row(conn, key)
    return (None if got is None else describe(got)), audit


def one_lock(conn: Connection, key: str) -> LockRow | None:
    """One key's row, described (one indexed read: serve asks this per instance check)."""
    row = _row(conn, key)
    return None if row is None else describe(row)


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


def _held_hint(row: LockRow) -> str:
    lease = row.lease_until - row.heartbeat_at
    if row.owner_alive:
        return (f"wait for it; if it is frozen, the next command takes it over once its heartbeat is "
                f"{STALL_LEASES * lease:.3g} s old; or run `shipmate lock release --force`")
    return "wait for its lease to run out, or run `shipmate lock release --force` if that process is gone"
