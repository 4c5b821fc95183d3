"""deploy and rollback: both start one release of a service through the durable engine."""

from __future__ import annotations

import dataclasses
import uuid
from typing import TYPE_CHECKING, Any

from shipmate.engine.context import DeployContext, Previous, Progress, Runtime, ref_of
from shipmate.engine.lease import Lease
from shipmate.errors import DeploymentFailed, NotFoundError, RollbackFailed
from shipmate.ops import approval_gate, releases
from shipmate.ops.confidence import assess_current
from shipmate.ops.hooks_running import around_release, check_pre_hook, conduct_of
from shipmate.ops.identity import Identity, cli_identity
from shipmate.ops.reconciling import reconcile_all
from shipmate.ops.workspace import Workspace, resolve_environment
from shipmate.release_config import ReleaseConfig

if TYPE_CHECKING:
    from shipmate.store.store import Store

FAST_ROLLBACK_WINDOW = 5  # deployments: a release that passed this recently is rolled back to at once


def deploy(spec_file: str | None, *, environment: str | None = None, version: str | None = None,
           dry_run: bool = False, force: bool = False, progress: Progress | None = None,
           identity: Identity | None = None, wait_approval: bool = True,
           override_freeze: str | None = None) -> dict[str, Any]:
    """``override_freeze``: the reason a freeze window is overridden (audited); None: freezes refuse."""
    from shipmate.engine.preflight import check_command
    from shipmate.ops import gated_release, policy_gates
    from shipmate.ops.artifacts import with_artifact
    from shipmate.secrets.resolve import with_secrets
    from shipmate.spec.loader import load_spec

    ws = Workspace.locate(spec_file)
    loaded = load_spec(ws.spec_path, environment=environment, version_override=version)
    config = with_secrets(ws.home, loaded.spec.secrets, releases.config_from(loaded))
    check_command(config)  # before anything is written: a 'no' leaves no trace
    config = with_artifact(config, ws.home, ws.spec_path)
    gates = policy_gates.evaluate(ws.home, loaded.spec, config, override_freeze=override_freeze)
    release = gated_release.Release(ws, loaded, config, gates, action="deploy", identity=identity)
    if dry_run:
        return gated_release.dry_run_report(release, _dry_run(ws, config, kind="deploy"))
    from shipmate.ops.serving import remember_home

    remember_home(ws)   # `shipmate serve` watches every home a deploy registered
    return gated_release.run_gated(release, force=force, wait_approval=wait_approval, progress=progress)


def rollback(spec_file: str | None, *, environment: str | None = None, to_version: str | None = None,
             dry_run: bool = False, progress: Progress | None = None, identity: Identity | None = None,
             wait_approval: bool = True) -> dict[str, Any]:
    from shipmate.spec.identity import read_identity

    ws = Workspace.locate(spec_file)
    service, declared = read_identity(ws.spec_path)
    env = resolve_environment(declared, environment)
    store = ws.open_store_readonly()
    if store is None:  # checked read-only first: a refused rollback must not create a state folder
        raise NotFoundError(f"{service}/{env} has never been deployed", hint="run `shipmate deploy` first")
    if not dry_run:
        store.close()
        store = ws.open_store()
    try:
        rt = ws.runtime(store, progress)
        if not dry_run:
            reconcile_all(rt)
        target = _rollback_target(store, service, env, to_version)
        if dry_run:
            return _dry_run(ws, target, kind="rollback", store=store)
        from shipmate.secrets.resolve import pinned_for_rollback

        conduct, secret_warnings = conduct_of(ws.spec_path, env)
        check_pre_hook(conduct, "rollback", target, rt.actor)
        approval = approval_gate.require_rollback(ws, store, target, identity=identity or cli_identity(),
                                                  wait=wait_approval, progress=progress)
        target, pinned_warnings = pinned_for_rollback(ws.home, target)
        secret_warnings += pinned_warnings
        if target.target_kind != rt.target.kind:
            rt = ws.runtime(store, progress, kind=target.target_kind)
        score = assess_current(store, target, conduct.weights)
        result = approval_gate.linked(store, approval, lambda: around_release(
            ws.home, conduct, target, "rollback", rt.actor,
            lambda: run_release(rt, target, kind="rollback", force=False, confidence=score)))
        if secret_warnings:
            result["warnings"] = [*secret_warnings, *result.get("warnings", [])]
        return result
    finally:
        store.close()


def _rollback_target(store: Store, service: str, env: str, to_version: str | None) -> ReleaseConfig:
    cur = store.current(service, env)
    if to_version is not None:
        for rel in store.releases(service, limit=500):
            config = ReleaseConfig.from_dict(rel.spec)
            if rel.version == to_version and config.environment == env:
                return config
        raise NotFoundError(f"no release {to_version} of {service} in {env}",
                            hint="`shipmate history` lists the releases you can roll back to")
    verified = store.last_verified_release(service, env, exclude_release_id=cur.release_id if cur else None)
    if verified is None:
        raise NotFoundError(f"no verified release of {service}/{env} to roll back to",
                            hint="a release is verified when it passes its monitor window; "
                                 "pass --to VERSION to pick one yourself")
    return ReleaseConfig.from_dict(verified.spec)


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


def _dry_run(ws: Workspace, config: ReleaseConfig, *, kind: str, store: Store | None = None) -> dict[str, Any]:
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
                             monitor=kind == "deploy", fast_rollback=fast)
    return {"dry_run": True, "service": config.service, "environment": config.environment,
            "version": config.version, "plan": plan.as_dict(), "gate_levels": gate_levels(config)}


def gate_levels(config: ReleaseConfig) -> list[dict[str, Any]]:
    """The health levels that must pass on each new instance before it gets traffic (1-4; smoke is for check)."""
    from shipmate.analysis.health_levels import LEVEL_NAMES
    from shipmate.engine.level_runner import levels_of

    return [{"level": level, "name": LEVEL_NAMES[level]} for level in levels_of(config) if level <= 4]


def run_release(rt: Runtime, config: ReleaseConfig, *, kind: str, force: bool,
                confidence: dict[str, Any] | None = None, origin: dict[str, Any] | None = None) -> dict[str, Any]:
    """``origin``: a promotion's evidence from its source environment, stored with the deployment."""
    from shipmate.engine import crashpoints, runner

    store = rt.store
    key = f"{config.service}/{config.environment}"
    with Lease(store, key, rt.actor) as lease:
        previous, running = _previous(store, rt, config.service, config.environment)
        if previous is not None and running and not force and previous.config.digest == config.digest \
                and previous.config.version == config.version:
            return {"noop": True, "service": config.service, "environment": config.environment,
                    "version": config.version, "message": f"{config.version} is already running (use --force)"}
        prepared = rt.target.prepare(config)   # e.g. the image built and its id, recorded with the release
        if prepared:
            config = dataclasses.replace(config, target_settings={**config.target_settings, **prepared})
        release = store.ensure_release(config.service, config.version, config.digest, config.to_dict(),
                                       config.target_kind)
        plan = releases.plan_for(config, kind=kind, previous=previous.config if previous else None,
                                 previous_ids=previous.instance_ids if previous and running else (),
                                 monitor=kind == "deploy", fast_rollback=_fast_rollback(store, config, kind))
        dep = store.create_deployment(
            service=config.service, environment=config.environment, release_id=release.id, kind=kind,
            strategy=plan.strategy, plan=plan.as_dict(),
            previous_release_id=previous.release_id if previous else None,
            trace_id=uuid.uuid4().hex, actor=rt.actor, fencing=lease.fencing, origin=origin)
        if confidence is not None:
            store.set_deployment_confidence(dep.id, confidence)
        crashpoints.hit("state:planned")
        ctx = DeployContext(rt, lease, dep, plan, release.id, config, previous)
        try:
            runner.execute(ctx)
        except (DeploymentFailed, RollbackFailed) as exc:
            exc.details = summary(ctx)
            raise
        return summary(ctx)


def summary(ctx: DeployContext) -> dict[str, Any]:
    dep = ctx.rt.store.get_deployment(ctx.deployment.id) or ctx.deployment
    return {
        "deployment_id": dep.id, "service": ctx.service, "environment": ctx.environment,
        "version": ctx.config.version, "kind": dep.kind, "state": str(dep.state),
        "previous_version": ctx.previous.config.version if ctx.previous else None,
        "verified": bool(dep.verified), "confidence": (dep.confidence or {}).get("score"),
        "verdict": ctx.verdict.as_dict() if ctx.verdict else None,
        "error": dep.error, "warnings": list(ctx.warnings), "origin": dep.origin, "steps": [
            {"name": s.name, "status": s.status, "duration_s": (s.result or {}).get("duration_s")}
            for s in ctx.rt.store.steps(dep.id)],
    }
