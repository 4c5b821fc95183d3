"""Taking a backup (backup create, and the gate before a deploy), listing and pruning the archives, and
auditing each: what the backup operations and the backup gate share."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from shipmate.errors import PrerequisiteMissingError, ShipmateError

if TYPE_CHECKING:
    from shipmate.backups.destination import Destination
    from shipmate.backups.taking import BackupJob
    from shipmate.ops.common.workspace import Workspace
    from shipmate.spec.backup_spec import BackupSpec
    from shipmate.spec.loader import LoadedSpec


def destination_of(ws: Workspace, loaded: LoadedSpec, bspec: BackupSpec) -> Destination:
    from shipmate.backups.destination import destination_for

    return destination_for(bspec.destination, loaded.base_dir, ws.home)


def _job(ws: Workspace, loaded: LoadedSpec, bspec: BackupSpec) -> BackupJob:
    from shipmate.backups.destination import FsspecDestination
    from shipmate.backups.sources import resolve_sources
    from shipmate.backups.taking import BackupJob

    sources = resolve_sources(bspec.paths, loaded.base_dir, file=str(loaded.path))
    dest = destination_of(ws, loaded, bspec)
    skip = (ws.home,) if isinstance(dest, FsspecDestination) else (ws.home, dest.root)
    return BackupJob(loaded.spec.service, loaded.environment, bspec.compression, sources, dest,
                     ws.home / "backups-staging", tuple(p.absolute().resolve() for p in skip))


def create_backup(ws: Workspace, loaded: LoadedSpec, bspec: BackupSpec, *, dry_run: bool,
                  reason: str) -> dict[str, Any]:
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
    pruned = prune_backups(job.destination, bspec, service, env, dry_run=False)
    record_backup_event(ws, "backup.created", service, env, "ok", data={
        "backup_id": result["backup_id"], "archive": result["archive"], "reason": reason,
        "destination": result["destination"], "pruned": pruned})
    return {**result, "reason": reason, "pruned": pruned}


def _notify_backup_failed(ws: Workspace, service: str, environment: str, error: ShipmateError, reason: str) -> None:
    """Audit it, and tell the people the spec's `notify:` names (a failed send is only a warning)."""
    from shipmate.ops.common.announcing import announce
    from shipmate.ops.common.conduct import conduct_of

    record_backup_event(ws, "backup.failed", service, environment, "error", errors=[error.message],
            data={"code": error.code, "reason": reason})
    conduct, _ = conduct_of(ws.spec_path, environment)
    announce(ws.home, conduct.notify, "backup.failed", {"service": service, "environment": environment,
                                                        "error": error.message, "reason": reason})


def record_backup_event(ws: Workspace, event_type: str, service: str, environment: str, status: str, *,
            data: dict[str, Any], errors: list[str] | None = None) -> None:
    """An audit event, when this home has a state store (a backup alone does not create one)."""
    from shipmate.ops.common.workspace import actor

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


def listed_backups(dest: Destination, service: str, env: str) -> list[dict[str, Any]]:
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


def prune_backups(dest: Destination, bspec: BackupSpec, service: str, env: str, *, dry_run: bool) -> list[str]:
    from shipmate.backups.plan import MANIFEST_SUFFIX
    from shipmate.backups.retention import Dated, decide

    found = listed_backups(dest, service, env)
    decision = decide([Dated(b["backup_id"], b["created_at"]) for b in found], keep=bspec.keep,
                      max_age_s=bspec.max_age, now=time.time())
    if not dry_run:
        for backup in found:
            if backup["backup_id"] in decision.remove:
                dest.remove(backup["name"] + MANIFEST_SUFFIX)
                dest.remove(backup["name"])
        dest.remove_stale_parts()
    return list(decision.remove)
