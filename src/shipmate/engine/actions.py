"""One function per plan step name. Each acts, then reports what it saw as data.

Actions are written to be run twice: recovery re-runs a step whose result row is missing,
so each one first looks at the world and does only what is still undone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from shipmate.engine import instances, monitor, routing
from shipmate.engine.context import DeployContext, ref_of
from shipmate.engine.preflight import check_port
from shipmate.model import DeploymentState, Phase
from shipmate.store.rows import InstanceRow


@dataclass(frozen=True)
class Outcome:
    ok: bool
    result: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    hint: str | None = None          # what the person can do about ``error`` (the failure's hint)


def preflight(ctx: DeployContext, args: dict[str, Any]) -> Outcome:
    check_port(ctx.rt.router, int(args["port"]), ctx.service, ctx.environment)
    return Outcome(True, {"port": args["port"]})


def start_instance(ctx: DeployContext, args: dict[str, Any]) -> Outcome:
    row = instances.start(ctx.rt, ctx.config, ctx.release_id, ctx.deployment.id, ctx.fencing)
    ctx.new_instance = row
    return Outcome(True, {"instance_id": row.instance_id, "pid": row.pid, "port": row.port})


def wait_healthy(ctx: DeployContext, args: dict[str, Any]) -> Outcome:
    row = _new(ctx)
    healthy, results = instances.wait_healthy(ctx.rt, ctx.config, row, float(args["deadline_s"]))
    probes = [{"probe": r.probe, "phase": r.phase.value, "latency_ms": round(r.latency_ms, 2),
               "detail": r.detail} for r in results]
    if not healthy:
        detail, hint = instances.failure_detail(ctx.rt, row, results, ctx.config)
        return Outcome(False, {"probes": probes}, f"health check failed: {detail}", hint)
    ctx.rt.store.set_instance_status(row.instance_id, "running", fencing=ctx.fencing)
    return Outcome(True, {"probes": probes})


def switch_route(ctx: DeployContext, args: dict[str, Any]) -> Outcome:
    row = _new(ctx)
    routing.serve_only(ctx.rt.router, ctx.config, [row], fencing=ctx.fencing)
    return Outcome(True, {"port": args["port"], "backend_port": row.port, "mode": ctx.config.router_mode})


def hold_route(ctx: DeployContext, args: dict[str, Any]) -> Outcome:
    routing.hold(ctx.rt.router, ctx.config, fencing=ctx.fencing)
    return Outcome(True, {"port": args["port"], "hold_s": ctx.config.router_hold_s})


def watch(ctx: DeployContext, args: dict[str, Any]) -> Outcome:
    verdict = monitor.watch(ctx.rt, ctx.config, [_new(ctx)], float(args["duration_s"]), checkpoint=ctx.lease.check)
    ctx.verdict = verdict
    result = {"verdict": verdict.as_dict()}
    if verdict.phase is Phase.PASS:
        ctx.verified = True
        return Outcome(True, result)
    if verdict.phase is Phase.INCONCLUSIVE and ctx.config.monitor.on_inconclusive == "keep":
        return Outcome(True, result)  # kept, but not verified: rollback will not pick it
    return Outcome(False, result, f"monitor window {verdict.phase.value}: " + "; ".join(verdict.reasons))


def promote(ctx: DeployContext, args: dict[str, Any]) -> Outcome:
    _new(ctx)  # there must be a new instance to promote
    ctx.rt.store.set_current(ctx.service, ctx.environment, release_id=ctx.release_id,
                             deployment_id=ctx.deployment.id, fencing=ctx.fencing)
    return Outcome(True, {"current": ctx.config.version, "verified": ctx.verified})


def _old(ctx: DeployContext, args: dict[str, Any]) -> InstanceRow | None:
    """The instance the plan named to retire (so a re-run after a crash retires that one only)."""
    wanted = args.get("instance_id")
    if wanted:
        return ctx.rt.store.get_instance(str(wanted))
    return ctx.previous.instance if ctx.previous else None


def drain_old(ctx: DeployContext, args: dict[str, Any]) -> Outcome:
    old = _old(ctx, args)
    if old is None or not ctx.rt.target.is_alive(ref_of(old)):
        return Outcome(True, {"skipped": "no live previous instance"})
    ctx.rt.store.set_instance_status(old.instance_id, "draining", fencing=ctx.fencing)
    timeout = float(args["timeout_s"])
    result = routing.drain(ctx.rt.router, ctx.config, old, timeout)
    out: dict[str, Any] = {"drained": result.drained, "in_flight": result.in_flight,
                           "waited_s": round(result.waited_s, 3), "instance_id": old.instance_id}
    if not result.drained:
        # Not a failure (the new release is current and verified), but a person should know.
        out["warning"] = (f"drain of {old.instance_id} timed out after {timeout:g}s (drain) with "
                          f"{result.in_flight} still in flight; stopping it anyway")
    return Outcome(True, out)


def stop_old(ctx: DeployContext, args: dict[str, Any]) -> Outcome:
    old = _old(ctx, args)
    if old is None or old.status == "stopped":
        return Outcome(True, {"skipped": "no previous instance to stop"})
    instances.stop(ctx.rt, old, float(args["grace_s"]), ctx.fencing)
    return Outcome(True, {"stopped": old.instance_id})


def _new(ctx: DeployContext) -> Any:
    if ctx.new_instance is None:
        raise RuntimeError("plan runs a step on the new instance before start_instance")  # a plan bug
    return ctx.new_instance


ACTIONS: dict[str, Callable[[DeployContext, dict[str, Any]], Outcome]] = {
    "preflight": preflight,
    "start_instance": start_instance,
    "wait_healthy": wait_healthy,
    "switch_route": switch_route,
    "hold_route": hold_route,
    "monitor": watch,
    "promote": promote,
    "drain_old": drain_old,
    "stop_old": stop_old,
}

# Steps after promote only tidy up: their failure is reported, never rolled back (the new
# release has already passed and is current).
CLEANUP_STEPS = frozenset({"drain_old", "stop_old"})

# Entering these steps moves the deployment's state forward.
STATE_OF_STEP: dict[str, DeploymentState] = {
    "wait_healthy": DeploymentState.VERIFYING,
    "monitor": DeploymentState.MONITORING,
}


def route_down(ctx: DeployContext, args: dict[str, Any]) -> Outcome:
    router = ctx.rt.router
    # Started if need be: a stopped router would otherwise bring the route back from its saved table.
    router.ensure_running()
    router.remove(int(args["port"]), fencing=ctx.fencing, close_connections=False)
    return Outcome(True, {"port": args["port"]})


def stop_all(ctx: DeployContext, args: dict[str, Any]) -> Outcome:
    rt, stopped = ctx.rt, []
    for row in rt.store.instances(ctx.service, ctx.environment, live_only=True):
        routing.drain(rt.router, ctx.config, row, float(args["drain_s"]))
        instances.stop(rt, row, float(args["grace_s"]), ctx.fencing)
        stopped.append(row.instance_id)
    if rt.router.is_running():
        rt.router.shutdown_if_idle()
    return Outcome(True, {"stopped": stopped})


def clear_current(ctx: DeployContext, args: dict[str, Any]) -> Outcome:
    ctx.rt.store.clear_current(ctx.service, ctx.environment, fencing=ctx.fencing)
    return Outcome(True, {})


ACTIONS.update({"route_down": route_down, "stop_all": stop_all, "clear_current": clear_current})
