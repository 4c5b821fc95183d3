"""Take one backup (SQLite copies first, then one streamed archive), or say what one would hold (dry run)."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

from shipmate.backups.archive import HashingWriter, compress_bytes, write_archive
from shipmate.backups.destination import PART_MARK, Destination
from shipmate.backups.plan import MANIFEST_SUFFIX, BackupPlan, Source, archive_name
from shipmate.backups.sources import scan
from shipmate.backups.sqlite_copy import copy_database

FORMAT = 1
SAMPLE_PER_FILE = 256 * 1024
SAMPLE_TOTAL = 4 * 1024 * 1024


@dataclass(frozen=True)
class BackupJob:
    service: str
    environment: str
    compression: str
    sources: tuple[Source, ...]
    destination: Destination
    staging: Path                 # a private folder in the state home for SQLite copies and remote uploads
    skip_dirs: tuple[Path, ...]   # the state home and the destination, when a backed-up folder holds them


def dry_run(job: BackupJob) -> dict[str, Any]:
    """What would be archived, its size, a compressed size estimated from a sample: nothing is written."""
    plan = scan(job.sources, skip_dirs=job.skip_dirs)
    sample = bytearray()
    for item in plan.items:
        if len(sample) >= SAMPLE_TOTAL:
            break
        with item.path.open("rb") as handle:
            sample += handle.read(min(SAMPLE_PER_FILE, SAMPLE_TOTAL - len(sample)))
    ratio = compress_bytes(job.compression, bytes(sample)) / len(sample) if sample else 1.0
    return {"dry_run": True, "service": job.service, "environment": job.environment,
            "destination": job.destination.describe(), "compression": job.compression,
            "sources": plan.listing(), "files": len(plan.items), "skipped": list(plan.skipped),
            "uncompressed_bytes": plan.total_bytes, "estimated_compressed_bytes": round(plan.total_bytes * ratio),
            "sample_bytes": len(sample)}


def take(job: BackupJob, backup_id: str) -> dict[str, Any]:
    """Write the archive under a temp name, fsync, rename; then its manifest beside it. Returns the summary."""
    started = time.monotonic()
    final = archive_name(job.service, job.environment, backup_id, job.compression)
    _clear_stale(job.staging)
    work = job.staging / f"{backup_id}{PART_MARK}{os.getpid()}"
    work.mkdir(parents=True, exist_ok=True)
    try:
        plan = scan(_with_sqlite_copies(job.sources, work), skip_dirs=job.skip_dirs)
        header = {"format": FORMAT, "backup_id": backup_id, "service": job.service,
                  "environment": job.environment, "created_at": time.time(), "compression": job.compression}
        sources = [{"index": s.index, "kind": s.kind, "target": s.target, "shape": s.shape} for s in job.sources]
        with job.destination.writing(final, job.staging) as raw:
            counted = HashingWriter(raw)
            manifest = write_archive(counted, job.compression, sources, list(plan.items), header)  # type: ignore[arg-type]
        archive = {"name": final, "bytes": counted.size, "sha256": counted.sha.hexdigest()}
        beside = {**manifest, "archive": archive}
        job.destination.write_small(final + MANIFEST_SUFFIX, json.dumps(beside, indent=1, sort_keys=True).encode())
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {"backup_id": backup_id, "service": job.service, "environment": job.environment,
            "destination": job.destination.describe(), "archive": archive, "files": len(plan.items),
            "uncompressed_bytes": plan.total_bytes, "skipped": list(plan.skipped),
            "sources": _listing(plan), "duration_s": round(time.monotonic() - started, 3)}


def _clear_stale(staging: Path) -> None:
    """What a killed backup left in the staging folder (its pid is in the name) goes now."""
    if not staging.is_dir():
        return
    for entry in staging.iterdir():
        pid = entry.name.rsplit(PART_MARK, 1)[-1].split("-", 1)[0]
        if PART_MARK not in entry.name or not pid.isdigit() or psutil.pid_exists(int(pid)):
            continue
        if entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)


def _listing(plan: BackupPlan) -> list[dict[str, Any]]:
    return [{key: value for key, value in row.items() if key != "root"} for row in plan.listing()]


def _with_sqlite_copies(sources: tuple[Source, ...], work: Path) -> tuple[Source, ...]:
    """Each SQLite source replaced by its consistent, integrity-checked copy under ``work``."""
    out = []
    for source in sources:
        if source.kind == "sqlite":
            copy = work / str(source.index) / source.root.name
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy_database(source.root, copy)
            source = dataclasses.replace(source, root=copy)
        out.append(source)
    return tuple(out)
