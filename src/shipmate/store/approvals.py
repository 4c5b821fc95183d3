"""Approvals in the state database: create, read, decide (compare-and-set on pending), expire, use.

Every change is one write transaction that checks the row's state first, so two people deciding at
once, or a decision racing its expiry, leave exactly one outcome. Codes never come here, only hashes.
"""

from __future__ import annotations

import time
import uuid
from abc import abstractmethod
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select

from shipmate.store import events, schema
from shipmate.store.rows import _AsDict

if TYPE_CHECKING:
    from sqlalchemy import RowMapping

    from shipmate.store.mutations import WriteTx

APPROVAL_STATES = ("pending", "approved", "rejected", "expired", "used", "withdrawn")
OPEN_STATES = ("pending", "approved")   # these expire at expires_at
_t = schema.approvals


@dataclass(frozen=True)
class ApprovalRow(_AsDict):
    id: str
    service: str
    environment: str
    action: str
    release_id: str | None
    version: str
    digest: str
    requested_by: str
    requested_face: str
    requested_at: float
    expires_at: float
    state: str
    decided_by: str | None
    decided_face: str | None
    decided_at: float | None
    comment: str | None
    code_hash: str | None
    diff: dict[str, Any]
    confidence: dict[str, Any] | None
    used_by_deployment: str | None

    @classmethod
    def of(cls, m: RowMapping) -> ApprovalRow:
        values = dict(m)
        values["diff"] = dict(values["diff"] or {})
        return cls(**values)

    def public(self) -> dict[str, Any]:
        """What any face may show: everything but the code's hash."""
        out = self.as_dict()
        out.pop("code_hash")
        return out


def _get(conn: Connection, approval_id: str) -> ApprovalRow | None:
    m = conn.execute(select(_t).where(_t.c.id == approval_id)).mappings().first()
    return None if m is None else ApprovalRow.of(m)


class StoreApprovals:
    """Mixed into Store, which provides the transactions."""

    @abstractmethod
    def _read(self) -> AbstractContextManager[Connection]: ...

    @abstractmethod
    def _write(self) -> AbstractContextManager[WriteTx]: ...

    def create_approval(self, *, service: str, environment: str, action: str, release_id: str | None,
                        version: str, digest: str, requested_by: str, requested_face: str, expires_at: float,
                        code_hash: str | None, diff: dict[str, Any], confidence: dict[str, Any] | None,
                        state: str = "pending", decided_by: str | None = None, decided_face: str | None = None,
                        comment: str | None = None, approval_id: str | None = None) -> ApprovalRow:
        now = time.time()
        new_id = approval_id or f"apr_{uuid.uuid4().hex[:12]}"
        decided_at = None if state == "pending" else now
        with self._write() as tx:
            tx.conn.execute(_t.insert().values(
                id=new_id, service=service, environment=environment, action=action, release_id=release_id,
                version=version, digest=digest, requested_by=requested_by, requested_face=requested_face,
                requested_at=now, expires_at=expires_at, state=state, decided_by=decided_by,
                decided_face=decided_face, decided_at=decided_at, comment=comment, code_hash=code_hash,
                diff=diff, confidence=confidence, used_by_deployment=None))
            row = _get(tx.conn, new_id)
            assert row is not None
            return row

    def get_approval(self, approval_id: str) -> ApprovalRow | None:
        with self._read() as conn:
            return _get(conn, approval_id)

    def approvals(self, *, service: str | None = None, environment: str | None = None,
                  states: Sequence[str] | None = None, action: str | None = None, version: str | None = None,
                  digest: str | None = None, limit: int = 200) -> list[ApprovalRow]:
        """Newest first, filtered by whatever is given."""
        stmt = select(_t).order_by(_t.c.requested_at.desc(), _t.c.id.desc()).limit(limit)
        for column, value in (("service", service), ("environment", environment), ("action", action),
                              ("version", version), ("digest", digest)):
            if value is not None:
                stmt = stmt.where(_t.c[column] == value)
        if states is not None:
            stmt = stmt.where(_t.c.state.in_(list(states)))
        with self._read() as conn:
            return [ApprovalRow.of(m) for m in conn.execute(stmt).mappings()]

    def decide_approval(self, approval_id: str, *, state: str, decided_by: str, decided_face: str,
                        comment: str | None, now: float | None = None) -> ApprovalRow | None:
        """pending -> approved|rejected, consuming the code; None (nothing changed) unless pending and unexpired."""
        now = time.time() if now is None else now
        with self._write() as tx:
            row = _get(tx.conn, approval_id)
            if row is None or row.state != "pending" or row.expires_at <= now:
                return None
            tx.conn.execute(_t.update().where(_t.c.id == approval_id, _t.c.state == "pending").values(
                state=state, decided_by=decided_by, decided_face=decided_face, decided_at=now, comment=comment,
                code_hash=None))
            return _get(tx.conn, approval_id)

    def withdraw_approval(self, approval_id: str, *, withdrawn_by: str, face: str, comment: str | None,
                          now: float | None = None) -> ApprovalRow | None:
        """pending or approved-but-unused -> withdrawn (the requester cancels); None when it was not open."""
        now = time.time() if now is None else now
        with self._write() as tx:
            row = _get(tx.conn, approval_id)
            if row is None or row.state not in OPEN_STATES:
                return None
            tx.conn.execute(_t.update().where(_t.c.id == approval_id, _t.c.state == row.state).values(
                state="withdrawn", decided_by=withdrawn_by, decided_face=face, decided_at=now, comment=comment,
                code_hash=None))
            tx.appended.append(events.append(
                tx.conn, event_type="approval.withdrawn", service=row.service, environment=row.environment,
                version=row.version, status="withdrawn", notes=row.id, deployed_by=withdrawn_by,
                data={"approval_id": row.id, "action": row.action, "was": row.state, "face": face}))
            return _get(tx.conn, approval_id)

    def expire_approvals(self, *, now: float | None = None) -> list[ApprovalRow]:
        """Pending or granted-but-unused approvals past their expiry become expired (one event each)."""
        now = time.time() if now is None else now
        with self._write() as tx:
            due = [ApprovalRow.of(m) for m in tx.conn.execute(
                select(_t).where(_t.c.state.in_(OPEN_STATES), _t.c.expires_at <= now)).mappings()]
            for row in due:
                tx.conn.execute(_t.update().where(_t.c.id == row.id).values(state="expired", code_hash=None))
                tx.appended.append(events.append(
                    tx.conn, event_type="approval.expired", service=row.service, environment=row.environment,
                    version=row.version, status="expired", notes=row.id, deployed_by="shipmate",
                    data={"approval_id": row.id, "action": row.action, "was": row.state}))
            return [r for r in (_get(tx.conn, row.id) for row in due) if r is not None]

    def use_approval(self, approval_id: str, *, used_by: str, now: float | None = None) -> ApprovalRow | None:
        """approved and unexpired -> used (once): None when another deployment took it first or it expired."""
        now = time.time() if now is None else now
        with self._write() as tx:
            row = _get(tx.conn, approval_id)
            if row is None or row.state != "approved" or row.expires_at <= now:
                return None
            tx.conn.execute(_t.update().where(_t.c.id == approval_id).values(state="used"))
            tx.appended.append(events.append(
                tx.conn, event_type="approval.used", service=row.service, environment=row.environment,
                version=row.version, status="used", notes=row.id, deployed_by=used_by,
                data={"approval_id": row.id, "action": row.action, "approved_by": row.decided_by}))
            return _get(tx.conn, approval_id)

    def link_approval(self, approval_id: str, deployment_id: str) -> None:
        """Name the deployment an approval was used for (the gate runs before the deployment exists)."""
        with self._write() as tx:
            tx.conn.execute(_t.update().where(_t.c.id == approval_id).values(used_by_deployment=deployment_id))
