"""Reconcile after a crash: observe the world, then finish or roll back — never guess forward.

Run at the start of every command that touches state. A deployment whose owner is alive and
heartbeating is left alone (its lock says so); one whose owner died, or froze for over 3 leases,
is taken over and driven to an end. A frozen owner that wakes finds itself fenced out.
"""

from __future__ import annotations

from typing import Any

from shipmate.engine import runner
from shipmate.engine.context import DeployContext, Previous, Runtime, ref_of
from shipmate.engine.lease import Lease
from shipmate.engine.rollback_path import roll_back
from shipmate.errors import LockHeldError, ShipmateError
from shipmate.model import DeploymentState
from shipmate.plan import Plan
from shipmate.release_config import ReleaseConfig
from shipmate.store.rows import DeploymentRow, StepRow


def reconcile(rt: Runtime) -> list[dict[str, Any]]:
    """Drive every orphaned deployment to a terminal state; then stop stray instances."""
    report: list[dict[str, Any]] = []
    for dep in rt.store.active_deployments():
        key = f"{dep.service}/{dep.environment}"
        try:
            with Lease(rt.store, key, rt.actor) as lease:
                fresh = rt.store.get_deployment(dep.id)
                if fresh is None or DeploymentState(fresh.state).terminal:
                    continue
                report.append(_recover_one(rt, fresh, lease))
        except LockHeldError:
            continue  # its owner is alive, heartbeating, and still working on it
    report.extend(_stop_strays(rt))
    return report


def context_for(rt: Runtime, dep: DeploymentRow, lease: Lease) -> DeployContext:
    release = rt.store.get_release(dep.release_id)
    assert release is not None, f"deployment {dep.id} names a missing release"
    config = ReleaseConfig.from_dict(release.spec)
    previous: Previous | None = None
    if dep.previous_release_id:
        prev_rel = rt.store.get_release(dep.previous_release_id)
        cur = rt.store.current(dep.service, dep.environment)
        plan = Plan.from_dict(dep.plan)
        named = next((s.args.get("instance_id") for s in plan.steps if s.name == "stop_old"), None)
        prev_inst = None
        if named:
            prev_inst = rt.store.get_instance(str(named))  # the plan said which one it would retire
        elif cur is not None and cur.deployment_id != dep.id and cur.release_id == dep.previous_release_id:
            serving = [r for r in rt.store.instances(dep.service, dep.environment, live_only=True)
                       if r.release_id == cur.release_id and r.deployment_id != dep.id]
            prev_inst = serving[-1] if serving else None
        if prev_rel is not None:
            previous = Previous(prev_rel.id, ReleaseConfig.from_dict(prev_rel.spec), prev_inst)
    ctx = DeployContext(rt, lease, dep, Plan.from_dict(dep.plan), release.id, config, previous)
    for row in rt.store.instances(dep.service, dep.environment):
        if row.deployment_id == dep.id and row.release_id == release.id:
            ctx.new_instance = row
    return ctx


def _recover_one(rt: Runtime, dep: DeploymentRow, lease: Lease) -> dict[str, Any]:
    ctx = context_for(rt, dep, lease)
    steps = rt.store.steps(dep.id)
    done = {s.name for s in steps if s.status == "ok"}
    last = steps[-1].name if steps else "nothing"
    new_alive = ctx.new_instance is not None and rt.target.is_alive(ref_of(ctx.new_instance))
    verified_step = "monitor" if ctx.plan.index_of("monitor") is not None else "switch_route"
    forward = (dep.state != DeploymentState.ROLLING_BACK and verified_step in done and new_alive) \
        or (dep.kind == "down")
    why = _WHY.get(lease.took_over or "", "its shipmate process died")
    rt.store.append_event(event_type="deployment.recovering", service=dep.service,
                          environment=dep.environment, version=ctx.config.version, status="recovering",
                          deployment_id=dep.id, trace_id=dep.trace_id, deployed_by=rt.actor,
                          notes=f"interrupted after {last} ({why}); {'finishing' if forward else 'rolling back'}",
                          data={"took_over": lease.took_over})
    outcome = "succeeded" if forward else "rolled_back"
    try:
        if forward:
            ctx.verified = _monitor_passed(steps)
            start = next((i for i, s in enumerate(ctx.plan.steps) if s.name not in done), len(ctx.plan.steps))
            runner.execute(ctx, start_index=start)
        else:
            roll_back(ctx, f"interrupted after step {last} ({why})")
    except ShipmateError as exc:
        outcome = f"failed: {exc.message}"
    return {"deployment_id": dep.id, "service": dep.service, "environment": dep.environment,
            "interrupted_after": last, "outcome": outcome}


_WHY = {"stalled": "its shipmate process stalled: no heartbeat for 3 leases",
        "lease_expired": "its shipmate lease expired"}


def _monitor_passed(steps: list[StepRow]) -> bool:
    """Verified means the window's verdict was pass (an inconclusive window kept is not)."""
    for step in steps:
        if step.name == "monitor" and step.status == "ok":
            verdict = (step.result or {}).get("verdict") or {}
            return bool(verdict.get("phase") == "pass")
    return False


def _stop_strays(rt: Runtime) -> list[dict[str, Any]]:
    """Processes we started whose start was never recorded, or that outlived their stop."""
    known = {row.instance_id for row in rt.store.instances(live_only=True)}
    active = {d.id for d in rt.store.active_deployments()}
    report = []
    for ref in rt.target.find_strays(rt.home_id, known):
        if rt.target.deployment_of(ref) in active:
            continue  # a live deployment may be about to record it
        pid = rt.target.inspect(ref.handle).pid
        rt.target.stop(ref, 5.0)
        report.append({"stray_stopped": ref.instance_id, "pid": pid})
    return report
