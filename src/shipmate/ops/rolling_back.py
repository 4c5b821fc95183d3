"""rollback: back to the last verified release (or --to VERSION) of a service, through the same engine."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from shipmate.errors import DeploymentFailedError, NotFoundError
from shipmate.ops.common import rollback_rules
from shipmate.ops.common.artifacts import files_are_artifact
from shipmate.ops.common.conduct import conduct_of
from shipmate.ops.common.failure_memory import remembers
from shipmate.ops.common.identity import Identity, cli_identity
from shipmate.ops.common.reconciling import reconcile_all
from shipmate.ops.common.release_run import check_trace_id, planned_release, run_release
from shipmate.ops.common.workspace import Workspace, resolve_environment
from shipmate.ops.gates import approval as approval_gate
from shipmate.ops.gates.confidence import assess_current
from shipmate.ops.gates.hooks import around_release, check_pre_hook
from shipmate.ops.results.deployments import DeploymentResult, NoChangeResult, release_result
from shipmate.ops.results.files import FilesResult
from shipmate.ops.results.plans import ReleasePlan
from shipmate.release_config import ReleaseConfig

if TYPE_CHECKING:
    from shipmate.engine.context import Progress
    from shipmate.store.store import Store


@remembers("rollback")
def rollback(spec_file: str | None, *, environment: str | None = None, to_version: str | None = None,
             dry_run: bool = False, progress: Progress | None = None, identity: Identity | None = None,
             wait_approval: bool = True, force: bool = False, monitor: bool = True, trace_id: str | None = None,
             to_release: str | None = None) -> DeploymentResult | NoChangeResult | ReleasePlan | FilesResult:
    """``to_release``: this release id exactly (a stack's undo puts back the release a member ran before it);
    ``force``: put back a release that failed or was rolled back (audited); ``monitor``: watch the restored
    release for the spec's monitor window (a failed window: RollbackFailedError, exit 5); ``trace_id``: recorded
    on the rollback's deployment (an inbox task's), else a fresh one."""
    from shipmate.spec.service_names import read_service_names

    check_trace_id(trace_id)
    ws = Workspace.locate(spec_file)
    service, declared = read_service_names(ws.spec_path)
    env = resolve_environment(declared, environment)
    store = ws.open_store_readonly()
    if store is None:  # checked read-only first: a refused rollback must not create a state folder
        raise NotFoundError(f"{service}/{env} has never been deployed", hint="run `shipmate deploy` first")
    from shipmate.ops.deploying_files import is_file_set, release_kind, rollback_files

    if is_file_set(release_kind(store, service, env) or ""):
        try:
            restored, _ = _rollback_target(store, service, env, to_version, to_release)
        finally:
            store.close()
        return rollback_files(ws, restored, dry_run=dry_run, trace_id=trace_id, identity=identity,
                              wait_approval=wait_approval)
    if not dry_run:
        store.close()
        store = ws.open_store()
    try:
        rt = ws.runtime(store, progress)
        if not dry_run:
            reconcile_all(rt)
        target, release_id = _rollback_target(store, service, env, to_version, to_release)
        if files_are_artifact(target) and target.artifact.get("sha256") and "spec" not in target.artifact:
            # Recorded before the spec's path was: its files are compared the same way (spec file left out).
            target = dataclasses.replace(target, artifact={**target.artifact, "spec": str(ws.spec_path)})
        if dry_run:
            if to_version is not None and not force and rollback_rules.bad_record(store, target, release_id):
                rollback_rules.check_allowed(store, target, release_id, force=False, actor="")
            return ReleasePlan.of(planned_release(ws, target, kind="rollback", store=store, monitor=monitor))
        forced = rollback_rules.check_allowed(store, target, release_id, force=force, actor=rt.actor) \
            if to_version is not None else []
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
        restored = target
        try:
            result = approval_gate.linked(store, approval, lambda: around_release(
                ws.home, conduct, restored, "rollback", rt.actor,
                lambda: run_release(rt, restored, kind="rollback", force=False, confidence=score, monitor=monitor,
                                    trace_id=trace_id)))
        except DeploymentFailedError as exc:
            if monitor and rollback_rules.window_failed(exc):
                raise rollback_rules.as_failed_window(exc, store, target, rt.actor) from exc
            raise
        warnings = [*forced, *secret_warnings]
        if warnings:
            result["warnings"] = [*warnings, *result.get("warnings", [])]
        return release_result(result)
    finally:
        store.close()


def _rollback_target(store: Store, service: str, env: str, to_version: str | None,
                     to_release: str | None = None) -> tuple[ReleaseConfig, str]:
    """The release to put back and its id (of one version with several artifacts: the newest with a good record,
    else the newest, which the rollback rules then refuse)."""
    if to_release is not None:
        exact = store.get_release(to_release)
        if exact is None:
            raise NotFoundError(f"no release {to_release} of {service}", hint="`shipmate history` lists the releases")
        return ReleaseConfig.from_dict(exact.spec), exact.id
    cur = store.current(service, env)
    if to_version is not None:
        found = [(ReleaseConfig.from_dict(rel.spec), rel.id) for rel in store.releases(service, limit=500)
                 if rel.version == to_version]
        found = [(config, rid) for config, rid in found if config.environment == env]
        if found:
            return next(((c, rid) for c, rid in found if rollback_rules.bad_record(store, c, rid) is None), found[0])
        raise NotFoundError(f"no release {to_version} of {service} in {env}",
                            hint="`shipmate history` lists the releases you can roll back to")
    verified = store.last_verified_release(service, env, exclude_release_id=cur.release_id if cur else None)
    if verified is None:
        raise NotFoundError(f"no verified release of {service}/{env} to roll back to",
                            hint="a release is verified when it passes its monitor window; "
                                 "pass --to VERSION to pick one yourself")
    return ReleaseConfig.from_dict(verified.spec), verified.id
