"""Retention: which releases a target keeps for instant rollback, and the cleanup step that prunes the rest.

Kept: the release being promoted plus the newest distinct releases of succeeded deployments (deploy or
rollback) of this service/environment, ``keep_releases`` in all. A failed release is never counted, so
its stopped container (kept for inspection) goes at the next successful deploy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shipmate.plan import CLEANUP, PlanStep

if TYPE_CHECKING:
    from shipmate.engine.actions import Outcome
    from shipmate.engine.context import DeployContext
    from shipmate.store.store import Store

DEFAULT_KEEP_RELEASES = 5
HISTORY_LOOKED_AT = 500   # deployments read back to find the kept releases


def prune_step(keep_releases: int) -> PlanStep:
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

    keep = kept_versions(ctx.rt.store, ctx.service, ctx.environment, ctx.config.version,
                         int(args.get("keep_releases") or DEFAULT_KEEP_RELEASES))
    removed = ctx.rt.target.prune(ctx.rt.home_id, ctx.service, ctx.environment, keep)
    return Outcome(True, {"kept": sorted(keep), **removed})


ACTIONS = {"prune": prune}
