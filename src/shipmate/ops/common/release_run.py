"""One release run through the durable engine (deploy, rollback, promote all end here), its plan and summary."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from shipmate.engine.context import DeployContext, Previous, Runtime, ref_of
from shipmate.engine.lease import Lease
from shipmate.errors import DeploymentFailedError, RollbackFailedError
from shipmate.ops.common import failure_memory, release_files, releases
from shipmate.ops.common.acting import acting_trace
from shipmate.ops.common.artifacts import short_artifact
from shipmate.ops.common.workspace import Workspace
from shipmate.release_config import ReleaseConfig

if TYPE_CHECKING:
    from shipmate.store.store import Store

FAST_ROLLBACK_WINDOW = 5  # deployments: a release that passed this recently is rolled back to at once


def _previous(store: Store, rt: Runtime | None, service: str, env: str) -> tuple[Previous | None, bool]:
    """The current release and its live instances (checked against the target when one is at hand)."""
    cur = store.current(service, env)
    if cur is None:
        return None, False
    rel = store.get_release(cur.release_id)
    if rel is None:
        return None, False
    rows = [row for row in store.instances(service, env, live_only=True) if row.release_id == rel.id]
    if rt is not None:
        rows = [row for row in rows if rt.target.is_alive(ref_of(row))]
    ids = tuple(row.instance_id for row in rows)
    return Previous(rel.id, ReleaseConfig.from_dict(rel.spec), ids), bool(ids)


def _fast_rollback(store: Store, config: ReleaseConfig, kind: str) -> bool:
    """Rolling back to a release that passed within the last 5 deployments: skip canary steps."""
    if kind != "rollback":
        return False
    for dep in store.deployments(config.service, config.environment, FAST_ROLLBACK_WINDOW):
        rel = store.get_release(dep.release_id)
        if rel is not None and rel.version == config.version and rel.digest == config.digest \
                and str(dep.state) == "succeeded" and dep.verified:
            return True
    return False


def planned_release(ws: Workspace, config: ReleaseConfig, *, kind: str, store: Store | None = None,
                    monitor: bool = True) -> dict[str, Any]:
    """``monitor``: whether a rollback's plan watches the restored release (a deploy's always does)."""
    own = store is None
    if own:
        store = ws.open_store_readonly()
    previous, running = (None, False)
    try:
        if store is not None:
            previous, running = _previous(store, None, config.service, config.environment)
    finally:
        if own and store is not None:
            store.close()
    fast = store is not None and _fast_rollback(store, config, kind)
    plan = releases.plan_for(config, kind=kind, previous=previous.config if previous else None,
                             previous_ids=previous.instance_ids if previous and running else (),
                             monitor=kind == "deploy" or monitor, fast_rollback=fast)
    return {"dry_run": True, "service": config.service, "environment": config.environment,
            "version": config.version, "plan": plan.as_dict(), "gate_levels": gate_levels(config)}


def gate_levels(config: ReleaseConfig) -> list[dict[str, Any]]:
    """The health levels that must pass on each new instance before it gets traffic (1-4; smoke is for check)."""
    from shipmate.analysis.health_levels import LEVEL_NAMES
    from shipmate.engine.level_runner import levels_of

    return [{"level": level, "name": LEVEL_NAMES[level]} for level in levels_of(config) if level <= 4]


def run_release(rt: Runtime, config: ReleaseConfig, *, kind: str, force: bool,
                confidence: dict[str, Any] | None = None, origin: dict[str, Any] | None = None,
                monitor: bool = True, trace_id: str | None = None,
                note: str | None = None) -> dict[str, Any]:
    """``origin``: a promotion's evidence from its source environment, stored with the deployment;
    ``monitor``: a rollback watches the restored release for the monitor window too (a deploy always does);
    ``trace_id``: the caller's (an inbox task's, `deploy --trace-id`), else a fresh one;
    ``note``: what was changed to fix an earlier failure (`deploy --note`), credited if this one succeeds."""
    from shipmate.engine import crashpoints, runner

    store = rt.store
    key = f"{config.service}/{config.environment}"
    with Lease(store, key, rt.actor) as lease:
        previous, running = _previous(store, rt, config.service, config.environment)
        if previous is not None and running and not force and previous.config.digest == config.digest \
                and previous.config.version == config.version:
            return {"noop": True, "service": config.service, "environment": config.environment,
                    "version": config.version, "message": f"{config.version} is already running (use --force)"}
        # The image built (docker) or the files snapshotted (process), before the release is recorded.
        config = release_files.prepared(rt, config, kind=kind)
        release = store.ensure_release(config.service, config.version, config.digest, config.to_dict(),
                                       config.target_kind)
        plan = releases.plan_for(config, kind=kind, previous=previous.config if previous else None,
                                 previous_ids=previous.instance_ids if previous and running else (),
                                 monitor=kind == "deploy" or monitor,
                                 fast_rollback=_fast_rollback(store, config, kind))
        dep = store.create_deployment(
            service=config.service, environment=config.environment, release_id=release.id, kind=kind,
            strategy=plan.strategy, plan=plan.as_dict(),
            previous_release_id=previous.release_id if previous else None,
            trace_id=trace_id or acting_trace() or uuid.uuid4().hex, actor=rt.actor, fencing=lease.fencing,
            origin=origin)
        if confidence is not None:
            store.set_deployment_confidence(dep.id, confidence)
        if note:
            store.memory.set_deployment_note(dep.id, note)
        crashpoints.hit("state:planned")
        ctx = DeployContext(rt, lease, dep, plan, release.id, config, previous)
        try:
            runner.execute(ctx)
        except (DeploymentFailedError, RollbackFailedError) as exc:
            exc.details = summary(ctx)
            failure_memory.remember(store, exc, service=config.service, environment=config.environment,
                                    kind=kind, target_kind=config.target_kind, deployment_id=dep.id)
            raise
        result = summary(ctx)
        if note:
            result["note"] = note
        if kind == "deploy":
            _settle_quietly(store, result)
        return result


def _settle_quietly(store: Store, result: dict[str, Any]) -> None:
    """Credit the fixes tried since the last failures; the memory never turns a success into an error."""
    try:
        failure_memory.settle_success(store, result["service"], result["environment"], result["deployment_id"],
                                      result.get("note"))
    except Exception as err:
        result["warnings"] = [*result["warnings"], f"failure memory: {type(err).__name__}: {err}"]


def summary(ctx: DeployContext) -> dict[str, Any]:
    dep = ctx.rt.store.get_deployment(ctx.deployment.id) or ctx.deployment
    return {
        "deployment_id": dep.id, "trace_id": dep.trace_id, "service": ctx.service, "environment": ctx.environment,
        "version": ctx.config.version, "artifact_short": short_artifact(ctx.config), "kind": dep.kind,
        "state": str(dep.state),
        "previous_version": ctx.previous.config.version if ctx.previous else None,
        "verified": bool(dep.verified), "confidence": (dep.confidence or {}).get("score"),
        "verdict": ctx.verdict.as_dict() if ctx.verdict else None,
        "error": dep.error, "warnings": list(ctx.warnings), "origin": dep.origin, "steps": [
            {"name": s.name, "status": s.status, "duration_s": (s.result or {}).get("duration_s")}
            for s in ctx.rt.store.steps(dep.id)],
    }


def check_trace_id(trace_id: str | None) -> None:
    """A caller's trace id fits the deployments' column and reads back as given (the inbox task's rule)."""
    import re

    from shipmate.errors import InvalidInputError
    from shipmate.spec.task_spec import TRACE_ID_PATTERN

    if trace_id is not None and re.fullmatch(TRACE_ID_PATTERN, trace_id) is None:
        raise InvalidInputError(f"--trace-id {trace_id[:70]!r} is not 1-64 letters, digits, '.', '_', ':' or '-'",
                                hint="e.g. --trace-id CHORA-DEPLOY-2025-001")
