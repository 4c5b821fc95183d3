"""What a backup holds, as data: its sources, its files with sizes, its names. No I/O here."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

EXTENSIONS = {"zstd": "tar.zst", "gzip": "tar.gz"}
ID_PATTERN = r"bk-[0-9]{8}-[0-9]{6}-[0-9a-f]{6}"
_NAME_RE = re.compile(r"^(?P<service>[a-z0-9-]+)\.(?P<environment>[a-z0-9-]+)\.(?P<id>" + ID_PATTERN +
                      r")\.(?P<ext>tar\.zst|tar\.gz)$")
MANIFEST_SUFFIX = ".manifest.json"
SOURCES_MEMBER = "sources.json"     # the first member: where each part goes back to
MANIFEST_MEMBER = "manifest.json"   # the last member: sha256 and size of every file


@dataclass(frozen=True)
class Source:
    """One `backup.paths` entry resolved: ``kind`` path|sqlite|volume; ``shape`` file|dir."""

    index: int
    kind: str
    target: str          # as written in the spec (a project-relative path, or a volume name)
    root: Path           # the real file or folder read (a volume's mount point)
    shape: str

    def as_dict(self) -> dict[str, Any]:
        return {"index": self.index, "kind": self.kind, "target": self.target, "shape": self.shape,
                "root": str(self.root)}


@dataclass(frozen=True)
class FileItem:
    """One regular file to archive, under ``arcname`` = ``<source index>/<path inside the source>``."""

    source: int
    arcname: str
    path: Path
    size: int


@dataclass(frozen=True)
class BackupPlan:
    sources: tuple[Source, ...]
    items: tuple[FileItem, ...]
    skipped: tuple[str, ...] = field(default=())   # symlinks, sockets...: named, never followed

    @property
    def total_bytes(self) -> int:
        return sum(item.size for item in self.items)

    def listing(self) -> list[dict[str, Any]]:
        """Per source: what it is, how many files, how many bytes (the dry-run's table)."""
        out = []
        for source in self.sources:
            mine = [item for item in self.items if item.source == source.index]
            out.append({**source.as_dict(), "files": len(mine), "bytes": sum(item.size for item in mine)})
        return out


def arcname_for(source: Source, relative: str) -> str:
    return f"{source.index}/{relative}" if relative else f"{source.index}/{source.root.name}"


def new_backup_id(now: datetime, token: str) -> str:
    return f"bk-{now.astimezone(UTC).strftime('%Y%m%d-%H%M%S')}-{token[:6]}"


def created_at_of(backup_id: str) -> float:
    """The UTC time written in a backup id (seconds since the epoch)."""
    stamp = datetime.strptime(backup_id[3:18], "%Y%m%d-%H%M%S").replace(tzinfo=UTC)
    return stamp.timestamp()


def archive_name(service: str, environment: str, backup_id: str, compression: str) -> str:
    return f"{service}.{environment}.{backup_id}.{EXTENSIONS[compression]}"


def parse_archive_name(name: str) -> dict[str, str] | None:
    """service, environment, id and ext of an archive's file name; None for anything else (temp files too)."""
    match = _NAME_RE.match(name)
    return match.groupdict() if match else None


def is_backup_id(text: str) -> bool:
    return re.fullmatch(ID_PATTERN, text) is not None
