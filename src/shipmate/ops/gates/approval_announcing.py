"""What the approval gate tells people: the audited request with its one-time code, and the escalation of a
change whose confidence is below the lowest tier. Both go to whoever the spec's `notify:` names."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shipmate.errors import ApprovalRefusedError
from shipmate.ops.gates.approval_outcomes import proceeds_at

if TYPE_CHECKING:
    from shipmate.ops.common.workspace import Workspace
    from shipmate.release_config import ReleaseConfig
    from shipmate.spec.approval_spec import ApprovalPolicy
    from shipmate.store.approvals import ApprovalRow
    from shipmate.store.store import Store


def escalated(ws: Workspace, store: Store, config: ReleaseConfig, action: str, requester: str,
              policy: ApprovalPolicy, confidence: dict[str, Any] | None) -> ApprovalRefusedError:
    """Below the lowest tier: nothing is asked, nothing changes; the people `notify:` names are told."""
    from shipmate.ops.common.announcing import announce
    from shipmate.ops.common.conduct import conduct_of

    score = (confidence or {}).get("score")
    floor = policy.tiers.approve if policy.tiers is not None else 0.0
    message = (f"{action} of {config.service}/{config.environment} {config.version} refused: confidence {score} "
               f"is below {floor} (approval.tiers.approve); escalated to a person")
    data = {"action": action, "score": score, "threshold": floor, "requested_by": requester,
            "factors": [f"{f.get('name')} {f.get('delta'):+}" for f in (confidence or {}).get("factors") or []]}
    store.append_event(event_type="approval.escalated", service=config.service, environment=config.environment,
                       version=config.version, status="refused", notes=message[:500], deployed_by=requester,
                       errors=[message], data=data)
    conduct, _ = conduct_of(ws.spec_path, config.environment)
    warnings = announce(ws.home, conduct.notify, "approval.escalated", {
        "service": config.service, "environment": config.environment, "version": config.version,
        "action": action, "requested_by": requester, "confidence": score, "threshold": floor,
        "message": message})
    err = ApprovalRefusedError(message, hint="raise the evidence: let the release pass its window where it must pass "
                                        "first (e.g. staging), then promote it; `shipmate explain` shows the factors")
    err.details = {"tier": "refuse", "confidence": confidence, "threshold": floor, "escalated": True,
                   "notify_warnings": warnings}
    return err


def notify_requested(ws: Workspace, store: Store, row: ApprovalRow, code: str) -> list[str]:
    """Audit approval.requested (never the code) and tell the people the spec's `notify:` names, with the
    one-time code: that message is the out-of-band channel. The code is never recorded nor returned."""
    from shipmate.ops.common.announcing import announce
    from shipmate.ops.common.approval_diff import summary_line
    from shipmate.ops.common.conduct import conduct_of

    store.append_event(event_type="approval.requested", service=row.service, environment=row.environment,
                       version=row.version, status="pending", notes=row.id, deployed_by=row.requested_by,
                       data={"approval_id": row.id, "action": row.action, "face": row.requested_face,
                             "summary": summary_line(row.diff), "expires_at": row.expires_at,
                             "proceeds_at": proceeds_at(row), "confidence": row.confidence})
    conduct, _ = conduct_of(ws.spec_path, row.environment)
    score = (row.confidence or {}).get("score")
    return announce(ws.home, conduct.notify, "approval.requested", {
        "service": row.service, "environment": row.environment, "version": row.version, "approval_id": row.id,
        "action": row.action, "requested_by": row.requested_by, "change": summary_line(row.diff),
        "confidence": score, "expires_at": row.expires_at, "proceeds_at": proceeds_at(row),
        "one_time_code": code, "approve": f"shipmate approve {row.id}", "reject": f"shipmate reject {row.id}"})
