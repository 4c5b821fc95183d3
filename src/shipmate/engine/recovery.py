"""Reconcile after a crash: observe the world, then finish or roll back — never guess forward.

Run at the start of every command that touches state. A deployment whose owner is alive and
heartbeating is left alone (its lock says so); one whose owner died, or froze for over 3 leases,
is taken over and driven to an end. A frozen owner that wakes finds itself fenced out.
"""

from __future__ import annotations

from typing import Any

from shipmate.engine import instance_sets, runner
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
    report.extend(stop_strays(rt))
    return report


def context_for(rt: Runtime, dep: DeploymentRow, lease: Lease) -> DeployContext:
    release = rt.store.get_release(dep.release_id)
    assert release is not None, f"deployment {dep.id} names a missing release"
    config = ReleaseConfig.from_dict(release.spec)
    plan = Plan.from_dict(dep.plan)
    previous: Previous | None = None
    if dep.previous_release_id:
        prev_rel = rt.store.get_release(dep.previous_release_id)
        if prev_rel is not None:
            previous = Previous(prev_rel.id, ReleaseConfig.from_dict(prev_rel.spec), plan.retired_instance_ids())
    return DeployContext(rt, lease, dep, plan, release.id, config, previous)


def decide(plan: Plan, state: str, done: set[int], new_alive: bool) -> str:
    """"forward" or "roll_back", from the plan's flags and the world observed (pure: the table tests it).

    Forward only when the strategy's commit point is done and the new instances still run (and the
    deployment was not already rolling back); a plan with no abort steps (down) is always finished.
    """
    if not plan.abort_steps and plan.kind == "down":
        return "forward"
    commit = plan.commit_index()
    if state == DeploymentState.ROLLING_BACK or commit is None or commit not in done or not new_alive:
        return "roll_back"
    return "forward"


def _recover_one(rt: Runtime, dep: DeploymentRow, lease: Lease) -> dict[str, Any]:
    ctx = context_for(rt, dep, lease)
    steps = rt.store.steps(dep.id)
    forward_steps = [s for s in steps if s.index < len(ctx.plan.steps) and not s.name.startswith("rollback.")]
    done = {s.index for s in forward_steps if s.status == "ok"}
    last = steps[-1].name if steps else "nothing"
    new = instance_sets.new_rows(ctx)
    new_alive = bool(new) and all(rt.target.is_alive(ref_of(row)) for row in new)
    decision = decide(ctx.plan, str(dep.state), done, new_alive)
    forward = decision == "forward"
    why = _WHY.get(lease.took_over or "", "its shipmate process died")
    rt.store.append_event(event_type="deployment.recovering", service=dep.service,
                          environment=dep.environment, version=ctx.config.version, status="recovering",
                          deployment_id=dep.id, trace_id=dep.trace_id, deployed_by=rt.actor,
                          notes=f"interrupted after {last} ({why}); {'finishing' if forward else 'rolling back'}",
                          data={"took_over": lease.took_over, "decision": decision})
    outcome = "succeeded" if forward else "rolled_back"
    try:
        if forward:
            ctx.verified, ctx.unproven = _windows_passed(forward_steps)
            start = next((i for i in range(len(ctx.plan.steps)) if i not in done), len(ctx.plan.steps))
            runner.execute(ctx, start_index=start)
        else:
            roll_back(ctx, f"interrupted after step {last} ({why})")
    except ShipmateError as exc:
        outcome = f"failed: {exc.message}"
    return {"deployment_id": dep.id, "service": dep.service, "environment": dep.environment,
            "interrupted_after": last, "outcome": outcome}


_WHY = {"stalled": "its shipmate process stalled: no heartbeat for 3 leases",
        "lease_expired": "its shipmate lease expired"}


def _windows_passed(steps: list[StepRow]) -> tuple[bool, bool]:
    """(verified, unproven): verified when every judged window passed (an inconclusive one kept is not)."""
    phases = [((step.result or {}).get("verdict") or {}).get("phase") for step in steps
              if step.status == "ok" and (step.result or {}).get("verdict")]
    unproven = any(phase != "pass" for phase in phases)
    return bool(phases) and not unproven, unproven


def stop_strays(rt: Runtime) -> list[dict[str, Any]]:
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
