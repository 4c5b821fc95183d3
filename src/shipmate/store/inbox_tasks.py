"""Inbox tasks in the state database: the trace id is the idempotency key, claimed by one process at a time.

The primary key on trace_id makes "the same task dropped twice at once" one insert that wins and one that
sees the winner's row. A claim names its owner (pid + create time); only a dead owner's claim is taken over,
in the same write transaction that checks it, so two processors resuming a crashed task cannot both win.
"""

from __future__ import annotations

import time
from abc import abstractmethod
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select

from shipmate.store import events, schema
from shipmate.store.owners import owner_alive
from shipmate.store.rows import _AsDict

if TYPE_CHECKING:
    from sqlalchemy import RowMapping

    from shipmate.store.mutations import WriteTx

_t = schema.inbox_tasks
FINISHED_STATES = ("completed", "failed")


@dataclass(frozen=True)
class InboxTaskRow(_AsDict):
    trace_id: str
    service: str
    environment: str
    digest: str
    file_name: str
    state: str
    owner: dict[str, Any] | None
    claimed_at: float
    finished_at: float | None
    deployment_id: str | None
    approval_id: str | None
    result: dict[str, Any] | None

    @classmethod
    def of(cls, m: RowMapping) -> InboxTaskRow:
        return cls(**dict(m))

    @property
    def finished(self) -> bool:
        return self.state in FINISHED_STATES


def _get(conn: Connection, trace_id: str) -> InboxTaskRow | None:
    m = conn.execute(select(_t).where(_t.c.trace_id == trace_id)).mappings().first()
    return None if m is None else InboxTaskRow.of(m)


def _resumable(row: InboxTaskRow) -> bool:
    """A waiting task (an approval pending) or a claim whose owner process is gone (killed mid-task)."""
    return row.state == "waiting" or (row.state == "claimed" and owner_alive(row.owner or {}) is False)


class StoreInboxTasks:
    """Mixed into Store, which provides the transactions."""

    @abstractmethod
    def _read(self) -> AbstractContextManager[Connection]: ...

    @abstractmethod
    def _write(self) -> AbstractContextManager[WriteTx]: ...

    def claim_inbox_task(self, *, trace_id: str, service: str, environment: str, digest: str, file_name: str,
                         owner: dict[str, Any], resume: bool) -> tuple[InboxTaskRow, bool]:
        """(row, True) when this caller now owns the trace id; (the existing row, False) otherwise.

        ``resume``: the caller holds the task's own file in active/, so a waiting or orphaned claim with the
        same digest is taken over; a new file with a known trace id never is (it is a duplicate).
        """
        now = time.time()
        with self._write() as tx:
            row = _get(tx.conn, trace_id)
            if row is None:
                tx.conn.execute(_t.insert().values(
                    trace_id=trace_id, service=service, environment=environment, digest=digest,
                    file_name=file_name, state="claimed", owner=owner, claimed_at=now, finished_at=None,
                    deployment_id=None, approval_id=None, result=None))
                event = "inbox.claimed"
            elif resume and row.digest == digest and _resumable(row):
                tx.conn.execute(_t.update().where(_t.c.trace_id == trace_id, _t.c.state == row.state).values(
                    state="claimed", owner=owner, claimed_at=now))
                event = "inbox.resumed"
            else:
                return row, False
            tx.appended.append(events.append(
                tx.conn, event_type=event, service=service, environment=environment, version=None,
                status="claimed", trace_id=trace_id, notes=file_name, deployed_by=str(owner.get("actor", "")),
                data={"file": file_name, "was": row.state if row else None}))
            claimed = _get(tx.conn, trace_id)
            assert claimed is not None
            return claimed, True

    def finish_inbox_task(self, trace_id: str, *, state: str, deployment_id: str | None,
                          approval_id: str | None, result: dict[str, Any], actor: str) -> InboxTaskRow | None:
        """claimed -> completed | failed | waiting, with its result; None when this claim was lost meanwhile."""
        now = time.time()
        with self._write() as tx:
            row = _get(tx.conn, trace_id)
            if row is None or row.state != "claimed":
                return None
            tx.conn.execute(_t.update().where(_t.c.trace_id == trace_id, _t.c.state == "claimed").values(
                state=state, finished_at=None if state == "waiting" else now, deployment_id=deployment_id,
                approval_id=approval_id, result=result, owner=None if state != "claimed" else row.owner))
            tx.appended.append(events.append(
                tx.conn, event_type=f"inbox.{state}", service=row.service, environment=row.environment,
                version=result.get("version"), status=state, deployment_id=deployment_id, trace_id=trace_id,
                duration_seconds=result.get("duration_s"), notes=row.file_name, deployed_by=actor,
                errors=[result["error"]["message"]] if isinstance(result.get("error"), dict) else [],
                data={"file": row.file_name, "approval_id": approval_id, "status": result.get("status")}))
            return _get(tx.conn, trace_id)

    def inbox_task(self, trace_id: str) -> InboxTaskRow | None:
        with self._read() as conn:
            return _get(conn, trace_id)

    def inbox_tasks(self, *, states: Sequence[str] | None = None, limit: int = 200) -> list[InboxTaskRow]:
        """Newest claim first."""
        stmt = select(_t).order_by(_t.c.claimed_at.desc()).limit(limit)
        if states is not None:
            stmt = stmt.where(_t.c.state.in_(list(states)))
        with self._read() as conn:
            return [InboxTaskRow.of(m) for m in conn.execute(stmt).mappings()]

    def deployment_ids_of_trace(self, trace_id: str) -> list[str]:
        """Deployments made under this trace id, oldest first (a task's deploy, then a rollback it caused)."""
        d = schema.deployments
        with self._read() as conn:
            return [str(v) for v in conn.execute(
                select(d.c.id).where(d.c.trace_id == trace_id).order_by(d.c.created_at)).scalars()]
