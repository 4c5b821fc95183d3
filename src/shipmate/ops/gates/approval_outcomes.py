"""What a waiting approval request comes to: the notice tier's own yes once its period is over, and the
errors a pending, rejected or expired request raises (with the details an agent reads)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from shipmate.errors import ApprovalRequiredError

if TYPE_CHECKING:
    from shipmate.store.approvals import ApprovalRow
    from shipmate.store.store import Store


def proceeds_at(row: ApprovalRow) -> float | None:
    """When a request of the notice tier proceeds by itself (None: it waits for a person)."""
    when = (row.confidence or {}).get("proceeds_at")
    return float(when) if isinstance(when, int | float) else None


def notice_over(row: ApprovalRow, now: float | None = None) -> bool:
    when = proceeds_at(row)
    return row.state == "pending" and when is not None and (time.time() if now is None else now) >= when


def proceed(store: Store, row: ApprovalRow, requester: str) -> ApprovalRow | None:
    """Nobody rejected it within the notice period: approved by the tier, then used (None: decided meanwhile)."""
    decided = store.decide_approval(row.id, state="approved", decided_by="shipmate:notice_period",
                                    decided_face="auto", comment="no one rejected it within the notice period")
    if decided is None:
        return None
    store.append_event(event_type="approval.decided", service=row.service, environment=row.environment,
                       version=row.version, status="approved", notes=row.id, deployed_by="shipmate:notice_period",
                       data={"approval_id": row.id, "action": row.action, "decision": "approved", "face": "auto",
                             "via": "notice_period", "comment": decided.comment})
    return store.use_approval(row.id, used_by=requester)


def clock(when: float | None) -> str:
    return "-" if when is None else time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(when))


def pending_error(row: ApprovalRow) -> ApprovalRequiredError:
    when = proceeds_at(row)
    if when is not None:
        err = ApprovalRequiredError(
            f"{row.action} of {row.service}/{row.environment} {row.version} proceeds at {clock(when)} unless a "
            f"person rejects it: {row.id} is in its notice period (confidence {(row.confidence or {}).get('score')})",
            hint=f"call again after that time; a person stops it with `shipmate reject {row.id} --reason TEXT` "
                 f"or lets it go now with `shipmate approve {row.id}`")
    else:
        err = ApprovalRequiredError(
            f"{row.action} of {row.service}/{row.environment} {row.version} needs a person's approval: {row.id} "
            f"is pending",
            hint=f"a person runs `shipmate approve {row.id}` on the host (or gives you its one-time code for the "
                 "approve tool); then call again")
    err.details = details_of(row)
    return err


def details_of(row: ApprovalRow) -> dict[str, Any]:
    return {"approval_id": row.id, "state": row.state, "action": row.action, "service": row.service,
            "environment": row.environment, "version": row.version, "diff": row.diff,
            "confidence": row.confidence, "expires_at": row.expires_at, "proceeds_at": proceeds_at(row)}


def rejected_error(row: ApprovalRow) -> ApprovalRequiredError:
    return ApprovalRequiredError(f"{row.id} was rejected by {row.decided_by}: {row.comment or 'no reason given'}",
                                 hint="deploy another version, or ask again after the rejection expires",
                                 details=details_of(row))


def expired_error(row: ApprovalRow) -> ApprovalRequiredError:
    return ApprovalRequiredError(f"{row.id} expired before it was used: nothing was changed",
                                 hint="run the command again to ask for a new approval",
                                 details={**details_of(row), "state": "expired"})
