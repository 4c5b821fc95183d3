"""The approval gate: before a gated change, find a person's yes for exactly this release, or ask for one.

It runs outside the deployment lease (a wait for a person must not hold the lock), and matches approvals
on (service, environment, action, version, digest): a yes for one artifact never lets another one through.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shipmate.errors import ApprovalRequiredError, ShipmateError, SpecError
from shipmate.ops.common.identity import Identity
from shipmate.ops.gates.approval_announcing import escalated, notify_requested
from shipmate.ops.gates.approval_outcomes import (
    clock,
    expired_error,
    notice_over,
    pending_error,
    proceed,
    proceeds_at,
    rejected_error,
)

if TYPE_CHECKING:
    from shipmate.ops.common.workspace import Workspace
    from shipmate.release_config import ReleaseConfig
    from shipmate.spec.approval_spec import ApprovalPolicy
    from shipmate.store.approvals import ApprovalRow
    from shipmate.store.store import Store

Progress = Callable[[str, dict[str, Any]], None]
POLL_S = 0.5          # how often a waiting deploy looks at the store (a decision shows within this)
REMIND_S = 30.0       # a waiting deploy repeats its progress line this often (the heartbeat fills the rest)


def policy_for(spec_path: Path, environment: str) -> ApprovalPolicy:
    """The environment's effective rule, read from the raw file (rollback and down do not load the spec)."""
    from pydantic import ValidationError

    from shipmate.spec.approval_spec import ApprovalSpec, effective_policy
    from shipmate.spec.yaml_source import load_mapping

    data, _ = load_mapping(spec_path)
    environments = data.get("environments")
    overlay = environments.get(environment) if isinstance(environments, dict) else None
    if not isinstance(overlay, dict):
        return effective_policy(None, protected=False)
    raw = overlay.get("approval")
    try:
        approval = None if raw is None else ApprovalSpec.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise SpecError(first["msg"], path=f"environments.{environment}.approval", file=str(spec_path),
                        hint="e.g. approval: required, or approval: {auto_if_confidence: 0.9}") from None
    return effective_policy(approval, protected=overlay.get("protected") is True)


def would(ws: Workspace, environment: str, action: str, identity: Identity,
          confidence: dict[str, Any] | None = None) -> dict[str, Any]:
    """What the gate would do (for --dry-run): whether this face needs an approval here, the outcome the
    score would get (proceed | notice | approval | refuse), and why, in one line."""
    policy = policy_for(ws.spec_path, environment)
    required = policy.needed(face=identity.face, action=action)
    score = (confidence or {}).get("score")
    tier = policy.tiers.of(confidence) if policy.tiers is not None else None
    if not required:
        outcome, why = "proceed", f"{environment} does not gate a {action} through the {identity.face}"
    elif tier == "auto" or (tier is None and policy.auto_met(confidence)):
        threshold = policy.tiers.auto if policy.tiers is not None else policy.auto_if_confidence
        outcome, why = "proceed", f"confidence {score} >= {threshold}: it proceeds on its own"
    elif tier == "notice" and policy.tiers is not None:
        outcome, why = "notice", (f"confidence {score} is in the notice tier: it would proceed "
                                  f"{policy.tiers.notice_s:g}s after asking unless a person rejects it")
    elif tier == "refuse" and policy.tiers is not None:
        outcome, why = "refuse", f"confidence {score} is below {policy.tiers.approve}: refused and escalated"
    else:
        rule = "protected" if policy.protected else "approval: required"
        below = (f"; confidence {score} is below {policy.auto_if_confidence}"
                 if policy.auto_if_confidence is not None else "")
        outcome, why = "approval", f"{environment} needs a person's approval ({rule}{below})"
    return {"required": required, "outcome": outcome, "why": why, "face": identity.face, "score": score,
            "auto_if_confidence": policy.auto_if_confidence, "expires_s": policy.expires_s,
            "self_approval": policy.self_approval,
            "tiers": None if policy.tiers is None else {"auto": policy.tiers.auto, "notice": policy.tiers.notice,
                                                        "approve": policy.tiers.approve,
                                                        "notice_s": policy.tiers.notice_s}}


def require(ws: Workspace, store: Store, *, service: str, environment: str, action: str, config: ReleaseConfig,
            identity: Identity, wait: bool, timeout_s: float | None = None, progress: Progress | None = None,
            confidence: dict[str, Any] | None = None, force: bool = False) -> ApprovalRow | None:
    """The approval this change uses (marked used), None when none is needed; else wait or ApprovalRequiredError."""
    policy = policy_for(ws.spec_path, environment)
    if not policy.needed(face=identity.face, action=action):
        return None
    if action == "deploy" and not force and _already_current(store, config):
        return None   # the same artifact again is a no-op (or a restart of what was approved before)
    requester = requester_of(identity)
    tier = policy.tiers.of(confidence) if policy.tiers is not None else None
    if tier == "auto" or (tier is None and policy.auto_met(confidence)):
        return _auto(store, config, action, requester, identity, policy, confidence)
    if tier == "refuse":
        raise escalated(ws, store, config, action, requester, policy, confidence)
    now = time.time()
    store.expire_approvals(now=now)
    if tier == "notice" and policy.tiers is not None:
        confidence = {**(confidence or {}), "tier": "notice", "proceeds_at": now + policy.tiers.notice_s}
    row = _find_or_request(ws, store, config, action, requester, identity, policy, confidence)
    if row.state == "used":
        return row
    if not wait:
        raise pending_error(row)
    return _wait(store, row, requester, timeout_s, progress or (lambda event, data: None))


def requester_of(identity: Identity) -> str:
    """Who asks: the deployment's actor as SHIPMATE_ACTOR names it (e.g. agent:ci), else the identity."""
    if identity.face in ("inbox", "http"):
        return identity.actor   # the task's requester, whoever runs the processor
    explicit = os.environ.get("SHIPMATE_ACTOR", "").strip()
    return explicit[:100] if explicit else identity.actor


def _find_or_request(ws: Workspace, store: Store, config: ReleaseConfig, action: str, requester: str,
                     identity: Identity, policy: ApprovalPolicy, confidence: dict[str, Any] | None) -> ApprovalRow:
    from shipmate.ops.common import approval_codes

    found = store.approvals(service=config.service, environment=config.environment, action=action,
                            version=config.version, digest=config.digest,
                            states=("pending", "approved", "rejected"), limit=20)
    for row in found:
        if row.state == "rejected" and row.expires_at <= time.time():
            continue   # a rejection stands until its expiry; then the same release may be asked for again
        if row.state == "approved":
            used = store.use_approval(row.id, used_by=requester)
            if used is not None:
                return used
            continue
        if row.state == "rejected":
            raise rejected_error(row)
        if notice_over(row):
            proceeded = proceed(store, row, requester)
            if proceeded is not None:
                return proceeded
        return row   # pending: the same request again (a retry), not a second one
    diff = change_of(store, config, action)
    approval_id = f"apr_{uuid.uuid4().hex[:12]}"
    code = approval_codes.code_for(ws.home, approval_id)
    row = store.create_approval(
        approval_id=approval_id, service=config.service, environment=config.environment, action=action,
        release_id=_release_id(store, config), version=config.version,
        digest=config.digest, requested_by=requester, requested_face=identity.face,
        expires_at=time.time() + policy.expires_s, code_hash=approval_codes.hash_code(code), diff=diff,
        confidence=confidence)
    notify_requested(ws, store, row, code)
    return row


def _wait(store: Store, row: ApprovalRow, requester: str, timeout_s: float | None,
          progress: Progress) -> ApprovalRow:
    deadline = row.expires_at if timeout_s is None else min(row.expires_at, time.time() + timeout_s)
    message = f"waiting for approval {row.id} (shipmate approve {row.id})"
    if proceeds_at(row) is not None:
        message = (f"{row.id} proceeds at {clock(proceeds_at(row))} unless a person rejects it "
                   f"(shipmate reject {row.id} --reason TEXT)")
    reminded = 0.0
    while True:
        now = time.time()
        if now - reminded >= REMIND_S:
            progress(message, {"expires_in_s": int(max(0.0, row.expires_at - now))})
            reminded = now
        seen = store.get_approval(row.id)
        if seen is None:
            raise ApprovalRequiredError(f"approval {row.id} disappeared", hint="deploy again to ask for a new one")
        if notice_over(seen):
            proceeded = proceed(store, seen, requester)
            if proceeded is not None:
                return proceeded
            seen = store.get_approval(row.id) or seen
        if seen.state == "approved":
            used = store.use_approval(seen.id, used_by=requester)
            if used is not None:
                return used
            seen = store.get_approval(row.id) or seen
        if seen.state == "rejected":
            raise rejected_error(seen)
        if seen.state == "withdrawn":
            raise ApprovalRequiredError(f"{seen.id} was withdrawn by {seen.decided_by}: nothing was changed",
                                   hint="run the command again to ask for a new approval")
        if seen.state == "used":
            raise ApprovalRequiredError(f"{seen.id} was used by another deployment of the same release meanwhile",
                                        hint="run the command again to ask for a new approval")
        if seen.state == "expired" or now >= seen.expires_at:
            store.expire_approvals()
            raise expired_error(seen)
        if now >= deadline:
            err = pending_error(seen)
            err.message = f"approval {seen.id} still pending after {timeout_s:g}s: nothing was changed"
            raise err
        time.sleep(min(POLL_S, max(0.01, deadline - now)))


def _release_id(store: Store, config: ReleaseConfig) -> str | None:
    """The stored release this change puts in place (None for a deploy of a release never built here)."""
    for rel in store.releases(config.service, limit=500):
        if (rel.version, rel.digest) == (config.version, config.digest):
            return rel.id
    return None


def _already_current(store: Store, config: ReleaseConfig) -> bool:
    cur = store.current(config.service, config.environment)
    rel = store.get_release(cur.release_id) if cur is not None else None
    return rel is not None and rel.version == config.version and rel.digest == config.digest


def change_of(store: Store, config: ReleaseConfig, action: str) -> dict[str, Any]:
    """The diff an approver sees: the current release -> this one (down: what would stop)."""
    from shipmate.ops.common.approval_diff import release_diff

    cur = store.current(config.service, config.environment)
    rel = store.get_release(cur.release_id) if cur is not None else None
    if action == "down":
        return {"first_deploy": False, "stops": True, "version": {"from": config.version, "to": None},
                "digest": {"from": config.digest, "to": None}, "target": {}, "config_keys_changed": []}
    return release_diff(rel.spec if rel is not None else None, config.to_dict())


def _auto(store: Store, config: ReleaseConfig, action: str, requester: str, identity: Identity,
          policy: ApprovalPolicy, confidence: dict[str, Any] | None) -> ApprovalRow:
    score = (confidence or {}).get("score")
    rule, threshold = (("tiers.auto", policy.tiers.auto) if policy.tiers is not None
                       else ("auto_if_confidence", policy.auto_if_confidence))
    row = store.create_approval(
        service=config.service, environment=config.environment, action=action, release_id=None,
        version=config.version, digest=config.digest, requested_by=requester, requested_face=identity.face,
        expires_at=time.time() + policy.expires_s, code_hash=None, diff=change_of(store, config, action),
        confidence=confidence, state="used", decided_by=f"shipmate:{rule}", decided_face="auto",
        comment=f"confidence {score} >= {threshold}")
    store.append_event(event_type="approval.auto", service=row.service, environment=row.environment,
                       version=row.version, status="approved", notes=row.id, deployed_by=requester,
                       data={"approval_id": row.id, "action": action, "score": score, "rule": rule,
                             "threshold": threshold})
    return row

def require_rollback(ws: Workspace, store: Store, target: ReleaseConfig, *, identity: Identity, wait: bool,
                     progress: Progress | None = None) -> ApprovalRow | None:
    """A rollback to the last verified release (the safe direction) is never held: audited as
    rollback.emergency when the environment gates rollbacks. Any older release goes through require()."""
    policy = policy_for(ws.spec_path, target.environment)
    if not policy.needed(face=identity.face, action="rollback"):
        return None
    cur = store.current(target.service, target.environment)
    verified = store.last_verified_release(target.service, target.environment,
                                           exclude_release_id=cur.release_id if cur else None)
    if verified is not None and (verified.version, verified.digest) == (target.version, target.digest):
        _record_emergency_rollback(store, target, identity)
        return None
    return require(ws, store, service=target.service, environment=target.environment, action="rollback",
                   config=target, identity=identity, wait=wait, progress=progress)


def _record_emergency_rollback(store: Store, config: ReleaseConfig, identity: Identity) -> None:
    store.append_event(event_type="rollback.emergency", service=config.service, environment=config.environment,
                       version=config.version, status="not_gated", notes="rollback to the last verified release",
                       deployed_by=requester_of(identity), data={"face": identity.face, "identity": identity.actor,
                                                   "digest": config.digest})


def linked(store: Store, approval: ApprovalRow | None, run: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run the gated change; name the deployment it became on the approval (also when it failed)."""
    try:
        result = run()
    except ShipmateError as exc:
        _link(store, approval, exc.details)
        raise
    _link(store, approval, result)
    if approval is not None:
        result["approval"] = {"approval_id": approval.id, "approved_by": approval.decided_by,
                              "face": approval.decided_face}
    return result


def _link(store: Store, approval: ApprovalRow | None, result: dict[str, Any]) -> None:
    deployment_id = result.get("deployment_id")
    if approval is not None and isinstance(deployment_id, str):
        store.link_approval(approval.id, deployment_id)
