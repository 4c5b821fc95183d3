"""Put the previous release back: route to it (restarting it if it is gone), then stop the new one.

Every move looks first and acts second, so running it again after a crash is safe.
"""

from __future__ import annotations

import time

from shipmate.engine import crashpoints, instances, routing
from shipmate.engine.context import DeployContext, ref_of
from shipmate.errors import RollbackFailed, ShipmateError
from shipmate.model import DeploymentState
from shipmate.store.rows import InstanceRow


def roll_back(ctx: DeployContext, reason: str) -> None:
    """Drive the deployment to rolled_back, or to failed (raising RollbackFailed) if we cannot."""
    store = ctx.rt.store
    if ctx.deployment.state != DeploymentState.ROLLING_BACK:
        ctx.deployment = store.set_state(ctx.deployment.id, DeploymentState.ROLLING_BACK, fencing=ctx.fencing,
                                         error=reason, event=_event(ctx, "deployment.rolling_back",
                                                                    "rolling_back", errors=[reason]))
    ctx.rt.progress("rolling back", {"reason": reason})
    base = len(store.steps(ctx.deployment.id))
    try:
        _step(ctx, base + 1, "rollback.restore_previous", _restore_previous)
        crashpoints.hit("rollback:1")
        _step(ctx, base + 2, "rollback.stop_new", _stop_new)
    except ShipmateError as exc:
        message = f"rollback failed: {exc.message}"
        ctx.deployment = store.set_state(
            ctx.deployment.id, DeploymentState.FAILED, fencing=ctx.fencing, error=message,
            event=_event(ctx, "deployment.failed", "failed", errors=[reason, message]))
        then = "the service may be down: run `shipmate status`, then `shipmate rollback --to VERSION` or fix and deploy"
        raise RollbackFailed(message, hint=f"{exc.hint}; {then}" if exc.hint else then) from exc
    ctx.deployment = store.set_state(
        ctx.deployment.id, DeploymentState.ROLLED_BACK, fencing=ctx.fencing, error=reason,
        event=_event(ctx, "deployment.rolled_back", "rolled_back", errors=[reason]))


def _step(ctx: DeployContext, index: int, name: str, action: object) -> None:
    store = ctx.rt.store
    row = store.step_intent(ctx.deployment.id, index, name, {}, fencing=ctx.fencing)
    t0 = time.monotonic()
    try:
        result = action(ctx)  # type: ignore[operator]
    except ShipmateError as exc:
        store.step_result(row.id, "failed", {"error": exc.message}, fencing=ctx.fencing,
                          event=_event(ctx, f"step.{name}", "failed", errors=[exc.message]))
        raise
    result["duration_s"] = round(time.monotonic() - t0, 3)
    store.step_result(row.id, "ok", result, fencing=ctx.fencing,
                      event=_event(ctx, f"step.{name}", "ok", duration_seconds=result["duration_s"]))


def _restore_previous(ctx: DeployContext) -> dict[str, object]:
    rt, prev, port = ctx.rt, ctx.previous, ctx.config.port
    if prev is None:
        # First deployment of this service: nothing to go back to, so take the route down.
        rt.router.ensure_running()  # else its saved table would bring the route back later
        rt.router.remove(port, fencing=ctx.fencing, close_connections=True)
        rt.router.shutdown_if_idle()
        cur = rt.store.current(ctx.service, ctx.environment)
        if cur is not None and cur.deployment_id == ctx.deployment.id:
            rt.store.clear_current(ctx.service, ctx.environment, fencing=ctx.fencing)
        return {"restored": None}
    live = prev.instance
    if live is None or not rt.target.is_alive(ref_of(live)):
        live = _restarted_previous(ctx)
    if live is None:
        # The previous instance is gone (recreate stopped it, or it crashed): start it again.
        live = instances.start(rt, prev.config, prev.release_id, ctx.deployment.id, ctx.fencing)
        healthy, results = instances.wait_healthy(rt, prev.config, live)
        if not healthy:
            detail, hint = instances.failure_detail(rt, live, results, prev.config)
            instances.stop(rt, live, prev.config.stop_grace_s, ctx.fencing)
            raise RollbackFailed(f"previous release {prev.config.version} is not healthy either: {detail}",
                                 hint=hint)
        rt.store.set_instance_status(live.instance_id, "running", fencing=ctx.fencing)
    routing.serve_only(rt.router, prev.config, [live], fencing=ctx.fencing, port=port)
    rt.store.set_current(ctx.service, ctx.environment, release_id=prev.release_id,
                         deployment_id=_current_deployment(ctx), fencing=ctx.fencing)
    return {"restored": prev.config.version, "instance_id": live.instance_id}


def _restarted_previous(ctx: DeployContext) -> InstanceRow | None:
    """A copy of the previous release this rollback already started before a crash: reuse it."""
    assert ctx.previous is not None
    for row in reversed(ctx.rt.store.instances(ctx.service, ctx.environment, live_only=True)):
        if row.deployment_id == ctx.deployment.id and row.release_id == ctx.previous.release_id \
                and ctx.rt.target.is_alive(ref_of(row)):
            return row
    return None


def _current_deployment(ctx: DeployContext) -> str:
    cur = ctx.rt.store.current(ctx.service, ctx.environment)
    return cur.deployment_id if cur is not None else ctx.deployment.id


def _stop_new(ctx: DeployContext) -> dict[str, object]:
    """Every instance this deployment started, except the one restore_previous put back in service."""
    restored = [s.result or {} for s in ctx.rt.store.steps(ctx.deployment.id)
                if s.name == "rollback.restore_previous" and s.status == "ok"]
    keep = restored[-1].get("instance_id") if restored else None
    stopped = []
    for row in ctx.rt.store.instances(ctx.service, ctx.environment, live_only=True):
        if row.deployment_id == ctx.deployment.id and row.id != keep:
            instances.stop(ctx.rt, row, ctx.config.stop_grace_s, ctx.fencing)
            stopped.append(row.id)
    return {"stopped": stopped}


def _event(ctx: DeployContext, event_type: str, status: str, **kw: object) -> dict[str, object]:
    return {"event_type": event_type, "status": status, "version": ctx.config.version,
            "duration_seconds": round(time.monotonic() - ctx.started, 3), **kw}
