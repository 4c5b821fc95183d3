"""One function per plan step name. Each acts, then reports what it saw as data.

Actions are written to be run twice: recovery re-runs a step whose result row is missing,
so each one first looks at the world (the store's rows, the target, the router's membership)
and does only what is still undone. How a step's failure is handled (roll back, warn, finish)
is decided by its plan flags, never here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from shipmate.engine import instance_sets, instances, monitor, routing
from shipmate.engine.context import DeployContext, ref_of
from shipmate.engine.preflight import check_port
from shipmate.errors import ShipmateError
from shipmate.model import Phase


@dataclass(frozen=True)
class Outcome:
    ok: bool
    result: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    hint: str | None = None          # what the person can do about ``error`` (the failure's hint)


Action = Callable[[DeployContext, dict[str, Any]], Outcome]


def preflight(ctx: DeployContext, args: dict[str, Any]) -> Outcome:
    check_port(ctx.rt.router, int(args["port"]), ctx.service, ctx.environment)
    return Outcome(True, {"port": args["port"]})


def start_instances(ctx: DeployContext, args: dict[str, Any]) -> Outcome:
    """Until ``total`` new instances run: a copy that died before it was proven is replaced."""
    rt, total = ctx.rt, int(args.get("total", 1))
    running = []
    for row in instance_sets.new_rows(ctx):
        if rt.target.is_alive(ref_of(row)):
            running.append(row)
        else:
            rt.store.set_instance_status(row.instance_id, "failed", fencing=ctx.fencing)
    while len(running) < total:
        running.append(instances.start(rt, ctx.config, ctx.release_id, ctx.deployment.id, ctx.fencing))
    return Outcome(True, {"instances": [{"instance_id": r.instance_id, "port": r.port} for r in running]})


def wait_healthy(ctx: DeployContext, args: dict[str, Any]) -> Outcome:
    """Prove each new instance not yet proven; they started together, so the waits overlap."""
    proven = []
    for row in instance_sets.new_rows(ctx):
        if row.status == "running":
            continue
        healthy, results = instances.wait_healthy(ctx.rt, ctx.config, row, float(args["deadline_s"]))
        probes = [{"probe": r.probe, "phase": r.phase.value, "latency_ms": round(r.latency_ms, 2),
                   "detail": r.detail} for r in results]
        if not healthy:
            detail, hint = instances.failure_detail(ctx.rt, row, results, ctx.config)
            return Outcome(False, {"instance_id": row.instance_id, "probes": probes},
                           f"health check failed on {row.instance_id}: {detail}", hint)
        ctx.rt.store.set_instance_status(row.instance_id, "running", fencing=ctx.fencing)
        proven.append({"instance_id": row.instance_id, "probes": probes})
    return _protocol_level(ctx, {"proven": proven})


def _protocol_level(ctx: DeployContext, result: dict[str, Any]) -> Outcome:
    """Level 4 across releases (before the switch): a changed tool set warns, or fails with schema_change: fail."""
    from shipmate.engine.protocol_facts import judge_release

    verdict = judge_release(ctx, [row for row in instance_sets.new_rows(ctx) if row.status == "running"])
    if verdict.level is None:
        return Outcome(True, result)
    result["level"] = verdict.level.as_dict()
    if verdict.failed:
        return Outcome(False, result, f"health check failed before the switch: {verdict.level.describe()}",
                       verdict.level.hint)
    if verdict.warning and verdict.warning not in ctx.warnings:   # rolling proves batch by batch: say it once
        result["warning"] = verdict.warning
    return Outcome(True, result)


def _serving_new(ctx: DeployContext) -> list[Any]:
    rows = [row for row in instance_sets.new_rows(ctx) if row.status == "running"]
    if not rows:
        raise RuntimeError("plan routes to new instances before any was proven")  # a plan bug
    return rows


def switch_route(ctx: DeployContext, args: dict[str, Any]) -> Outcome:
    rows = _serving_new(ctx)
    routing.serve_only(ctx.rt.router, ctx.config, rows, fencing=ctx.fencing)
    return Outcome(True, {"port": args["port"], "backends": [r.port for r in rows], "mode": ctx.config.router_mode})


def hold_route(ctx: DeployContext, args: dict[str, Any]) -> Outcome:
    routing.hold(ctx.rt.router, ctx.config, fencing=ctx.fencing)
    return Outcome(True, {"port": args["port"], "hold_s": ctx.config.router_hold_s})


def set_weight(ctx: DeployContext, args: dict[str, Any]) -> Outcome:
    """The canary gets ``weight`` % of new requests, the previous release's instances the rest."""
    canary, stable = _serving_new(ctx), instance_sets.previous_rows(ctx)
    stable_version = ctx.previous.config.version if ctx.previous else ctx.config.version
    weight = int(args["weight"])
    routing.split(ctx.rt.router, ctx.config, canary, stable, stable_version, weight, fencing=ctx.fencing,
                  sticky=ctx.config.canary_sticky)
    return Outcome(True, {"weight": weight, "canary": len(canary), "stable": len(stable)})


def _judge(ctx: DeployContext, duration_s: float, stable_version: str | None) -> Outcome:
    verdict = monitor.watch(ctx.rt, ctx.config, _serving_new(ctx), duration_s, stable_version=stable_version,
                            checkpoint=ctx.lease.check)
    ctx.verdict = verdict
    result = {"verdict": verdict.as_dict()}
    if verdict.phase is Phase.PASS:
        ctx.verified = not ctx.unproven
        return Outcome(True, result)
    if verdict.phase is Phase.INCONCLUSIVE and ctx.config.monitor.on_inconclusive == "keep":
        ctx.unproven, ctx.verified = True, False  # kept, but not verified: rollback will not pick it
        return Outcome(True, result)
    return Outcome(False, result, f"monitor window {verdict.phase.value}: " + "; ".join(verdict.reasons))


def analyze(ctx: DeployContext, args: dict[str, Any]) -> Outcome:
    """A canary step's pause: the canary judged against stable over the same ticks."""
    stable_version = ctx.previous.config.version if ctx.previous else None
    if stable_version == ctx.config.version:
        stable_version = None  # a forced redeploy: the two sides cannot be told apart by version
    return _judge(ctx, float(args["duration_s"]), stable_version)


def watch(ctx: DeployContext, args: dict[str, Any]) -> Outcome:
    return _judge(ctx, float(args["duration_s"]), None)


def add_backends(ctx: DeployContext, args: dict[str, Any]) -> Outcome:
    """Add each proven new instance that is not yet a member, one membership change at a time."""
    members = instance_sets.member_backends(ctx, ctx.config.port)
    present = {b.instance_id for b in members}
    added = []
    for row in _serving_new(ctx):
        if row.instance_id in present:
            continue
        members.append(routing.backend_of(row, ctx.config.version, role="canary"))
        routing.set_members(ctx.rt.router, ctx.config, members, fencing=ctx.fencing)
        added.append(row.instance_id)
    return Outcome(True, {"added": added, "members": len(members)})


def remove_backends(ctx: DeployContext, args: dict[str, Any]) -> Outcome:
    """Take the named old instances out of the route one at a time (they drain next)."""
    members = instance_sets.member_backends(ctx, ctx.config.port)
    removed = []
    for iid in args.get("instance_ids", ()):
        if any(b.instance_id == iid for b in members):
            members = [b for b in members if b.instance_id != iid]
            routing.set_members(ctx.rt.router, ctx.config, members, fencing=ctx.fencing)
            removed.append(iid)
    return Outcome(True, {"removed": removed, "members": len(members)})


def promote(ctx: DeployContext, args: dict[str, Any]) -> Outcome:
    ctx.rt.store.set_current(ctx.service, ctx.environment, release_id=ctx.release_id,
                             deployment_id=ctx.deployment.id, fencing=ctx.fencing)
    out: dict[str, Any] = {"current": ctx.config.version, "verified": ctx.verified}
    if ctx.verified and ctx.config.secrets:
        out.update(_retire_secrets(ctx))
    return Outcome(True, out)


def _retire_secrets(ctx: DeployContext) -> dict[str, Any]:
    """Older secret versions go only once a release using the new ones passed its monitor window; versions that
    another environment's current release pins stay (they share this home's secrets folder)."""
    from shipmate.release_config import ReleaseConfig
    from shipmate.secrets.retire import retire_superseded

    store = ctx.rt.store
    others = [ReleaseConfig.from_dict(rel.spec).secrets for cur in store.all_current()
              if (cur.service, cur.environment) != (ctx.service, ctx.environment)
              and (rel := store.get_release(cur.release_id)) is not None]
    try:
        retired = retire_superseded(ctx.rt.home, ctx.config.secrets, keep_for_rollback=others)
        retired += ctx.rt.target.retire_secrets(ctx.service, ctx.environment, dict(ctx.config.secrets))
    except (ShipmateError, OSError) as exc:   # the release is good; a leftover old version is tidying
        return {"warning": f"old secret versions were not removed: {exc}"}
    return {"retired_secrets": retired}


def _old_rows(ctx: DeployContext, args: dict[str, Any]) -> list[Any]:
    """The previous instances the plan named (so a re-run after a crash retires those only)."""
    return instance_sets.by_ids(ctx, args.get("instance_ids", ()))


def drain_old(ctx: DeployContext, args: dict[str, Any]) -> Outcome:
    rt, timeout = ctx.rt, float(args["timeout_s"])
    out: dict[str, Any] = {"drained": [], "skipped": []}
    late = []
    for old in _old_rows(ctx, args):
        if not old.live or not rt.target.is_alive(ref_of(old)):
            out["skipped"].append(old.instance_id)
            continue
        rt.store.set_instance_status(old.instance_id, "draining", fencing=ctx.fencing)
        result = routing.drain(rt.router, ctx.config, old, timeout)
        out["drained"].append({"instance_id": old.instance_id, "drained": result.drained,
                               "in_flight": result.in_flight, "waited_s": round(result.waited_s, 3)})
        if not result.drained:
            late.append(f"{old.instance_id} ({result.in_flight} in flight)")
    if late:
        # Not a failure (the new release serves), but a person should know.
        out["warning"] = (f"drain timed out after {timeout:g}s (drain) for {', '.join(late)}; "
                          "stopping anyway")
    return Outcome(True, out)


def stop_old(ctx: DeployContext, args: dict[str, Any]) -> Outcome:
    stopped = []
    for old in _old_rows(ctx, args):
        if old.status in ("stopped", "failed"):
            continue
        instances.stop(ctx.rt, old, float(args["grace_s"]), ctx.fencing)
        stopped.append(old.instance_id)
    return Outcome(True, {"stopped": stopped})
