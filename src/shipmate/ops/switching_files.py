"""The files target's one strategy, "switch": render, save the set, sync the folder, check it, record it.

Everything that can be refused (a template, a data file, the manifest, the destination) is refused before
the first write. The store sees one deployment with one `switch` step; a health failure puts the previous
release's set back (or removes ours when there was none) and the deployment ends rolled back / failed.
"""

from __future__ import annotations

import difflib
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from shipmate.errors import DeploymentFailedError, InvalidInputError
from shipmate.model import DeploymentState
from shipmate.ops.results.files import FilesResult

if TYPE_CHECKING:
    from shipmate.ops.common.identity import Identity
    from shipmate.ops.common.workspace import Workspace
    from shipmate.release_config import ReleaseConfig
    from shipmate.store.rows import CurrentRow
    from shipmate.store.store import Store
    from shipmate.targets.files import FilesTarget
    from shipmate.targets.files_sync import SyncPlan

DIFF_LINES = 200
SWITCH = "switch"   # strategies/switch.py's name, without importing the plan code on a dry run


def target_for_home(ws: Workspace) -> FilesTarget:
    from shipmate.targets.files import FilesTarget

    target = FilesTarget()
    target.use_home(ws.home)
    return target


def names_of(plan: SyncPlan) -> dict[str, list[str]]:
    return {"deployed": plan.names("deploy"), "updated": plan.names("update"), "migrated": plan.names("migrate"),
            "skipped": plan.names("skip"), "preserved": plan.names("preserve", "conflict"),
            "conflicts": plan.names("conflict"), "removed": plan.names("remove")}


def diffs_of(plan: SyncPlan) -> dict[str, str]:
    """--dry-run: a unified diff per file that would change (binary files say so)."""
    out: dict[str, str] = {}
    for act in plan.actions:
        if act.action not in ("deploy", "update", "migrate", "conflict", "remove"):
            continue
        before = act.before if act.action != "conflict" else None
        after = act.data if act.action != "remove" else b""
        if act.action == "conflict" and act.data is None:
            continue
        try:
            a, b = (before or b"").decode().splitlines(True), (after or b"").decode().splitlines(True)
        except UnicodeDecodeError:
            out[act.path_name] = f"binary file {act.action}d\n"
            continue
        lines = list(difflib.unified_diff(a, b, f"a/{act.path_name}" if before else "/dev/null",
                                          f"b/{act.path_name}" if act.action != "remove" else "/dev/null"))
        out[act.path_name] = "".join(lines[:DIFF_LINES]) + ("...\n" if len(lines) > DIFF_LINES else "")
    return out


def switch(ws: Workspace, config: ReleaseConfig, wanted: dict[str, bytes], *, kind: str, dry_run: bool,
           trace_id: str | None = None, identity: Identity | None = None, wait_approval: bool = True) -> FilesResult:
    """Make ``wanted`` the folder's set as release ``config`` (deploy, or rollback to an older release).
    Approvals gate it as any release (a protected environment refuses agents without one)."""
    from shipmate.snapshots.rendered_sets import set_key

    started = time.monotonic()
    target = target_for_home(ws)
    key = set_key(wanted)
    plan = target.plan(ws.home, config, wanted, key)
    dest = str(target.destination(config))
    owner = target.other_owner(ws.home, config)
    if owner is not None:
        raise InvalidInputError(f"target.destination: {dest} holds the files of {owner}; a folder has one owner",
                                hint=f"take {owner} down first (`shipmate down`), or give this one its own folder")

    def result(p: SyncPlan, **more: Any) -> FilesResult:
        version = more.pop("version", None if kind == "down" else config.version)
        return FilesResult.of(kind, config.service, config.environment, version, dest, names_of(p),
                              (time.monotonic() - started) * 1000, **more)

    if dry_run:
        return result(plan, dry_run=True, diffs=diffs_of(plan),
                      message="dry run: nothing was written; each changed file's diff is in `diffs`")
    if not plan.changes and kind != "down":
        return result(plan, noop=True, message=f"nothing changed: the {len(wanted)} files in {dest} are already "
                                               f"those of {config.service} {config.version}")
    from shipmate.ops.common.identity import cli_identity
    from shipmate.ops.common.reading import needs_care, take_care
    from shipmate.ops.gates import approval as approval_gate

    store = ws.open_store()
    if needs_care(store, ws):      # a switch killed mid-way: the engine rolls it back first (engine/files_actions.py)
        store.close()
        take_care(ws)
        store = ws.open_store()
    try:
        approval = approval_gate.require(ws, store, service=config.service, environment=config.environment,
                                         action=kind, config=config, identity=identity or cli_identity(),
                                         wait=wait_approval)
        done = _run(ws, store, target, config, wanted, key, kind=kind, trace_id=trace_id, result=result)
        if approval is not None and done.deployment_id is not None:
            store.link_approval(approval.id, done.deployment_id)
        return done
    finally:
        store.close()


def _run(ws: Workspace, store: Store, target: FilesTarget, config: ReleaseConfig, wanted: dict[str, bytes],
         key: str, *, kind: str, trace_id: str | None, result: Callable[..., FilesResult]) -> FilesResult:
    from shipmate.engine import crashpoints
    from shipmate.engine.lease import Lease
    from shipmate.ops.common.artifacts import with_artifact_of
    from shipmate.ops.common.workspace import actor
    from shipmate.snapshots.rendered_sets import save_set
    from shipmate.strategies.switch import switch_plan

    service, env = config.service, config.environment
    make = result
    with Lease(store, f"{service}/{env}", actor()) as lease:
        plan = target.plan(ws.home, config, wanted, key)      # again under the lease: the folder may have moved
        if not plan.changes and kind != "down":
            return make(plan, noop=True, message="nothing changed")
        if kind == "deploy":    # the set's hash joins the release identity: same version, new bytes = new release
            config = with_artifact_of(config, {"sha256": key, "files": len(wanted), "set": key})
        cur = store.current(service, env)
        rel = store.ensure_release(service, config.version, config.digest, config.to_dict(), "files")
        dep = store.create_deployment(
            service=service, environment=env, release_id=rel.id, kind=kind, strategy=SWITCH,
            plan=switch_plan(service, env, config.version, kind=kind, previous_version=_version(store, cur),
                             set_key=key, destination=str(target.destination(config))).as_dict(),
            previous_release_id=cur.release_id if cur else None, trace_id=trace_id or uuid.uuid4().hex,
            actor=actor(), fencing=lease.fencing)
        store.set_state(dep.id, DeploymentState.RUNNING, fencing=lease.fencing)
        step = store.step_intent(dep.id, 0, SWITCH, {"set": key, "destination": str(target.destination(config))},
                                 fencing=lease.fencing)
        if kind != "down":
            save_set(ws.home, service, wanted)
        target.apply(ws.home, config, plan, crashpoints.hit)
        problems = target.problems(ws.home, config, parse=set(plan.names("deploy", "update", "migrate")))
        counts = {k: len(v) for k, v in names_of(plan).items()}
        if problems:
            store.step_result(step.id, "failed", {"problems": problems, **counts}, fencing=lease.fencing)
            _put_back(ws, store, target, config, cur.release_id if cur else None, dep.id, lease.fencing, problems)
        store.step_result(step.id, "ok", counts, fencing=lease.fencing)
        if kind == "down":
            store.clear_current(service, env, fencing=lease.fencing)
        else:
            store.set_current(service, env, release_id=rel.id, deployment_id=dep.id, fencing=lease.fencing)
        store.set_state(dep.id, DeploymentState.SUCCEEDED, fencing=lease.fencing,
                        verified=True if kind != "down" else None)
        _prune(ws, store, config)
        where = target.destination(config)
        if kind == "down":
            return make(plan, deployment_id=dep.id, version=None,
                        message=f"down ok: the files of {service} removed from {where} (the user's stay)")
        return make(plan, deployment_id=dep.id, message=f"{kind} ok: {service} {config.version} in {where}")


def _put_back(ws: Workspace, store: Store, target: FilesTarget, config: ReleaseConfig, previous_release: str | None,
              deployment_id: str, fencing: int, problems: dict[str, str]) -> None:
    """The new set failed its check: the previous release's set goes back (none: ours go), then fail loudly."""
    from shipmate.release_config import ReleaseConfig

    first = next(iter(sorted(problems.items())))
    why = f"{len(problems)} file(s) failed the check, first {first[0]}: {first[1]}"
    store.set_state(deployment_id, DeploymentState.ROLLING_BACK, fencing=fencing, error=why)
    rel = store.get_release(previous_release) if previous_release else None
    target.restore(ws.home, config, ReleaseConfig.from_dict(rel.spec) if rel is not None else None)
    store.set_state(deployment_id, DeploymentState.ROLLED_BACK, fencing=fencing)
    restored = f"{rel.version} is back" if rel is not None else "our files were removed again"
    raise DeploymentFailedError(f"{config.service} {config.version}: {why}; {restored}",
                                hint="fix the templates or data (see `shipmate check`), then deploy again",
                                details={"problems": problems, "deployment_id": deployment_id})


def _version(store: Store, cur: CurrentRow | None) -> str | None:
    rel = store.get_release(cur.release_id) if cur is not None else None
    return rel.version if rel is not None else None


def _prune(ws: Workspace, store: Store, config: ReleaseConfig) -> None:
    """Keep the rendered sets of the newest ``keep`` releases (and the current one) for rollback."""
    from shipmate.release_config import ReleaseConfig
    from shipmate.snapshots.rendered_sets import prune_sets

    keep = int(config.target_settings.get("keep") or 10)
    keys = {str(ReleaseConfig.from_dict(r.spec).artifact.get("set"))
            for r in store.releases(config.service, limit=keep) if r.target_kind == "files"}
    keys.add(str(config.artifact.get("set")))
    for cur in store.all_current():      # another environment's current set stays, however old
        rel = store.get_release(cur.release_id) if cur.service == config.service else None
        if rel is not None and rel.target_kind == "files":
            keys.add(str(ReleaseConfig.from_dict(rel.spec).artifact.get("set")))
    prune_sets(ws.home, config.service, keys)
