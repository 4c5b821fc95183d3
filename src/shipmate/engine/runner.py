"""Run a plan durably: each step writes its intent, acts, then writes its result.

Any failed step sends the deployment down the rollback path; a crash anywhere leaves rows
from which `recovery` can tell exactly how far we got.
"""

from __future__ import annotations

import time
from typing import Any

from shipmate.engine import crashpoints
from shipmate.engine.actions import ACTIONS, CLEANUP_STEPS, STATE_OF_STEP, Outcome
from shipmate.engine.context import DeployContext
from shipmate.engine.instances import split_hint
from shipmate.engine.rollback_path import roll_back
from shipmate.errors import DeploymentFailed, LockLostError, RollbackFailed, ShipmateError, TargetError
from shipmate.model import DeploymentState


def execute(ctx: DeployContext, *, start_index: int = 0) -> DeployContext:
    """Drive ``ctx`` to a terminal state; raise DeploymentFailed / RollbackFailed when not succeeded."""
    store = ctx.rt.store
    if ctx.deployment.state == DeploymentState.PLANNED:
        ctx.deployment = store.set_state(ctx.deployment.id, DeploymentState.RUNNING, fencing=ctx.fencing,
                                         event=event(ctx, "deployment.started", "running"))
        crashpoints.hit("state:running")
    warnings: list[str] = []
    try:
        for index in range(start_index, len(ctx.plan.steps)):
            ctx.lease.check()
            step = ctx.plan.steps[index]
            wanted = STATE_OF_STEP.get(step.name)
            if wanted is not None and ctx.deployment.state != wanted:
                ctx.deployment = store.set_state(ctx.deployment.id, wanted, fencing=ctx.fencing)
            outcome = run_step(ctx, index, step.name, step.args)
            if outcome.ok:
                continue
            if step.name in CLEANUP_STEPS:
                warnings.append(outcome.error)  # the new release is current and verified: keep it
                continue
            _fail(ctx, outcome.error)
    except KeyboardInterrupt:
        # The person asked us to stop: stopping half-way would leave an unverified release serving.
        _fail(ctx, "interrupted by the user (Ctrl-C) before the deployment finished")
    ctx.deployment = store.set_state(
        ctx.deployment.id, DeploymentState.SUCCEEDED, fencing=ctx.fencing, verified=ctx.verified,
        verdict=ctx.verdict.as_dict() if ctx.verdict else None,
        event=event(ctx, "service.down" if ctx.plan.kind == "down" else "deployment.succeeded", "success",
                    notes="; ".join(["verified" if ctx.verified else "", *warnings]).strip("; "),
                    errors=warnings))
    return ctx


def _fail(ctx: DeployContext, error: str) -> None:
    store = ctx.rt.store
    if ctx.plan.kind == "down":
        ctx.deployment = store.set_state(ctx.deployment.id, DeploymentState.FAILED, fencing=ctx.fencing,
                                         error=error, event=event(ctx, "service.down", "failed", errors=[error]))
        raise TargetError(f"down failed: {error}", hint="run `shipmate down` again")
    roll_back(ctx, error)
    message, cause_hint = split_hint(error)
    hint = _rolled_back_hint(ctx)
    raise DeploymentFailed(f"{ctx.config.service} {ctx.config.version} failed and was rolled back: {message}",
                           hint=f"{cause_hint}; {hint}" if cause_hint else hint)


def run_step(ctx: DeployContext, index: int, name: str, args: dict[str, Any]) -> Outcome:
    store = ctx.rt.store
    ctx.rt.progress(name, {"index": index + 1, "of": len(ctx.plan.steps)})
    row = store.step_intent(ctx.deployment.id, index, name, args, fencing=ctx.fencing)
    crashpoints.hit(f"step:{index + 1}")
    t0 = time.monotonic()
    try:
        outcome = ACTIONS[name](ctx, args)
    except (LockLostError, RollbackFailed):
        raise
    except ShipmateError as exc:
        # A refused action is a failed step, not a crash: record it and let the caller roll back.
        outcome = Outcome(False, {"code": exc.code}, exc.message)
    except Exception as exc:  # a bug or an unmapped OS error: still leave the service consistent
        outcome = Outcome(False, {"code": "internal"}, f"internal error in {name}: {type(exc).__name__}: {exc}")
    crashpoints.hit(f"step:{index + 1}:done")
    result = {**outcome.result, "duration_s": round(time.monotonic() - t0, 3)}
    if outcome.error:
        result["error"] = outcome.error
    status = "ok" if outcome.ok else "failed"
    # The result row and its audit event commit together: a crash cannot keep one and lose the other.
    store.step_result(row.id, status, result, fencing=ctx.fencing,
                      event={"event_type": f"step.{name}", "status": status, "version": ctx.config.version,
                             "duration_seconds": result["duration_s"],
                             "errors": [outcome.error] if outcome.error else []})
    return outcome


def event(ctx: DeployContext, event_type: str, status: str, **kw: Any) -> dict[str, Any]:
    return {"event_type": event_type, "status": status, "version": ctx.config.version,
            "duration_seconds": round(time.monotonic() - ctx.started, 3), **kw}


def _rolled_back_hint(ctx: DeployContext) -> str:
    if ctx.previous is None:
        return "this was the first release, so nothing serves now; see `shipmate logs` and deploy a fix"
    return (f"{ctx.previous.config.version} is serving again; see `shipmate logs --deployment "
            f"{ctx.deployment.id}` for why")
