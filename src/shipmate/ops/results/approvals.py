"""What the approval commands return: the approvals (with their one-time codes, for a person on the host)
and a decision."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from shipmate.ops.results.json_result import OMIT_IF_NONE, JsonResult

if TYPE_CHECKING:
    from shipmate.store.approvals import ApprovalRow
    from shipmate.store.decider_tokens import DeciderToken


@dataclass(frozen=True)
class Approval(JsonResult):
    id: str
    service: str
    environment: str
    action: str                        # deploy | promote | rollback | restore | down
    release_id: str | None
    version: str
    digest: str
    requested_by: str
    requested_face: str
    requested_at: float
    expires_at: float
    state: str                         # pending | approved | rejected | expired | used | withdrawn
    decided_by: str | None
    decided_face: str | None
    decided_at: float | None
    comment: str | None
    diff: dict[str, Any]               # what would change (flattened keys)
    confidence: dict[str, Any] | None  # the release's score and factors when it was asked for
    used_by_deployment: str | None
    # in listings: the diff in one line
    summary: str | None = field(default=None, kw_only=True, metadata=OMIT_IF_NONE)
    # in listings, for a person on the host who may grant it
    code: str | None = field(default=None, kw_only=True, metadata=OMIT_IF_NONE)

    @classmethod
    def of(cls, row: ApprovalRow, *, state: str | None = None, summary: str | None = None,
           code: str | None = None) -> Approval:
        return cls(id=row.id, service=row.service, environment=row.environment, action=row.action,
                   release_id=row.release_id, version=row.version, digest=row.digest,
                   requested_by=row.requested_by, requested_face=row.requested_face,
                   requested_at=row.requested_at, expires_at=row.expires_at, state=state or row.state,
                   decided_by=row.decided_by, decided_face=row.decided_face, decided_at=row.decided_at,
                   comment=row.comment, diff=dict(row.diff), confidence=row.confidence,
                   used_by_deployment=row.used_by_deployment, summary=summary, code=code)


@dataclass(frozen=True)
class ApprovalsResult(JsonResult):
    approvals: list[Approval]


@dataclass(frozen=True)
class DecisionResult(JsonResult):
    approval: Approval
    via: str                           # the face that decided, or "one-time code [of user:<name>, presented by ...]"


@dataclass(frozen=True)
class Decider(JsonResult):
    """A person who may decide under approval.deciders: tokens (never their token)."""

    name: str
    created_at: float
    created_by: str
    revoked_at: float | None

    @classmethod
    def of(cls, row: DeciderToken) -> Decider:
        return cls(row.name, row.created_at, row.created_by, row.revoked_at)


@dataclass(frozen=True)
class DeciderAdded(JsonResult):
    decider: Decider
    token: str                         # shown this once; the store keeps its sha256
    note: str


@dataclass(frozen=True)
class DecidersResult(JsonResult):
    deciders: list[Decider]


@dataclass(frozen=True)
class DeciderRevoked(JsonResult):
    revoked: str
    by: str                            # token:<name> of the decider who revoked it
