"""Stack runs in the state database: one row per deploy / rollback / down of a stack, one per member.

Each member's state is written before its action (running, with the release it had before) and after it (done,
failed, undone), so a run whose shipmate was killed can be finished the safe way: its members put back.
Every change appends an audit event (`stack.*`), like a deployment's.
"""

from __future__ import annotations

import time
import uuid
from abc import abstractmethod
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

_r = schema.stack_runs
_m = schema.stack_members
FINISHED = ("succeeded", "rolled_back", "failed")


@dataclass(frozen=True)
class StackMemberRow(_AsDict):
    run_id: str
    position: int
    name: str
    service: str
    spec: str
    state: str
    previous_release_id: str | None
    previous_version: str | None
    deployment_id: str | None
    version: str | None
    error: str | None

    @classmethod
    def of(cls, m: RowMapping) -> StackMemberRow:
        return cls(**dict(m))


@dataclass(frozen=True)
class StackRunRow(_AsDict):
    id: str
    stack: str
    environment: str
    kind: str
    state: str
    file: str
    owner: dict[str, Any] | None
    actor: str
    started_at: float
    finished_at: float | None
    error: str | None
    members: tuple[StackMemberRow, ...] = ()

    @property
    def orphaned(self) -> bool:
        """Unfinished, and the shipmate that ran it is gone (killed): the next command must settle it."""
        return self.state not in FINISHED and owner_alive(self.owner or {}) is False


def _run(conn: Connection, run_id: str) -> StackRunRow | None:
    m = conn.execute(select(_r).where(_r.c.id == run_id)).mappings().first()
    if m is None:
        return None
    members = tuple(StackMemberRow.of(x) for x in conn.execute(
        select(_m).where(_m.c.run_id == run_id).order_by(_m.c.position)).mappings())
    return StackRunRow(**dict(m), members=members)


class StoreStackRuns:
    """Mixed into Store, which provides the transactions."""

    @abstractmethod
    def _read(self) -> AbstractContextManager[Connection]: ...

    @abstractmethod
    def _write(self) -> AbstractContextManager[WriteTx]: ...

    def create_stack_run(self, *, stack: str, environment: str, kind: str, file: str, owner: dict[str, Any],
                         actor: str, members: list[tuple[str, str, str]]) -> StackRunRow:
        """members: (name, service, spec path) in the order they will be worked on."""
        run_id = "stk_" + uuid.uuid4().hex[:12]
        with self._write() as tx:
            tx.conn.execute(_r.insert().values(
                id=run_id, stack=stack, environment=environment, kind=kind, state="running", file=file,
                owner=owner, actor=actor, started_at=time.time(), finished_at=None, error=None))
            for position, (name, service, spec) in enumerate(members):
                tx.conn.execute(_m.insert().values(
                    run_id=run_id, position=position, name=name, service=service, spec=spec, state="pending",
                    previous_release_id=None, previous_version=None, deployment_id=None, version=None, error=None))
            tx.appended.append(events.append(
                tx.conn, event_type=f"stack.{kind}.started", service=stack, environment=environment, version=None,
                status="running", notes=" -> ".join(name for name, _, _ in members), deployed_by=actor,
                data={"stack_run_id": run_id, "members": [name for name, _, _ in members]}))
            row = _run(tx.conn, run_id)
        assert row is not None
        return row

    def set_stack_member(self, run_id: str, position: int, **values: Any) -> None:
        """Update one member's columns (state, previous release, deployment id, version, error)."""
        with self._write() as tx:
            tx.conn.execute(_m.update().where(_m.c.run_id == run_id, _m.c.position == position).values(**values))

    def set_stack_state(self, run_id: str, state: str, *, actor: str, error: str | None = None,
                        owner: dict[str, Any] | None = None) -> StackRunRow:
        """running -> rolling_back -> succeeded | rolled_back | failed; an event for each change.
        ``owner``: who carries the run on (a recovering command takes over a killed one's run)."""
        now = time.time()
        with self._write() as tx:
            before = _run(tx.conn, run_id)
            assert before is not None
            values: dict[str, Any] = {"state": state, "error": error if error is not None else before.error}
            if state in FINISHED:
                values["finished_at"] = now
            if owner is not None:
                values["owner"] = owner
            tx.conn.execute(_r.update().where(_r.c.id == run_id).values(**values))
            tx.appended.append(events.append(
                tx.conn, event_type=f"stack.{before.kind}.{state}", service=before.stack,
                environment=before.environment, version=None, status=state,
                duration_seconds=now - before.started_at if state in FINISHED else None,
                errors=[error] if error else [], deployed_by=actor, data={"stack_run_id": run_id}))
            after = _run(tx.conn, run_id)
        assert after is not None
        return after

    def stack_run(self, run_id: str) -> StackRunRow | None:
        with self._read() as conn:
            return _run(conn, run_id)

    def stack_runs(self, stack: str, environment: str | None = None, *, kind: str | None = None,
                   limit: int = 20) -> list[StackRunRow]:
        """Newest first."""
        stmt = select(_r.c.id).where(_r.c.stack == stack).order_by(_r.c.started_at.desc()).limit(limit)
        if environment is not None:
            stmt = stmt.where(_r.c.environment == environment)
        if kind is not None:
            stmt = stmt.where(_r.c.kind == kind)
        with self._read() as conn:
            found = [_run(conn, str(run_id)) for run_id in conn.execute(stmt).scalars()]
        return [row for row in found if row is not None]

    def unfinished_stack_runs(self, stack: str) -> list[StackRunRow]:
        stmt = select(_r.c.id).where(_r.c.stack == stack, _r.c.state.not_in(FINISHED)).order_by(_r.c.started_at)
        with self._read() as conn:
            found = [_run(conn, str(run_id)) for run_id in conn.execute(stmt).scalars()]
        return [row for row in found if row is not None]
