"""Run a plan durably: each step writes its intent, acts, then writes its result.

Any failed step sends the deployment down the rollback path; a crash anywhere leaves rows
from which `recovery` can tell exactly how far we got. An interruption (KeyboardInterrupt: Ctrl-C,
and SIGTERM / SIGHUP once a face maps them to it) before promote rolls back; after promote the new
release has passed and stays current: only the cleanup is cut short (drains skipped, the old
instance still stopped). While rolling back or tidying, further signals are held off.
"""

from __future__ import annotations

import time
from typing import Any

from shipmate.engine import crashpoints
from shipmate.engine.action_table import ACTIONS
from shipmate.engine.actions import Outcome
from shipmate.engine.context import DeployContext
from shipmate.engine.rollback_path import roll_back
from shipmate.errors import DeploymentFailedError, LockLostError, RollbackFailedError, ShipmateError, TargetError
from shipmate.interruptions import signals_held
from shipmate.model import DeploymentState
from shipmate.plan import CLEANUP, WAITS

INTERRUPTED_GRACE_S = 2.0  # after promote the old instance has no traffic left to finish: stop it quickly


def execute(ctx: DeployContext, *, start_index: int = 0) -> DeployContext:
    """Drive ``ctx`` to a terminal state; raise DeploymentFailedError / RollbackFailedError when not succeeded.

    An interruption lands between store writes, never inside one (the store holds signals off while
    it writes), so the rows always say how far we got.
    """
    store = ctx.rt.store
    if ctx.deployment.state == DeploymentState.PLANNED:
        ctx.deployment = store.set_state(ctx.deployment.id, DeploymentState.RUNNING, fencing=ctx.fencing,
                                         event=event(ctx, "deployment.started", "running"))
        crashpoints.hit("state:running")
    warnings = ctx.warnings  # every face shows them; none of them rolls back
    finished = start_index - 1
    try:
        for index in range(start_index, len(ctx.plan.steps)):
            ctx.lease.check()
            step = ctx.plan.steps[index]
            wanted = DeploymentState(step.enters) if step.enters else None
            if wanted is not None and ctx.deployment.state != wanted:
                ctx.deployment = store.set_state(ctx.deployment.id, wanted, fencing=ctx.fencing)
            outcome = run_step(ctx, index, step.name, step.args)
            finished = index
            if outcome.ok:
                if outcome.result.get("warning"):
                    warnings.append(str(outcome.result["warning"]))
                continue
            if step.has(CLEANUP):
                warnings.append(outcome.error)  # the new release is current and verified: keep it
                continue
            with signals_held():
                _fail(ctx, outcome.error, outcome.hint)
    except KeyboardInterrupt as exc:
        why = f"interrupted by {interrupt_name(exc)}"
        with signals_held():
            if not _promoted(ctx):
                # Stopping half-way would leave an unverified release serving with nothing watching it.
                _fail(ctx, f"{why} before the deployment finished")
            warnings.extend(_finish_after_promote(ctx, finished + 1, why))
    with signals_held():
        ctx.deployment = store.set_state(
            ctx.deployment.id, DeploymentState.SUCCEEDED, fencing=ctx.fencing, verified=ctx.verified,
            verdict=ctx.verdict.as_dict() if ctx.verdict else None,
            event=event(ctx, "service.down" if ctx.plan.kind == "down" else "deployment.succeeded", "success",
                        notes="; ".join(["verified" if ctx.verified else "", *warnings]).strip("; "),
                        errors=warnings))
    return ctx


def interrupt_name(exc: KeyboardInterrupt) -> str:
    """"SIGTERM" / "SIGHUP" when a face raised it for that signal; a bare KeyboardInterrupt is Ctrl-C."""
    return str(exc.args[0]) if exc.args else "SIGINT (Ctrl-C)"


def _promoted(ctx: DeployContext) -> bool:
    """The new release is current: the promote step committed (the store says so, not the loop index)."""
    if ctx.plan.kind == "down":
        return False
    cur = ctx.rt.store.current(ctx.service, ctx.environment)
    return cur is not None and cur.deployment_id == ctx.deployment.id


def _finish_after_promote(ctx: DeployContext, first: int, why: str) -> list[str]:
    """Keep the promoted release; skip the drains, run what is left (stop the old instance): one current."""
    warnings = [f"{why} after promote: cleanup cut short"]
    for index in range(first, len(ctx.plan.steps)):
        step = ctx.plan.steps[index]
        if step.has(WAITS):
            row = ctx.rt.store.step_intent(ctx.deployment.id, index, step.name, step.args, fencing=ctx.fencing)
            ctx.rt.store.step_result(row.id, "skipped", {"skipped": why}, fencing=ctx.fencing,
                                     event={"event_type": f"step.{step.name}", "status": "skipped",
                                            "version": ctx.config.version, "errors": [why]})
            continue
        args = dict(step.args)
        if "grace_s" in args:
            args["grace_s"] = min(float(args["grace_s"]), INTERRUPTED_GRACE_S)
        outcome = run_step(ctx, index, step.name, args)
        if not outcome.ok:
            warnings.append(outcome.error)
    return warnings


def _fail(ctx: DeployContext, error: str, cause_hint: str | None = None) -> None:
    store = ctx.rt.store
    if ctx.plan.kind == "down":
        ctx.deployment = store.set_state(ctx.deployment.id, DeploymentState.FAILED, fencing=ctx.fencing,
                                         error=error, event=event(ctx, "service.down", "failed", errors=[error]))
        raise TargetError(f"down failed: {error}", hint="run `shipmate down` again")
    roll_back(ctx, error)
    hint = _rolled_back_hint(ctx)
    raise DeploymentFailedError(f"{ctx.config.service} {ctx.config.version} failed and was rolled back: {error}",
                                hint=f"{cause_hint}; {hint}" if cause_hint else hint)


def run_step(ctx: DeployContext, index: int, name: str, args: dict[str, Any]) -> Outcome:
    store = ctx.rt.store
    ctx.rt.progress(name, {"index": index + 1, "of": len(ctx.plan.steps)})
    row = store.step_intent(ctx.deployment.id, index, name, args, fencing=ctx.fencing)
    crashpoints.hit(f"step:{index + 1}")
    t0 = time.monotonic()
    try:
        outcome = ACTIONS[name](ctx, args)
    except KeyboardInterrupt as exc:
        # Close the step's row before the caller decides (roll back, or keep a promoted release).
        why = f"interrupted by {interrupt_name(exc)}"
        with signals_held():
            store.step_result(row.id, "failed", {"code": "interrupted", "error": why,
                                                 "duration_s": round(time.monotonic() - t0, 3)},
                              fencing=ctx.fencing, event={"event_type": f"step.{name}", "status": "failed",
                                                          "version": ctx.config.version, "errors": [why]})
        raise
    except (LockLostError, RollbackFailedError):
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
    if outcome.hint:
        result["hint"] = outcome.hint
    status = "ok" if outcome.ok else "failed"
    # The result row and its audit event commit together: a crash cannot keep one and lose the other.
    # The verdict with its evidence (and any warning) goes into the audit trail too: `events` shows why.
    data = {key: result[key] for key in ("verdict", "warning") if key in result} or None
    store.step_result(row.id, status, result, fencing=ctx.fencing,
                      event={"event_type": f"step.{name}", "status": status, "version": ctx.config.version,
                             "duration_seconds": result["duration_s"],
                             "errors": [outcome.error] if outcome.error else [], "data": data})
    return outcome


def event(ctx: DeployContext, event_type: str, status: str, **kw: Any) -> dict[str, Any]:
    return {"event_type": event_type, "status": status, "version": ctx.config.version,
            "duration_seconds": round(time.monotonic() - ctx.started, 3), **kw}


def _rolled_back_hint(ctx: DeployContext) -> str:
    if ctx.previous is None:
        return "this was the first release, so nothing serves now; see `shipmate logs` and deploy a fix"
    return (f"{ctx.previous.config.version} is serving again; see `shipmate logs --deployment "
            f"{ctx.deployment.id}` for why")
