"""backup create / list / restore / prune (taking one is in ops/common/backup_taking.py, shared with the gate)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shipmate.errors import HealthCheckFailedError, NotFoundError, SpecError
from shipmate.ops.common.backup_taking import (
    create_backup,
    destination_of,
    listed_backups,
    prune_backups,
    record_backup_event,
)
from shipmate.ops.common.workspace import Workspace
from shipmate.ops.results.backups import (
    BackupEntry,
    BackupPlan,
    BackupRestored,
    BackupsList,
    BackupsPruned,
    BackupTaken,
    RestorePlan,
)

if TYPE_CHECKING:
    from shipmate.ops.common.identity import Identity
    from shipmate.spec.backup_spec import BackupSpec
    from shipmate.spec.loader import LoadedSpec

HEALTH_ATTEMPTS = 3          # after a restore: the service may need a moment to see its data again
HEALTH_RETRY_S = 1.0
LIST_HINT = "`shipmate backup list` shows the backups of this service and environment"


def _load(spec_file: str | None, environment: str | None) -> tuple[Workspace, LoadedSpec, BackupSpec]:
    from shipmate.ops.common.spec_loading import load_spec

    ws = Workspace.locate(spec_file)
    loaded = load_spec(ws.spec_path, environment=environment, version_override="0")  # backups need no version
    if loaded.spec.backup is None:
        raise SpecError("no backup: section: nothing to back up", path="backup", file=str(loaded.path),
                        hint="add e.g. backup: {paths: [data/, {sqlite: app.db}]}")
    return ws, loaded, loaded.spec.backup


def backup_create(spec_file: str | None, *, environment: str | None = None,
                  dry_run: bool = False) -> BackupPlan | BackupTaken:
    ws, loaded, bspec = _load(spec_file, environment)
    made = create_backup(ws, loaded, bspec, dry_run=dry_run, reason="manual")
    return BackupPlan(**made) if dry_run else BackupTaken(**made)


def backup_list(spec_file: str | None, *, environment: str | None = None) -> BackupsList:
    ws, loaded, bspec = _load(spec_file, environment)
    dest = destination_of(ws, loaded, bspec)
    return BackupsList(service=loaded.spec.service, environment=loaded.environment, destination=dest.describe(),
                       backups=[BackupEntry(**b) for b in listed_backups(dest, loaded.spec.service,
                                                                         loaded.environment)])


def backup_prune(spec_file: str | None, *, environment: str | None = None, dry_run: bool = False) -> BackupsPruned:
    ws, loaded, bspec = _load(spec_file, environment)
    dest = destination_of(ws, loaded, bspec)
    removed = prune_backups(dest, bspec, loaded.spec.service, loaded.environment, dry_run=dry_run)
    if not dry_run and removed:
        record_backup_event(ws, "backup.pruned", loaded.spec.service, loaded.environment, "ok",
                            data={"removed": removed})
    return BackupsPruned(service=loaded.spec.service, environment=loaded.environment, dry_run=dry_run,
                         removed=removed, keep=bspec.keep, max_age_s=bspec.max_age)


def backup_restore(spec_file: str | None, backup_id: str, *, environment: str | None = None,
                   dry_run: bool = False, identity: Identity | None = None,
                   wait_approval: bool = True) -> RestorePlan | BackupRestored:
    """Verify every checksum, then replace; the replaced files stay aside until the service checks healthy.

    On an environment whose `approval:` gates restores (protected ones do), a person's approval of exactly this
    backup comes first."""
    from shipmate.backups.restoring import discard, remove_asides, verify_and_stage
    from shipmate.errors import BackupCorruptError

    ws, loaded, bspec = _load(spec_file, environment)
    service, env = loaded.spec.service, loaded.environment
    dest = destination_of(ws, loaded, bspec)
    found = next((b for b in listed_backups(dest, service, env) if b["backup_id"] == backup_id), None)
    if found is None:
        raise NotFoundError(f"no backup {backup_id} of {service}/{env} in {dest.describe()}", hint=LIST_HINT)

    def live_of(source: dict[str, Any]) -> Path:
        return _live_path(source, loaded)

    try:
        placed = verify_and_stage(dest, found["name"], live_of, backup_id, stage=not dry_run)
    except BackupCorruptError as exc:
        record_backup_event(ws, "backup.restore_refused", service, env, "error", errors=[exc.message],
                data={"backup_id": backup_id, "code": exc.code})
        raise
    targets = [{"target": item.source["target"], "live": str(item.live)} for item in placed]
    if dry_run:
        discard(placed)
        return RestorePlan(dry_run=True, backup_id=backup_id, service=service, environment=env, verified=True,
                           would_replace=targets)
    try:
        _approved_restore(ws, loaded, backup_id, identity, wait_approval)
        asides, health = _swap_under_lease(ws, f"{service}/{env}", placed, backup_id,
                                           lambda: _health_after(spec_file, env))
    except BaseException:
        discard(placed)   # refused, locked or interrupted: nothing replaced, nothing left staged
        raise
    if health["healthy"]:
        remove_asides(asides)
    kept = [] if health["healthy"] else asides
    record_backup_event(ws, "backup.restored", service, env, "ok" if health["healthy"] else "unhealthy",
            data={"backup_id": backup_id, "restored": targets, "kept_aside": kept, "health": health})
    result = BackupRestored(backup_id=backup_id, service=service, environment=env, restored=targets,
                            health=health, kept_aside=kept)
    if health.get("checked") and not health["healthy"]:   # a release runs and fails its checks: exit 3
        raise HealthCheckFailedError(
            f"restored {backup_id}, but {service}/{env} is unhealthy: {health['reason']}",
            hint="the replaced files are kept aside: " + ", ".join(a["aside"] for a in kept) if kept
            else "nothing was replaced", details=result.to_json())
    return result


def _swap_under_lease(ws: Workspace, key: str, placed: list[Any], backup_id: str,
                      health_of: Callable[[], dict[str, Any]]) -> tuple[list[dict[str, str]], dict[str, Any]]:
    """Swap the files in and judge health while holding the service's lock: a deploy, rollback or down of the
    same service cannot start between the two (and a restore never lands in the middle of one: LockHeldError)."""
    from shipmate.backups.restoring import swap_in
    from shipmate.engine.lease import Lease
    from shipmate.ops.common.workspace import actor

    with ws.open_store() as store, Lease(store, key, actor()):
        asides = swap_in(placed, backup_id)
        return asides, health_of()


def _approved_restore(ws: Workspace, loaded: LoadedSpec, backup_id: str, identity: Identity | None,
                      wait: bool) -> None:
    """The approval gate for action "restore", matched on this backup's id (one yes never covers another)."""
    import dataclasses

    from shipmate.ops.common import releases
    from shipmate.ops.common.identity import cli_identity
    from shipmate.ops.gates import approval as approval_gate

    who = identity or cli_identity()
    if not approval_gate.policy_for(ws.spec_path, loaded.environment).needed(face=who.face, action="restore"):
        return
    config = dataclasses.replace(releases.config_from(loaded), version=f"backup {backup_id}", digest=backup_id)
    with ws.open_store() as store:
        approval_gate.require(ws, store, service=config.service, environment=config.environment, action="restore",
                              config=config, identity=who, wait=wait)


def _live_path(source: dict[str, Any], loaded: LoadedSpec) -> Path:
    """Where an archived part goes back to: its path under the project (checked again), or its volume."""
    from shipmate.errors import BackupCorruptError
    from shipmate.targets.docker_volumes import volume_mountpoint

    target = str(source["target"])
    if source["kind"] == "volume":
        return volume_mountpoint(target)
    live = loaded.base_dir / target
    project = loaded.base_dir.resolve()
    real = live.parent.resolve() / live.name
    if project != real and project not in real.parents:
        raise BackupCorruptError(f"the backup names {target}, outside the project folder", hint="not restored")
    return real


def _health_after(spec_file: str | None, env: str) -> dict[str, Any]:
    """The current release's health checks (ops.check); a few tries, for a service that reloads its data."""
    from shipmate.ops.checking import check

    reason, checked = "", False
    for attempt in range(HEALTH_ATTEMPTS):
        try:
            out = check(spec_file, environment=env)
            return {"healthy": True, "checked": True, "version": out.get("version"), "checks": out.get("checks", [])}
        except HealthCheckFailedError as exc:
            # levels in the details: a release ran its checks (known fixes may be there either way)
            reason, checked = exc.message, "levels" in exc.details
            if not checked or attempt == HEALTH_ATTEMPTS - 1:   # no release at all: no point in waiting
                break
            time.sleep(HEALTH_RETRY_S)
    return {"healthy": False, "checked": checked, "reason": reason}
