"""Retention: which releases a target keeps for instant rollback, and the cleanup step that prunes the rest.

Kept: the release being promoted plus the newest distinct releases of succeeded deployments (deploy or
rollback) of this service/environment, ``keep_releases`` in all. A failed release is never counted, so
its stopped container (kept for inspection) goes at the next successful deploy. Process snapshots are kept
the same way for every environment (they are shared across environments), plus any live instance's.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from shipmate.plan import CLEANUP, PlanStep
from shipmate.snapshots import SNAPSHOT_DIR

if TYPE_CHECKING:
    from shipmate.engine.actions import Outcome
    from shipmate.engine.context import DeployContext
    from shipmate.store.store import Store

DEFAULT_KEEP_RELEASES = 5
HISTORY_LOOKED_AT = 500   # deployments read back to find the kept releases


def prune_step(keep_releases: int, *, snapshots: bool = False) -> PlanStep:
    if snapshots:
        return PlanStep("prune", {"keep_releases": keep_releases},
                        f"keep the snapshots of the last {keep_releases} good releases and of every environment's "
                        "current one for rollback; remove older ones (a snapshot its instances wrote files into "
                        "is kept and reported)", frozenset({CLEANUP}))
    return PlanStep("prune", {"keep_releases": keep_releases},
                    f"keep the last {keep_releases} good releases' containers and images for instant rollback; "
                    "remove older stopped ones", frozenset({CLEANUP}))


def kept_versions(store: Store, service: str, environment: str, current: str, keep_releases: int) -> set[str]:
    """``current`` and the versions of the newest succeeded deploys/rollbacks, ``keep_releases`` in all."""
    kept = [current]
    for dep in store.deployments(service, environment, HISTORY_LOOKED_AT):
        if len(kept) >= keep_releases:
            break
        if str(dep.state) != "succeeded" or dep.kind not in ("deploy", "rollback"):
            continue
        release = store.get_release(dep.release_id)
        if release is not None and release.version not in kept:
            kept.append(release.version)
    return set(kept)


def prune(ctx: DeployContext, args: dict[str, Any]) -> Outcome:
    """Ask the target to remove what it kept of older releases (idempotent: a re-run finds nothing more)."""
    from shipmate.engine.actions import Outcome

    keep_releases = int(args.get("keep_releases") or DEFAULT_KEEP_RELEASES)
    keep = kept_versions(ctx.rt.store, ctx.service, ctx.environment, ctx.config.version, keep_releases)
    removed = ctx.rt.target.prune(ctx.rt.home_id, ctx.service, ctx.environment, keep)
    if ctx.config.target_settings.get(SNAPSHOT_DIR):
        return _prune_snapshots(ctx, keep_releases, {"kept": sorted(keep), **removed})
    return Outcome(True, {"kept": sorted(keep), **removed})


def kept_snapshots(store: Store, service: str, keep_releases: int) -> set[Path]:
    """Per environment: its current release and its newest succeeded deploys/rollbacks, ``keep_releases`` in
    all; and the release of every live instance. (Snapshots are per service: environments share them.)"""
    releases = {row.release_id for row in store.instances(service, live_only=True)}
    for cur in store.all_current():
        if cur.service != service:
            continue
        ids = [cur.release_id]
        for dep in store.deployments(service, cur.environment, HISTORY_LOOKED_AT):
            if len(ids) >= keep_releases:
                break
            if str(dep.state) == "succeeded" and dep.kind in ("deploy", "rollback") and dep.release_id not in ids:
                ids.append(dep.release_id)
        releases.update(ids)
    kept: set[Path] = set()
    for release_id in releases:
        rel = store.get_release(release_id)
        where = (rel.spec.get("target_settings") or {}).get(SNAPSHOT_DIR) if rel else None
        if where:
            kept.add(Path(str(where)))
    return kept


def _prune_snapshots(ctx: DeployContext, keep_releases: int, result: dict[str, Any]) -> Outcome:
    from shipmate.engine.actions import Outcome
    from shipmate.snapshots.retention import prune_snapshots

    store = ctx.rt.store
    pruned = prune_snapshots(ctx.rt.home, ctx.service, kept_snapshots(store, ctx.service, keep_releases))
    result = {**result, "snapshots_removed": pruned.removed, "objects_removed": pruned.objects_removed,
              "snapshots_kept_with_files": pruned.kept_with_files}
    for snapshot in pruned.newly_reported:
        files = pruned.kept_with_files[snapshot]
        store.append_event(event_type="snapshot.kept", service=ctx.service, environment=ctx.environment,
                           version=ctx.config.version, status="warning", deployment_id=ctx.deployment.id,
                           deployed_by=ctx.rt.actor, notes=f"kept {snapshot}: its instances made files there",
                           data={"snapshot": snapshot, "files": files})
    if pruned.kept_with_files:
        shown = "; ".join(f"{path}: {', '.join(files[:3])}" for path, files in pruned.kept_with_files.items())
        result["warning"] = (f"kept {len(pruned.kept_with_files)} retired snapshot(s) because their instances made "
                             f"files there (move them, then remove the folder): {shown}")
    return Outcome(True, result)


ACTIONS = {"prune": prune}
