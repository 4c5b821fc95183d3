"""rollback: back to the last verified release (or --to VERSION) of a service, through the same engine."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shipmate.errors import NotFoundError
from shipmate.ops.common.conduct import conduct_of
from shipmate.ops.common.identity import Identity, cli_identity
from shipmate.ops.common.reconciling import reconcile_all
from shipmate.ops.common.release_run import planned_release, run_release
from shipmate.ops.common.workspace import Workspace, resolve_environment
from shipmate.ops.gates import approval as approval_gate
from shipmate.ops.gates.confidence import assess_current
from shipmate.ops.gates.hooks import around_release, check_pre_hook
from shipmate.ops.results.deployments import DeploymentResult, NoChangeResult, release_result
from shipmate.ops.results.plans import ReleasePlan
from shipmate.release_config import ReleaseConfig

if TYPE_CHECKING:
    from shipmate.engine.context import Progress
    from shipmate.store.store import Store


def rollback(spec_file: str | None, *, environment: str | None = None, to_version: str | None = None,
             dry_run: bool = False, progress: Progress | None = None, identity: Identity | None = None,
             wait_approval: bool = True) -> DeploymentResult | NoChangeResult | ReleasePlan:
    from shipmate.spec.service_names import read_service_names

    ws = Workspace.locate(spec_file)
    service, declared = read_service_names(ws.spec_path)
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
            return ReleasePlan.of(planned_release(ws, target, kind="rollback", store=store))
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
        return release_result(result)
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
