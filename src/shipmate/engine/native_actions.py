"""Steps for targets whose engine replaces instances itself (Swarm): roll out, roll back, forget.

The target's engine owns the tasks; shipmate owns the judgement and the traffic. While an update
runs, ``RouterSync`` keeps the router's membership on the tasks that really run and answer (a
task is admitted after one pass of its instance probes), and records the new release's tasks as
instance rows as soon as they appear, so a crash mid-update leaves nothing the store does not know.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from shipmate.engine import instance_sets, instances, probe_set, routing
from shipmate.engine.actions import Action, Outcome
from shipmate.engine.context import DeployContext, Runtime, ref_of
from shipmate.errors import RollbackFailedError, TargetError
from shipmate.model import Phase
from shipmate.release_config import ReleaseConfig
from shipmate.store.rows import InstanceRow
from shipmate.targets.base import NativeRollout, RolloutReport, Seen
from shipmate.traffic import Backend

ADMIT_TIMEOUT_S = 2.0


def native_of(rt: Runtime) -> NativeRollout:
    if not isinstance(rt.target, NativeRollout):  # a plan/target mismatch: only capabilities pick this plan
        raise TargetError(f"the {rt.target.kind} target cannot roll out a release by itself")
    return rt.target


def rollout_config(ctx: DeployContext, config: ReleaseConfig) -> ReleaseConfig:
    """The release as rolled out by this deployment (its id labels the tasks; it is not part of the spec hash)."""
    return dataclasses.replace(config, extra={**config.extra, "deployment_id": ctx.deployment.id})


class RouterSync:
    """on_tick for NativeRollout.roll_out: router members = running tasks that answered their probes."""

    def __init__(self, ctx: DeployContext, config: ReleaseConfig, release_id: str) -> None:
        self.ctx, self.config, self.release_id = ctx, config, release_id
        self.admitted: dict[str, Seen] = {}
        self.recorded: set[str] = set()      # tasks already in the store (ticks come every 0.2 s)
        self.members: tuple[str, ...] | None = None

    def tick(self, seen: list[Seen]) -> None:
        now = {s.ref.instance_id: s for s in seen}
        for iid in list(self.admitted):
            if iid not in now:
                del self.admitted[iid]
        for iid, s in now.items():
            if s.version == self.config.version and iid not in self.recorded:
                record(self.ctx, self.release_id, s)
                self.recorded.add(iid)
            if iid not in self.admitted and self._answers(s):
                self.admitted[iid] = s
        members = tuple(sorted(self.admitted))
        if members != self.members:
            backends = [Backend(host=s.ref.host, port=s.ref.port, version=s.version, instance_id=iid)
                        for iid, s in sorted(self.admitted.items())]
            routing.set_members(self.ctx.rt.router, self.config, backends, fencing=self.ctx.fencing)
            self.members = members

    def _answers(self, s: Seen) -> bool:
        # Levels 1-4, as wait_healthy proves them: a task the engine started never gets traffic before its MCP
        # level passes (a task lacking a required tool would fail the deploy anyway, but after serving).
        probes = probe_set.instance_probes(self.config, self.ctx.rt.target, s.ref, protocol=True)
        return all(r.phase is Phase.PASS for r in probe_set.run_all(probes))


def record(ctx: DeployContext, release_id: str, s: Seen, status: str = "starting") -> InstanceRow:
    """The store's row for a task (added once; a task id never comes back)."""
    found = ctx.rt.store.get_instance(s.ref.instance_id)
    if found is not None:
        return found
    return ctx.rt.store.add_instance(
        instance_id=s.ref.instance_id, service=ctx.service, environment=ctx.environment, release_id=release_id,
        deployment_id=ctx.deployment.id, target_kind=ctx.config.target_kind, port=s.ref.port,
        handle=s.ref.handle, status=status, fencing=ctx.fencing)


def _settle(ctx: DeployContext, release_id: str, config: ReleaseConfig, report: RolloutReport) -> list[InstanceRow]:
    """Rows for the tasks the update ended with; this deployment's other rows of that release are gone."""
    ended = {ref.instance_id for ref in report.instances}
    rows = [record(ctx, release_id, Seen(ref, config.version)) for ref in report.instances]
    for row in ctx.rt.store.instances(ctx.service, ctx.environment, live_only=True):
        if row.deployment_id == ctx.deployment.id and row.release_id == release_id and row.id not in ended:
            ctx.rt.store.set_instance_status(row.id, "failed", fencing=ctx.fencing)  # replaced by the engine
    return rows


def _describe(report: RolloutReport) -> tuple[str, str | None]:
    error = f"update ended {report.state}" + (f": {report.message}" if report.message else "")
    lines = report.failed_output.lines[-3:] if report.failed_output else []
    if lines:
        error += " | last output: " + " / ".join(line[:200] for line in lines)
    hint = None
    if report.state in ("rollback_completed", "rollback_paused", "paused"):
        hint = "the engine's own update failed (a task did not start or stay up); see `shipmate logs`"
    elif report.state == "timeout":
        hint = "raise target.converge_timeout, or check the nodes' capacity and placement constraints"
    return error, hint


def roll_out(ctx: DeployContext, args: dict[str, Any]) -> Outcome:
    target = native_of(ctx.rt)
    sync = RouterSync(ctx, ctx.config, ctx.release_id)
    report = target.roll_out(rollout_config(ctx, ctx.config), deadline_s=float(args["deadline_s"]),
                             on_tick=sync.tick)
    rows = _settle(ctx, ctx.release_id, ctx.config, report)
    result = {"state": report.state, "message": report.message,
              "instances": [{"instance_id": r.id, "host": r.host, "port": r.port} for r in rows]}
    if not report.ok:
        error, hint = _describe(report)
        return Outcome(False, result, error, hint)
    return Outcome(True, result)


def forget_replaced(ctx: DeployContext, args: dict[str, Any]) -> Outcome:
    """The previous release's rows whose tasks the engine replaced are stopped (observed, so safe twice)."""
    forgotten, still = [], []
    for row in instance_sets.by_ids(ctx, args.get("instance_ids", ())):
        if not row.live:
            continue
        if ctx.rt.target.is_alive(ref_of(row)):
            still.append(row.id)
            continue
        ctx.rt.store.set_instance_status(row.id, "stopped", fencing=ctx.fencing)
        forgotten.append(row.id)
    out: dict[str, Any] = {"stopped": forgotten}
    if still:
        out["warning"] = f"{len(still)} task(s) of the previous release still run: {', '.join(still)}"
    return Outcome(True, out)


def roll_back_native(ctx: DeployContext, args: dict[str, Any]) -> Outcome:
    """The previous release's spec rolled out again (from our store), proven, and alone on the route."""
    rt, prev, port = ctx.rt, ctx.previous, int(args.get("port", ctx.config.port))
    target = native_of(rt)
    if prev is None:
        gone = target.take_down(ctx.service, ctx.environment)
        rt.router.ensure_running()
        rt.router.remove(port, fencing=ctx.fencing, close_connections=True)
        rt.router.shutdown_if_idle()
        cur = rt.store.current(ctx.service, ctx.environment)
        if cur is not None and cur.deployment_id == ctx.deployment.id:
            rt.store.clear_current(ctx.service, ctx.environment, fencing=ctx.fencing)
        return Outcome(True, {"restored": None, "service_removed": gone})
    sync = RouterSync(ctx, prev.config, prev.release_id)
    report = target.roll_out(rollout_config(ctx, prev.config), deadline_s=float(args.get("deadline_s", 300.0)),
                             on_tick=sync.tick)
    if not report.ok or not report.instances:
        error, hint = _describe(report)
        raise RollbackFailedError(f"previous release {prev.config.version} did not come back: {error}", hint=hint)
    rows = _settle(ctx, prev.release_id, prev.config, report)
    live = []
    for row in rows:
        if row.status == "running":
            live.append(row)
            continue
        healthy, _ = instances.wait_healthy(rt, prev.config, row)
        if healthy:
            live.append(rt.store.set_instance_status(row.id, "running", fencing=ctx.fencing))
    if not live:
        raise RollbackFailedError(f"previous release {prev.config.version} runs again but no task passes its probes",
                                  hint="see `shipmate logs`")
    for row in instance_sets.by_ids(ctx, instance_sets.previous_ids(ctx)):
        if row.live and not rt.target.is_alive(ref_of(row)):
            rt.store.set_instance_status(row.id, "stopped", fencing=ctx.fencing)  # replaced by the engine
    routing.serve_only(rt.router, prev.config, live, fencing=ctx.fencing, port=port)
    cur = rt.store.current(ctx.service, ctx.environment)
    rt.store.set_current(ctx.service, ctx.environment, release_id=prev.release_id,
                         deployment_id=cur.deployment_id if cur is not None else ctx.deployment.id,
                         fencing=ctx.fencing)
    return Outcome(True, {"restored": prev.config.version, "state": report.state,
                          "serving": [r.id for r in live]})


ACTIONS: dict[str, Action] = {
    "roll_out": roll_out, "forget_replaced": forget_replaced, "roll_back_native": roll_back_native,
}
