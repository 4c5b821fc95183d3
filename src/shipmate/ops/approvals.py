"""List, approve and reject approvals: every decision records who (identity) and through which face.

A grant needs a person: the CLI on the host, or any face presenting the one-time code a person was shown
out of band. The CLI refuses to decide inside an agent's shell (ops.common.agent_environment). The
requester may approve their own request unless the environment sets `self_approval: false`.
Refused decisions change nothing and are audited as `approval.refused`.
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING

from shipmate.errors import ApprovalRefusedError, ApprovalRequiredError, NotFoundError, ShipmateError
from shipmate.ops.common.agent_environment import agent_signal
from shipmate.ops.common.identity import Identity, cli_identity
from shipmate.ops.common.workspace import Workspace
from shipmate.ops.decider_tokens import AskToken, decider_from
from shipmate.ops.results.approvals import Approval, ApprovalsResult, DecisionResult

if TYPE_CHECKING:
    from shipmate.spec.approval_spec import ApprovalPolicy
    from shipmate.store.approvals import ApprovalRow
    from shipmate.store.store import Store


def list_approvals(spec_file: str | None, *, show_all: bool = False, identity: Identity | None = None,
                   limit: int = 200) -> ApprovalsResult:
    """Pending approvals (all of them with ``show_all``), newest first; codes only for a person on the host,
    and never to the requester when self-approval is not allowed."""
    from shipmate.ops.common.approval_codes import code_for
    from shipmate.ops.common.approval_diff import summary_line

    identity = identity or cli_identity()
    ws = Workspace.locate(spec_file)
    store = ws.open_store_readonly()
    if store is None:
        return ApprovalsResult([])
    try:
        now = time.time()
        rows = store.approvals(states=None if show_all else ("pending", "approved"), limit=limit)
    finally:
        store.close()
    out = []
    for row in rows:
        expired = row.state in ("pending", "approved") and row.expires_at <= now
        state = "expired" if expired else row.state
        code = None
        if state == "pending" and row.code_hash and _may_see_code(ws, row, identity):
            code = code_for(ws.home, row.id, identity.actor)   # this person's own code
        if show_all or not expired:
            out.append(Approval.of(row, state=state, summary=summary_line(row.diff), code=code))
    return ApprovalsResult(out)


def approve(spec_file: str | None, approval_id: str, *, identity: Identity | None = None, code: str | None = None,
            comment: str | None = None, ask_token: AskToken | None = None) -> DecisionResult:
    """``ask_token``: how the CLI asks a person for their decider token (None when stdin is no terminal);
    called only where approval.deciders is tokens."""
    return _decide(spec_file, approval_id, "approved", identity or cli_identity(), code, comment, ask_token)


def reject(spec_file: str | None, approval_id: str, *, reason: str, identity: Identity | None = None,
           code: str | None = None, ask_token: AskToken | None = None) -> DecisionResult:
    from shipmate.errors import InvalidInputError

    if not reason.strip():
        raise InvalidInputError("reject needs a reason", hint="pass --reason \"what is wrong\"")
    return _decide(spec_file, approval_id, "rejected", identity or cli_identity(), code, reason.strip(), ask_token)


def _decide(spec_file: str | None, approval_id: str, state: str, identity: Identity, code: str | None,
            comment: str | None, ask_token: AskToken | None = None) -> DecisionResult:
    from shipmate.ops.common.approval_codes import holder_of
    from shipmate.ops.common.identity import host_people

    ws = Workspace.locate(spec_file)
    store, row = _open_with_approval(ws, approval_id)
    try:
        if row.state != "pending":
            who = f" by {row.decided_by}" if row.decided_by else ""
            raise ApprovalRequiredError(f"{row.id} is already {row.state}{who}: nothing was changed",
                                        hint="run the command again to ask for a new approval"
                                        if row.state in ("expired", "used") else "`shipmate approvals --all` shows it",
                                        details={"approval_id": row.id, "state": row.state})
        holder = holder_of(ws.home, row.id, code, row.code_hash, host_people())
        via_code = holder is not None
        verb = "approve" if state == "approved" else "reject"
        agent = agent_signal(os.environ) if identity.face == "cli" else None
        if agent is not None:
            raise _refused(store, row, identity, verb, f"an agent never decides approvals: {agent}",
                           hint=f"a person runs `shipmate {verb} {row.id}` in their own terminal, outside the agent")
        if identity.face == "cli" and _policy(ws, row).deciders == "tokens":
            decider = decider_from(store, ask_token)
            if decider is None:
                raise _refused(store, row, identity, verb, f"{row.environment} needs a person's decider token to "
                               f"{verb} {row.id}: none was typed, or it is unknown or revoked",
                               hint=f"run `shipmate {verb} {row.id}` in a terminal and type your token at the "
                                    "prompt (approval.deciders: tokens)")
            identity = Identity(actor=f"token:{decider}", face="cli", person=True)
        if identity.face == "http" and identity.person and not via_code and _policy(ws, row).deciders == "tokens":
            # An API token is not one of this environment's decider tokens: those are typed at a terminal.
            raise _refused(store, row, identity, verb, f"{row.environment} takes decisions only from a decider "
                           f"token typed at a terminal (approval.deciders: tokens), not from {identity.actor}",
                           hint=f"a decider runs `shipmate {verb} {row.id}` in their own terminal")
        if not identity.person and not via_code:
            what = "a wrong one-time code" if code else "no one-time code"
            raise _refused(store, row, identity, verb, f"{identity.actor} cannot {verb} {row.id}: {what}; a grant "
                           "needs a person", hint=f"a person runs `shipmate {verb} {row.id}` on the host, or gives "
                           "you the one-time code `shipmate approvals` shows them")
        presenter = identity.actor
        if holder is not None and holder != "notify":
            # A person's own code: the decision is theirs, presented by this client.
            identity = Identity(actor=holder, face=identity.face, person=True)
            if state == "approved" and not _may_self_approve(ws, row, identity):
                raise _refused(store, row, identity, verb, f"{holder} requested {row.id} and cannot approve it too "
                               f"(their code, presented by {presenter})",
                               hint="another person approves it (here approval.self_approval is false)")
        if state == "approved" and not via_code and not _may_self_approve(ws, row, identity):
            raise _refused(store, row, identity, verb, f"{identity.actor} requested {row.id} and cannot approve it "
                           "too", hint="another person approves it (here approval.self_approval is false)")
        decided = store.decide_approval(row.id, state=state, decided_by=identity.actor, decided_face=identity.face,
                                        comment=comment)
        if decided is None:
            raise ApprovalRequiredError(f"{row.id} was decided or expired meanwhile: nothing was changed",
                                        hint="`shipmate approvals --all` shows it")
        via = ("one-time code" if holder == "notify" else f"one-time code of {holder}, presented by {presenter}"
               if holder else identity.face)
        _notify_decided(ws, store, decided, identity, via)
        return DecisionResult(Approval.of(decided), via)
    finally:
        store.close()


def withdraw(spec_file: str | None, approval_id: str, *, identity: Identity | None = None,
             reason: str | None = None) -> DecisionResult:
    """The requester cancels their own open request (pending, or approved and not used yet)."""
    from shipmate.ops.gates.approval import requester_of

    identity = identity or cli_identity()
    who = requester_of(identity)
    ws = Workspace.locate(spec_file)
    store, row = _open_with_approval(ws, approval_id)
    try:
        if row.requested_by != who:
            raise _refused(store, row, identity, "withdraw", f"{who} did not request {row.id} "
                           f"({row.requested_by} did): only the requester withdraws it",
                           hint=f"a person rejects it instead: `shipmate reject {row.id} --reason TEXT`")
        withdrawn = store.withdraw_approval(row.id, withdrawn_by=who, face=identity.face,
                                            comment=(reason or "").strip()[:500] or None)
        if withdrawn is None:
            err = ApprovalRequiredError(f"{row.id} is already {row.state}: nothing was changed",
                                   hint="`shipmate approvals --all` shows it")
            err.details = {"approval_id": row.id, "state": row.state}
            raise err
        return DecisionResult(Approval.of(withdrawn), identity.face)
    finally:
        store.close()


def _may_self_approve(ws: Workspace, row: ApprovalRow, identity: Identity) -> bool:
    return identity.actor != row.requested_by or _policy(ws, row).self_approval


def _may_see_code(ws: Workspace, row: ApprovalRow, identity: Identity) -> bool:
    """A person at the host's CLI, not in an agent's shell, who may decide it without a token."""
    return (identity.face == "cli" and identity.person and agent_signal(os.environ) is None
            and _policy(ws, row).deciders != "tokens" and _may_self_approve(ws, row, identity))


def _policy(ws: Workspace, row: ApprovalRow) -> ApprovalPolicy:
    """The environment's rule now; a spec that no longer reads allows nothing extra (strictest)."""
    from shipmate.ops.gates.approval import policy_for
    from shipmate.spec.approval_spec import ApprovalPolicy

    try:
        return policy_for(ws.spec_path, row.environment)
    except ShipmateError:
        return ApprovalPolicy(required=True, protected=True, self_approval=False)


def _refused(store: Store, row: ApprovalRow, identity: Identity, verb: str, message: str,
             hint: str) -> ApprovalRefusedError:
    """Audit a refused decision (without any code given) and return the error to raise."""
    store.append_event(event_type="approval.refused", service=row.service, environment=row.environment,
                       version=row.version, status="refused", notes=row.id, deployed_by=identity.actor,
                       errors=[message], data={"approval_id": row.id, "decision": verb, "face": identity.face})
    return ApprovalRefusedError(message, hint=hint, details={"approval_id": row.id, "state": row.state})


def _notify_decided(ws: Workspace, store: Store, row: ApprovalRow, identity: Identity, via: str) -> list[str]:
    """Audit approval.decided and tell the people the spec's `notify:` names; returns the send warnings."""
    from shipmate.ops.common.announcing import announce
    from shipmate.ops.common.conduct import conduct_of

    store.append_event(event_type="approval.decided", service=row.service, environment=row.environment,
                       version=row.version, status=row.state, notes=row.id, deployed_by=identity.actor,
                       data={"approval_id": row.id, "action": row.action, "decision": row.state,
                             "face": identity.face, "via": via, "comment": row.comment})
    conduct, _ = conduct_of(ws.spec_path, row.environment)
    return announce(ws.home, conduct.notify, "approval.decided", {
        "service": row.service, "environment": row.environment, "version": row.version, "approval_id": row.id,
        "action": row.action, "decision": row.state, "decided_by": identity.actor, "via": via,
        "comment": row.comment})


def _open_with_approval(ws: Workspace, approval_id: str) -> tuple[Store, ApprovalRow]:
    """The writable store and the approval ``approval_id`` (expired ones marked first); the caller closes the store.

    NotFoundError when there is no such approval; a home where nothing was ever requested gets no state folder."""
    existing = ws.open_store_readonly()
    if existing is None:
        raise NotFoundError(f"no approval {approval_id[:40]}", hint="`shipmate approvals --all` lists them")
    existing.close()
    store = ws.open_store()
    try:
        store.expire_approvals()
        row = store.get_approval(approval_id)
    except BaseException:
        store.close()
        raise
    if row is None:
        store.close()
        raise NotFoundError(f"no approval {approval_id[:40]}", hint="`shipmate approvals --all` lists them")
    return store, row
