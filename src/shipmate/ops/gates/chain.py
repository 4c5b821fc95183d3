"""The gates every forward release passes, in one order, shared by `deploy` and `promote`.

policy (freeze, require_passed_in, allow_dirty) -> pre hook -> confidence -> approval (outside the lease)
-> backup -> the release run (lease) wrapped in its post hooks and notifications. Each gate that says no
does so before anything changed; keeping the order in one place is what makes a gate impossible to skip.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shipmate.ops.common.conduct import conduct_from_loaded
from shipmate.ops.common.identity import Identity, cli_identity
from shipmate.ops.common.reconciling import reconcile_all
from shipmate.ops.common.release_run import run_release
from shipmate.ops.common.workspace import Workspace, actor
from shipmate.ops.gates import approval as approval_gate
from shipmate.ops.gates import policy as policy_gates
from shipmate.ops.gates.backup import before_deploy
from shipmate.ops.gates.confidence import assess_current
from shipmate.ops.gates.hooks import around_release, check_pre_hook, would_do

if TYPE_CHECKING:
    from shipmate.engine.context import Progress
    from shipmate.ops.gates.policy import Refusal
    from shipmate.release_config import ReleaseConfig
    from shipmate.spec.loader import LoadedSpec


@dataclass(frozen=True)
class Release:
    """One forward release about to pass the gates: what runs, where, for whom, and what it is (action)."""

    ws: Workspace
    loaded: LoadedSpec
    config: ReleaseConfig
    gates: list[Refusal]
    action: str                              # deploy | promote (approvals are asked for this action)
    identity: Identity | None = None
    origin: dict[str, Any] | None = None     # a promotion's evidence from its source environment
    trace_id: str | None = None              # the caller's trace id (an inbox task's), else a fresh one
    note: str | None = None                  # `deploy --note`: what was changed to fix the last failure

    @property
    def who(self) -> Identity:
        return self.identity or cli_identity()

    @property
    def must_pass_in(self) -> str | None:
        """The environment this one's policy wants a release to pass first (failed runs there cost more)."""
        overlay = self.loaded.spec.environments.get(self.config.environment)
        policy = overlay.policy if overlay is not None else None
        return policy.require_passed_in if policy is not None else None

    @property
    def passed_in(self) -> str | None:
        """Where its passed window and time there count for confidence: the policy's, else a promotion's source."""
        source = (self.origin or {}).get("promoted_from") or {}
        return self.must_pass_in or (source.get("environment") if isinstance(source, dict) else None)


def dry_run_report(release: Release, planned: dict[str, Any]) -> dict[str, Any]:
    """What the gates would say, beside the plan: nothing runs, nothing is written."""
    conduct = conduct_from_loaded(release.loaded)
    conducted = would_do(release.ws.home, conduct, release.config, "deploy", must_pass_in=release.must_pass_in,
                         passed_in=release.passed_in)
    report = {**planned, "policy": policy_gates.gate_report(release.gates), **conducted,
              "approval": approval_gate.would(release.ws, release.config.environment, release.action, release.who,
                                              confidence=conducted.get("confidence"))}
    backup = before_deploy(release.ws, release.loaded, dry_run=True)
    return {**report, "backup": backup} if backup else report


def run_gated(release: Release, *, force: bool, wait_approval: bool, progress: Progress | None) -> dict[str, Any]:
    from shipmate.engine.preflight import check_port

    ws, config = release.ws, release.config
    conduct = conduct_from_loaded(release.loaded)
    policy_gates.raise_refused(release.gates, "deploy" if release.action == "deploy"
                               else f"promotion to {config.environment}")
    check_port(ws.traffic_router(), config.port, config.service, config.environment)
    check_pre_hook(conduct, "deploy", config, actor())   # a 'no' before the store is even opened
    store = ws.open_store()
    try:
        score = assess_current(store, config, conduct.weights, must_pass_in=release.must_pass_in,
                               passed_in=release.passed_in)
        approval = approval_gate.require(ws, store, service=config.service, environment=config.environment,
                                         action=release.action, config=config, identity=release.who,
                                         wait=wait_approval, progress=progress, confidence=score, force=force)
        rt = ws.runtime(store, progress, kind=config.target_kind)
        if release.who.face in ("inbox", "http"):
            rt = dataclasses.replace(rt, actor=release.who.actor)   # the deployment names the agent that asked
        reconcile_all(rt)
        policy_gates.audit_overrides(store, config, release.gates, rt.actor)
        backup = before_deploy(ws, release.loaded)   # a failure raises here: nothing changed yet
        result = approval_gate.linked(store, approval, lambda: around_release(
            ws.home, conduct, config, "deploy", rt.actor,
            lambda: run_release(rt, config, kind="deploy", force=force, confidence=score, origin=release.origin,
                                trace_id=release.trace_id, note=release.note)))
        return {**result, "backup": backup} if backup else result
    finally:
        store.close()
