"""Prune the snapshots no kept release uses, and the objects no snapshot links to any more.

A snapshot in which an instance made files of its own (outside the links into the project) is kept and
reported instead: those files may be someone's data, and only a person removes them.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from shipmate.snapshots import snapshots_root
from shipmate.snapshots.objects import ObjectStore
from shipmate.snapshots.tree import created_files
from shipmate.snapshots.writer import is_sealed, seal_of

UNSEALED_GRACE_S = 3600.0   # an unsealed folder this young may be a snapshot another deploy is writing now


@dataclass
class Pruned:
    removed: list[str] = field(default_factory=list)
    kept_with_files: dict[str, list[str]] = field(default_factory=dict)   # snapshot -> files an instance made
    newly_reported: list[str] = field(default_factory=list)   # kept for that reason for the first time
    objects_removed: int = 0


def sealed_files(snapshot: Path) -> list[str]:
    """The files the snapshot held when it was sealed ([] when the seal is gone or unreadable)."""
    try:
        body = json.loads(seal_of(snapshot).read_text())
    except (OSError, ValueError):
        return []
    files = body.get("files") if isinstance(body, dict) else None
    return [str(f) for f in files] if isinstance(files, list) else []


def made_by_instances(snapshot: Path) -> list[str]:
    """Files an instance created inside ``snapshot`` outside its links (status reports them)."""
    return created_files(snapshot, sealed_files(snapshot)) if is_sealed(snapshot) else []


def prune_snapshots(home: Path, service: str, keep: set[Path]) -> Pruned:
    """Remove ``service``'s snapshots not in ``keep``; then the objects nothing links to."""
    root = snapshots_root(home)
    out = Pruned()
    folder = root / service
    if not folder.is_dir():
        return out
    kept = {p.resolve() for p in keep}
    for snapshot in sorted(p for p in folder.iterdir() if p.is_dir()):
        if snapshot.resolve() in kept:
            continue
        if not is_sealed(snapshot):
            if time.time() - snapshot.stat().st_mtime > UNSEALED_GRACE_S:
                _remove(snapshot)
            continue
        made = made_by_instances(snapshot)
        if made:
            out.kept_with_files[str(snapshot)] = made
            marker = snapshot.with_name(snapshot.name + ".kept")
            if not marker.exists():   # reported once (an audit event), then listed by every prune
                marker.write_text("\n".join(made) + "\n")
                out.newly_reported.append(str(snapshot))
            continue
        _remove(snapshot)
        out.removed.append(str(snapshot))
    if out.removed:   # objects lose their last link only when a snapshot goes
        out.objects_removed = ObjectStore(root / "objects").collect_garbage()
    return out


def _remove(snapshot: Path) -> None:
    # The seal goes first: a half-removed folder is then an unsealed one, never mistaken for a release.
    with contextlib.suppress(FileNotFoundError):
        seal_of(snapshot).unlink()
    with contextlib.suppress(FileNotFoundError):
        snapshot.with_name(snapshot.name + ".kept").unlink()
    shutil.rmtree(snapshot, ignore_errors=True)
