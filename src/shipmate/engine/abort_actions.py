"""Steps that put things back (a strategy's abort steps) or take a service down.

``restore_previous`` brings the previous release back to its full replica set (restarting the
copies a rolling update or a recreate already stopped), proves the restarted ones, and serves
only them; ``stop_new`` then stops everything this deployment started that the route no longer
uses. Both look before they act, so a crash inside the rollback path is finished by running
them again.
"""

from __future__ import annotations

from typing import Any

from shipmate.engine import instance_sets, instances, routing
from shipmate.engine.actions import Action, Outcome
from shipmate.engine.context import DeployContext
from shipmate.errors import RollbackFailedError
from shipmate.store.rows import InstanceRow
from shipmate.targets.base import NativeRollout


def restore_previous(ctx: DeployContext, args: dict[str, Any]) -> Outcome:
    rt, prev, port = ctx.rt, ctx.previous, int(args.get("port", ctx.config.port))
    if prev is None:
        # First deployment of this service: nothing to go back to, so take the route down.
        rt.router.ensure_running()  # else its saved table would bring the route back later
        rt.router.remove(port, fencing=ctx.fencing, close_connections=True)
        rt.router.shutdown_if_idle()
        cur = rt.store.current(ctx.service, ctx.environment)
        if cur is not None and cur.deployment_id == ctx.deployment.id:
            rt.store.clear_current(ctx.service, ctx.environment, fencing=ctx.fencing)
        return Outcome(True, {"restored": None})
    wanted = max(1, int(args.get("replicas", prev.config.replicas)))
    live = instance_sets.previous_rows(ctx)
    for row in instance_sets.by_ids(ctx, instance_sets.previous_ids(ctx)):
        if row.live and row not in live:
            rt.store.set_instance_status(row.instance_id, "failed", fencing=ctx.fencing)  # died meanwhile
    restarted: list[InstanceRow] = []
    while len(live) + len(restarted) < wanted:
        restarted.append(instances.start(rt, prev.config, prev.release_id, ctx.deployment.id, ctx.fencing))
    failures = []
    for row in restarted:
        healthy, results = instances.wait_healthy(rt, prev.config, row)
        if healthy:
            rt.store.set_instance_status(row.instance_id, "running", fencing=ctx.fencing)
            live.append(row)
        else:
            detail, hint = instances.failure_detail(rt, row, results, prev.config)
            instances.stop(rt, row, prev.config.stop_grace_s, ctx.fencing)
            failures.append((detail, hint))
    if not live:
        detail, hint = failures[0] if failures else ("no instance could be started", None)
        raise RollbackFailedError(f"previous release {prev.config.version} is not healthy either: {detail}", hint=hint)
    routing.serve_only(rt.router, prev.config, live, fencing=ctx.fencing, port=port)
    cur = rt.store.current(ctx.service, ctx.environment)
    rt.store.set_current(ctx.service, ctx.environment, release_id=prev.release_id,
                         deployment_id=cur.deployment_id if cur is not None else ctx.deployment.id,
                         fencing=ctx.fencing)
    out: dict[str, Any] = {"restored": prev.config.version, "serving": [r.instance_id for r in live],
                           "restarted": [r.instance_id for r in restarted if r in live]}
    if failures:
        out["warning"] = (f"{prev.config.version} serves on {len(live)} of {wanted} replicas: "
                          f"a restarted copy was not healthy: {failures[0][0]}")
    return Outcome(True, out)


def stop_new(ctx: DeployContext, args: dict[str, Any]) -> Outcome:
    """Every live instance this deployment started that the route does not serve (observed)."""
    serving: set[str] = set()
    if ctx.previous is not None:  # else the route is gone: nothing of ours serves
        ctx.rt.router.ensure_running()  # a restarted router restores its saved table first
        serving = {b.instance_id for b in instance_sets.member_backends(ctx, ctx.config.port)}
    stopped = []
    for row in ctx.rt.store.instances(ctx.service, ctx.environment, live_only=True):
        if row.deployment_id == ctx.deployment.id and row.instance_id not in serving:
            instances.stop(ctx.rt, row, float(args.get("grace_s", ctx.config.stop_grace_s)), ctx.fencing)
            stopped.append(row.instance_id)
    return Outcome(True, {"stopped": stopped})


def route_down(ctx: DeployContext, args: dict[str, Any]) -> Outcome:
    router = ctx.rt.router
    # Started if need be: a stopped router would otherwise bring the route back from its saved table.
    router.ensure_running()
    router.remove(int(args["port"]), fencing=ctx.fencing, close_connections=False)
    return Outcome(True, {"port": args["port"]})


def stop_all(ctx: DeployContext, args: dict[str, Any]) -> Outcome:
    rt, stopped = ctx.rt, []
    if isinstance(rt.target, NativeRollout):  # its engine would replace any task we stopped: remove the service
        rt.target.take_down(ctx.service, ctx.environment)
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


ACTIONS: dict[str, Action] = {
    "restore_previous": restore_previous, "stop_new": stop_new,
    "route_down": route_down, "stop_all": stop_all, "clear_current": clear_current,
}
