"""Put the previous release back by running the plan's abort steps (the strategy built them).

Every abort step looks first and acts second, so running the path again after a crash is safe.
Each step writes its intent and result rows like a forward step, so `events` shows the way back.
"""

from __future__ import annotations

import time
from typing import Any

from shipmate.engine import crashpoints
from shipmate.engine.action_table import ACTIONS  # abort steps are actions too (abort_actions, native_actions)
from shipmate.engine.context import DeployContext
from shipmate.errors import RollbackFailedError, ShipmateError
from shipmate.model import DeploymentState
from shipmate.plan import PlanStep

# Plans stored before strategies built their own abort steps (a deployment left by an older shipmate).
DEFAULT_ABORT = (PlanStep("restore_previous"), PlanStep("stop_new"))


def roll_back(ctx: DeployContext, reason: str) -> None:
    """Drive the deployment to rolled_back, or to failed (raising RollbackFailedError) if we cannot."""
    store = ctx.rt.store
    if ctx.deployment.state != DeploymentState.ROLLING_BACK:
        ctx.deployment = store.set_state(ctx.deployment.id, DeploymentState.ROLLING_BACK, fencing=ctx.fencing,
                                         error=reason, event=_event(ctx, "deployment.rolling_back",
                                                                    "rolling_back", errors=[reason]))
    ctx.rt.progress("rolling back", {"reason": reason})
    base = len(store.steps(ctx.deployment.id))
    try:
        for number, step in enumerate(ctx.plan.abort_steps or DEFAULT_ABORT, start=1):
            _step(ctx, base + number, step)
            crashpoints.hit(f"rollback:{number}")
    except ShipmateError as exc:
        message = f"rollback failed: {exc.message}"
        ctx.deployment = store.set_state(
            ctx.deployment.id, DeploymentState.FAILED, fencing=ctx.fencing, error=message,
            event=_event(ctx, "deployment.failed", "failed", errors=[reason, message]))
        then = "the service may be down: run `shipmate status`, then `shipmate rollback --to VERSION` or fix and deploy"
        raise RollbackFailedError(message, hint=f"{exc.hint}; {then}" if exc.hint else then) from exc
    ctx.deployment = store.set_state(
        ctx.deployment.id, DeploymentState.ROLLED_BACK, fencing=ctx.fencing, error=reason,
        event=_event(ctx, "deployment.rolled_back", "rolled_back", errors=[reason]))


def _step(ctx: DeployContext, index: int, step: PlanStep) -> None:
    store, name = ctx.rt.store, f"rollback.{step.name}"
    row = store.step_intent(ctx.deployment.id, index, name, step.args, fencing=ctx.fencing)
    t0 = time.monotonic()
    try:
        outcome = ACTIONS[step.name](ctx, dict(step.args))
    except ShipmateError as exc:
        store.step_result(row.id, "failed", {"error": exc.message}, fencing=ctx.fencing,
                          event=_event(ctx, f"step.{name}", "failed", errors=[exc.message]))
        raise
    result = {**outcome.result, "duration_s": round(time.monotonic() - t0, 3)}
    if outcome.result.get("warning"):
        ctx.warnings.append(str(outcome.result["warning"]))
    store.step_result(row.id, "ok", result, fencing=ctx.fencing,
                      event=_event(ctx, f"step.{name}", "ok", duration_seconds=result["duration_s"]))


def _event(ctx: DeployContext, event_type: str, status: str, **kw: Any) -> dict[str, Any]:
    return {"event_type": event_type, "status": status, "version": ctx.config.version,
            "duration_seconds": round(time.monotonic() - ctx.started, 3), **kw}
