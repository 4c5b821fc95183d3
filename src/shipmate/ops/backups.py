"""backup create / list / restore / prune, and the backup a deploy takes before it changes anything."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shipmate.errors import HealthCheckFailedError, NotFoundError, PrerequisiteMissingError, ShipmateError, SpecError
from shipmate.ops.workspace import Workspace

if TYPE_CHECKING:
    from shipmate.backups.destination import Destination
    from shipmate.backups.taking import BackupJob
    from shipmate.ops.identity import Identity
    from shipmate.spec.backup_spec import BackupSpec
    from shipmate.spec.loader import LoadedSpec

HEALTH_ATTEMPTS = 3          # after a restore: the service may need a moment to see its data again
HEALTH_RETRY_S = 1.0
LIST_HINT = "`shipmate backup list` shows the backups of this service and environment"


def _load(spec_file: str | None, environment: str | None) -> tuple[Workspace, LoadedSpec, BackupSpec]:
    from shipmate.spec.loader import load_spec

    ws = Workspace.locate(spec_file)
    loaded = load_spec(ws.spec_path, environment=environment, version_override="0")  # backups need no version
    if loaded.spec.backup is None:
        raise SpecError("no backup: section: nothing to back up", path="backup", file=str(loaded.path),
                        hint="add e.g. backup: {paths: [data/, {sqlite: app.db}]}")
    return ws, loaded, loaded.spec.backup


def _destination(ws: Workspace, loaded: LoadedSpec, bspec: BackupSpec) -> Destination:
    from shipmate.backups.destination import destination_for

    return destination_for(bspec.destination, loaded.base_dir, ws.home)


def _job(ws: Workspace, loaded: LoadedSpec, bspec: BackupSpec) -> BackupJob:
    from shipmate.backups.destination import FsspecDestination
    from shipmate.backups.sources import resolve_sources
    from shipmate.backups.taking import BackupJob

    sources = resolve_sources(bspec.paths, loaded.base_dir, file=str(loaded.path))
    dest = _destination(ws, loaded, bspec)
    skip = (ws.home,) if isinstance(dest, FsspecDestination) else (ws.home, dest.root)
    return BackupJob(loaded.spec.service, loaded.environment, bspec.compression, sources, dest,
                     ws.home / "backups-staging", tuple(p.absolute().resolve() for p in skip))


def backup_create(spec_file: str | None, *, environment: str | None = None, dry_run: bool = False) -> dict[str, Any]:
    ws, loaded, bspec = _load(spec_file, environment)
    return _create(ws, loaded, bspec, dry_run=dry_run, reason="manual")


def _create(ws: Workspace, loaded: LoadedSpec, bspec: BackupSpec, *, dry_run: bool, reason: str) -> dict[str, Any]:
    from shipmate.backups.plan import new_backup_id
    from shipmate.backups.taking import dry_run as plan_only
    from shipmate.backups.taking import take

    service, env = loaded.spec.service, loaded.environment
    try:
        job = _job(ws, loaded, bspec)
        if dry_run:
            return {**plan_only(job), "reason": reason}
        result = take(job, new_backup_id(datetime.now(UTC), uuid.uuid4().hex))
    except ShipmateError as exc:
        if not dry_run:
            _notify_backup_failed(ws, service, env, exc, reason)
        raise
    except OSError as exc:
        failed = PrerequisiteMissingError(f"backup of {service}/{env} failed: {exc}",
                                          hint="check the paths and the destination (space, permissions)")
        _notify_backup_failed(ws, service, env, failed, reason)
        raise failed from exc
    pruned = _prune(job.destination, bspec, service, env, dry_run=False)
    _record(ws, "backup.created", service, env, "ok", data={
        "backup_id": result["backup_id"], "archive": result["archive"], "reason": reason,
        "destination": result["destination"], "pruned": pruned})
    return {**result, "reason": reason, "pruned": pruned}


def before_deploy(ws: Workspace, loaded: LoadedSpec, *, dry_run: bool = False) -> dict[str, Any] | None:
    """The backup a deploy takes before it changes anything (when the environment asks for one).

    Explicit ``backup_before_deploy``, else true on protected environments. A failure raises: the deploy stops
    with nothing changed. Dry run: what it would archive.
    """
    overlay = loaded.spec.environments.get(loaded.environment)
    explicit = overlay.backup_before_deploy if overlay is not None else None
    wanted = explicit if explicit is not None else bool(overlay is not None and overlay.protected)
    if not wanted:
        return None
    if loaded.spec.backup is None:
        if explicit:
            raise SpecError("is true, but there is no backup: section", file=str(loaded.path),
                            path=f"environments.{loaded.environment}.backup_before_deploy",
                            hint="add backup: {paths: [...]} or set backup_before_deploy: false")
        return None
    return _create(ws, loaded, loaded.spec.backup, dry_run=dry_run, reason="before_deploy")


def _notify_backup_failed(ws: Workspace, service: str, environment: str, error: ShipmateError, reason: str) -> None:
    """Audit it, and tell the people the spec's `notify:` names (a failed send is only a warning)."""
    from shipmate.ops.announcing import announce
    from shipmate.ops.hooks_running import conduct_of

    _record(ws, "backup.failed", service, environment, "error", errors=[error.message],
            data={"code": error.code, "reason": reason})
    conduct, _ = conduct_of(ws.spec_path, environment)
    announce(ws.home, conduct.notify, "backup.failed", {"service": service, "environment": environment,
                                                        "error": error.message, "reason": reason})


def _record(ws: Workspace, event_type: str, service: str, environment: str, status: str, *,
            data: dict[str, Any], errors: list[str] | None = None) -> None:
    """An audit event, when this home has a state store (a backup alone does not create one)."""
    from shipmate.ops.workspace import actor

    existing = ws.open_store_readonly()
    if existing is None:
        return
    existing.close()
    store = ws.open_store()
    try:
        store.append_event(event_type=event_type, service=service, environment=environment, version=None,
                           status=status, errors=errors or [], notes=str(data.get("backup_id", "")),
                           deployed_by=actor(), data=data)
    finally:
        store.close()


def _backups(dest: Destination, service: str, env: str) -> list[dict[str, Any]]:
    import json

    from shipmate.backups.plan import MANIFEST_SUFFIX, created_at_of, parse_archive_name

    out = []
    for name in dest.names():
        parsed = parse_archive_name(name)
        if parsed is None or parsed["service"] != service or parsed["environment"] != env:
            continue
        raw = dest.read_small(name + MANIFEST_SUFFIX)
        manifest = json.loads(raw) if raw else {}
        archive = manifest.get("archive", {})
        out.append({"backup_id": parsed["id"], "name": name,
                    "created_at": manifest.get("created_at", created_at_of(parsed["id"])),
                    "bytes": archive.get("bytes"), "sha256": archive.get("sha256"),
                    "files": len(manifest["files"]) if "files" in manifest else None,
                    "uncompressed_bytes": sum(f["size"] for f in manifest.get("files", [])) if manifest else None,
                    "manifest": bool(manifest)})
    return sorted(out, key=lambda b: (b["created_at"], b["backup_id"]), reverse=True)


def backup_list(spec_file: str | None, *, environment: str | None = None) -> dict[str, Any]:
    ws, loaded, bspec = _load(spec_file, environment)
    dest = _destination(ws, loaded, bspec)
    return {"service": loaded.spec.service, "environment": loaded.environment, "destination": dest.describe(),
            "backups": _backups(dest, loaded.spec.service, loaded.environment)}


def _prune(dest: Destination, bspec: BackupSpec, service: str, env: str, *, dry_run: bool) -> list[str]:
    from shipmate.backups.plan import MANIFEST_SUFFIX
    from shipmate.backups.retention import Dated, decide

    found = _backups(dest, service, env)
    decision = decide([Dated(b["backup_id"], b["created_at"]) for b in found], keep=bspec.keep,
                      max_age_s=bspec.max_age, now=time.time())
    if not dry_run:
        for backup in found:
            if backup["backup_id"] in decision.remove:
                dest.remove(backup["name"] + MANIFEST_SUFFIX)
                dest.remove(backup["name"])
        dest.remove_stale_parts()
    return list(decision.remove)


def backup_prune(spec_file: str | None, *, environment: str | None = None, dry_run: bool = False) -> dict[str, Any]:
    ws, loaded, bspec = _load(spec_file, environment)
    dest = _destination(ws, loaded, bspec)
    removed = _prune(dest, bspec, loaded.spec.service, loaded.environment, dry_run=dry_run)
    if not dry_run and removed:
        _record(ws, "backup.pruned", loaded.spec.service, loaded.environment, "ok", data={"removed": removed})
    return {"service": loaded.spec.service, "environment": loaded.environment, "dry_run": dry_run,
            "removed": removed, "keep": bspec.keep, "max_age_s": bspec.max_age}


def backup_restore(spec_file: str | None, backup_id: str, *, environment: str | None = None,
                   dry_run: bool = False, identity: Identity | None = None,
                   wait_approval: bool = True) -> dict[str, Any]:
    """Verify every checksum, then replace; the replaced files stay aside until the service checks healthy.

    On an environment whose `approval:` gates restores (protected ones do), a person's approval of exactly this
    backup comes first."""
    from shipmate.backups.restoring import discard, remove_asides, verify_and_stage
    from shipmate.errors import BackupCorruptError

    ws, loaded, bspec = _load(spec_file, environment)
    service, env = loaded.spec.service, loaded.environment
    dest = _destination(ws, loaded, bspec)
    found = next((b for b in _backups(dest, service, env) if b["backup_id"] == backup_id), None)
    if found is None:
        raise NotFoundError(f"no backup {backup_id} of {service}/{env} in {dest.describe()}", hint=LIST_HINT)

    def live_of(source: dict[str, Any]) -> Path:
        return _live_path(source, loaded)

    try:
        placed = verify_and_stage(dest, found["name"], live_of, backup_id, stage=not dry_run)
    except BackupCorruptError as exc:
        _record(ws, "backup.restore_refused", service, env, "error", errors=[exc.message],
                data={"backup_id": backup_id, "code": exc.code})
        raise
    targets = [{"target": item.source["target"], "live": str(item.live)} for item in placed]
    if dry_run:
        discard(placed)
        return {"dry_run": True, "backup_id": backup_id, "service": service, "environment": env,
                "verified": True, "would_replace": targets}
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
    _record(ws, "backup.restored", service, env, "ok" if health["healthy"] else "unhealthy",
            data={"backup_id": backup_id, "restored": targets, "kept_aside": kept, "health": health})
    result = {"backup_id": backup_id, "service": service, "environment": env, "restored": targets,
              "health": health, "kept_aside": kept}
    if health.get("checked") and not health["healthy"]:   # a release runs and fails its checks: exit 3
        raise HealthCheckFailedError(
            f"restored {backup_id}, but {service}/{env} is unhealthy: {health['reason']}",
            hint="the replaced files are kept aside: " + ", ".join(a["aside"] for a in kept) if kept
            else "nothing was replaced", details=result)
    return result


def _swap_under_lease(ws: Workspace, key: str, placed: list[Any], backup_id: str,
                      health_of: Callable[[], dict[str, Any]]) -> tuple[list[dict[str, str]], dict[str, Any]]:
    """Swap the files in and judge health while holding the service's lock: a deploy, rollback or down of the
    same service cannot start between the two (and a restore never lands in the middle of one: LockHeldError)."""
    from shipmate.backups.restoring import swap_in
    from shipmate.engine.lease import Lease
    from shipmate.ops.workspace import actor

    with ws.open_store() as store, Lease(store, key, actor()):
        asides = swap_in(placed, backup_id)
        return asides, health_of()


def _approved_restore(ws: Workspace, loaded: LoadedSpec, backup_id: str, identity: Identity | None,
                      wait: bool) -> None:
    """The approval gate for action "restore", matched on this backup's id (one yes never covers another)."""
    import dataclasses

    from shipmate.ops import approval_gate, releases
    from shipmate.ops.identity import cli_identity

    who = identity or cli_identity()
    if not approval_gate.policy_for(ws.spec_path, loaded.environment).needed(face=who.face, action="restore"):
        return
    config = dataclasses.replace(releases.config_from(loaded), version=f"backup {backup_id}", digest=backup_id)
    with ws.open_store() as store:
        approval_gate.require(ws, store, service=config.service, environment=config.environment, action="restore",
                              config=config, identity=who, wait=wait)


def _live_path(source: dict[str, Any], loaded: LoadedSpec) -> Path:
    """Where an archived part goes back to: its path under the project (checked again), or its volume."""
    from shipmate.backups.volumes import volume_mountpoint
    from shipmate.errors import BackupCorruptError

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
    from shipmate.ops.reading import check

    reason, checked = "", False
    for attempt in range(HEALTH_ATTEMPTS):
        try:
            out = check(spec_file, environment=env)
            return {"healthy": True, "checked": True, "version": out.get("version"), "checks": out.get("checks", [])}
        except HealthCheckFailedError as exc:
            reason, checked = exc.message, bool(exc.details)
            if not checked or attempt == HEALTH_ATTEMPTS - 1:   # no release at all: no point in waiting
                break
            time.sleep(HEALTH_RETRY_S)
    return {"healthy": False, "checked": checked, "reason": reason}
