"""What the `backup` commands return: a plan or a taken backup, the listing, a prune, a restore (or its plan)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shipmate.ops.results.json_result import JsonResult


@dataclass(frozen=True)
class BackupPlan(JsonResult):
    """`backup create --dry-run`: what would be archived and an estimate of its size; nothing is written."""

    dry_run: bool
    service: str
    environment: str
    destination: str
    compression: str
    sources: list[dict[str, Any]]     # each source: its target, kind and what it holds
    files: int
    skipped: list[str]
    uncompressed_bytes: int
    estimated_compressed_bytes: int
    sample_bytes: int
    reason: str                        # "manual", or what took it (a deploy's backup gate)


@dataclass(frozen=True)
class BackupTaken(JsonResult):
    backup_id: str
    service: str
    environment: str
    destination: str
    archive: dict[str, Any]            # the archive's name, bytes and sha256
    files: int
    uncompressed_bytes: int
    skipped: list[str]
    sources: list[dict[str, Any]]
    duration_s: float
    reason: str
    pruned: list[str]                  # backup ids the retention removed right after


@dataclass(frozen=True)
class BackupEntry(JsonResult):
    """One backup at the destination; bytes, sha256, files are None when its manifest is missing."""

    backup_id: str
    name: str
    created_at: float
    bytes: int | None
    sha256: str | None
    files: int | None
    uncompressed_bytes: int | None
    manifest: bool


@dataclass(frozen=True)
class BackupsList(JsonResult):
    service: str
    environment: str
    destination: str
    backups: list[BackupEntry]         # newest first


@dataclass(frozen=True)
class BackupsPruned(JsonResult):
    service: str
    environment: str
    dry_run: bool
    removed: list[str]                 # backup ids removed (or that would be, on a dry run)
    keep: int
    max_age_s: float


@dataclass(frozen=True)
class RestorePlan(JsonResult):
    """`backup restore --dry-run`: every checksum verified, what would be replaced; nothing replaced."""

    dry_run: bool
    backup_id: str
    service: str
    environment: str
    verified: bool
    would_replace: list[dict[str, str]]   # each: target (as archived), live (the path it goes back to)


@dataclass(frozen=True)
class BackupRestored(JsonResult):
    backup_id: str
    service: str
    environment: str
    restored: list[dict[str, str]]     # each: target, live
    health: dict[str, Any]             # healthy, checked, and version + checks or the reason
    kept_aside: list[dict[str, str]]   # the replaced files, kept while the service is unhealthy
