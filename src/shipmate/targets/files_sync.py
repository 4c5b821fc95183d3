"""Bring a destination folder to a wanted set of files without ever touching a file that is not ours.

plan_sync() only reads; apply_sync() writes. Ours = in the manifest with the bytes we wrote. A file of ours the
user edited is left alone and our version goes beside it as NAME.new; a same-named file of the user's likewise.
Before anything is written, an intent manifest records the old and new hash of each file, so a sync killed at
any point still knows both as ours; the final manifest follows the last write.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from shipmate.durable import fsync_dir
from shipmate.targets.files_frontmatter import renamed_keys, uses_keys
from shipmate.targets.files_manifest import Manifest, Owned, write_atomic, write_manifest

NEW_SUFFIX = ".new"
WRITES = frozenset({"deploy", "update", "migrate", "conflict"})


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class FileAction:
    name: str
    action: str                  # deploy | update | migrate | skip | preserve | conflict | remove | drop
    data: bytes | None = None    # what is written (at name, or at NAME.new for a conflict)
    before: bytes | None = None  # what is there now (for --dry-run's diff)

    @property
    def path_name(self) -> str:
        return self.name + NEW_SUFFIX if self.action == "conflict" else self.name


@dataclass(frozen=True)
class SyncPlan:
    actions: tuple[FileAction, ...]
    manifest: Manifest                      # the manifest once applied
    intent: Manifest                        # the manifest written before the first change
    changes: bool = field(default=False)    # False: nothing to write at all

    def names(self, *actions: str) -> list[str]:
        return sorted(a.name for a in self.actions if a.action in actions)


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes() if not path.is_symlink() else None
    except (FileNotFoundError, NotADirectoryError):
        return None
    except IsADirectoryError:
        return b""   # a folder where a file belongs: occupied, and not ours


def _occupied(path: Path) -> bool:
    return path.exists() or path.is_symlink()


def plan_sync(dest: Path, wanted: dict[str, bytes], old: Manifest, *, release: str, set_key: str,
              migrate: dict[str, str]) -> SyncPlan:
    actions: list[FileAction] = []
    files: dict[str, Owned] = {}
    conflicts: dict[str, Owned] = {}
    for name in sorted(wanted):
        data, path = wanted[name], dest / name
        new_sha, mine = sha256(data), old.files.get(name)
        disk = _read(path) if _occupied(path) else None
        if disk is None and not _occupied(path):
            actions.append(FileAction(name, "deploy", data))
            files[name] = Owned(new_sha, release)
            continue
        disk_sha = sha256(disk) if disk is not None else ""
        if disk_sha == new_sha:          # already what we want (ours, or the user made it so): adopt, no write
            actions.append(FileAction(name, "skip"))
            files[name] = mine if mine is not None and mine.sha256 == new_sha else Owned(new_sha, release)
            continue
        if mine is not None and mine.holds(disk_sha):
            older = disk is not None and uses_keys(disk, migrate) and not uses_keys(data, migrate)
            actions.append(FileAction(name, "migrate" if older else "update", data, disk))
            files[name] = Owned(new_sha, release)
            continue
        if mine is None and disk is not None and migrate and renamed_keys(disk, migrate) == data:
            actions.append(FileAction(name, "migrate", data, disk))   # ours, written before there was a manifest
            files[name] = Owned(new_sha, release)
            continue
        if mine is not None:
            files[name] = mine            # still ours, as we wrote it; the user's edit stays
        _conflict(dest, name, data, old, release, actions, conflicts)
    for name in sorted(set(old.files) - set(wanted)):
        disk = _read(dest / name)
        if disk is None:
            actions.append(FileAction(name, "drop"))            # already gone: only the manifest forgets it
        elif old.files[name].holds(sha256(disk)):
            actions.append(FileAction(name, "remove", before=disk))
        else:
            actions.append(FileAction(name, "preserve"))        # edited by the user: theirs from now on
    for name in sorted(set(old.conflicts) - set(conflicts)):
        disk = _read(dest / (name + NEW_SUFFIX))
        if disk is not None and old.conflicts[name].holds(sha256(disk)):
            actions.append(FileAction(name + NEW_SUFFIX, "remove", before=disk))
    final = Manifest(str(dest), release, set_key, files, conflicts)
    intent = Manifest(str(dest), old.release, old.set_key, _merged(old.files, files), _merged(old.conflicts, conflicts))
    changes = any(a.action in WRITES or a.action in ("remove", "drop") for a in actions) or \
        final.to_json() != old.to_json()
    return SyncPlan(tuple(actions), final, intent, changes)


def _conflict(dest: Path, name: str, data: bytes, old: Manifest, release: str,
              actions: list[FileAction], conflicts: dict[str, Owned]) -> None:
    """Ours edited by the user, or the user's own file by our name: theirs stays, ours goes to NAME.new."""
    beside = dest / (name + NEW_SUFFIX)
    there = _read(beside) if _occupied(beside) else None
    ours_before = old.conflicts.get(name)
    new_sha = sha256(data)
    if there is not None and sha256(there) != new_sha and (ours_before is None or
                                                             not ours_before.holds(sha256(there))):
        actions.append(FileAction(name, "preserve"))   # NAME.new is the user's too: leave both alone
        return
    actions.append(FileAction(name, "conflict", None if there is not None and sha256(there) == new_sha else data,
                              there))
    conflicts[name] = Owned(new_sha, release)


def _merged(before: dict[str, Owned], after: dict[str, Owned]) -> dict[str, Owned]:
    """Every name either manifest calls ours, knowing both its old and new bytes (the intent of a sync)."""
    out = dict(before)
    for name, row in after.items():
        old = before.get(name)
        out[name] = replace(row, previous=old.sha256 if old is not None and old.sha256 != row.sha256 else None)
    return out


def apply_sync(dest: Path, plan: SyncPlan, manifest_file: Path,
               checkpoint: Callable[[str], None] = lambda name: None) -> None:
    """Intent manifest, then each write (atomic) or removal, then the final manifest. ``checkpoint`` is called
    with "files:intent" and "files:half" (half the writes done): the engine's named crash points."""
    if not plan.changes:
        return
    write_manifest(manifest_file, plan.intent)
    checkpoint("files:intent")
    dest.mkdir(parents=True, exist_ok=True)
    touched: set[Path] = set()
    for index, act in enumerate(plan.actions):
        if index == len(plan.actions) // 2:
            checkpoint("files:half")
        if act.action in WRITES and act.data is not None:
            write_atomic(dest / act.path_name, act.data, sync_folder=False)
            touched.add((dest / act.path_name).parent)
        elif act.action == "remove":
            with contextlib.suppress(FileNotFoundError):
                os.unlink(dest / act.name)
            _prune_empty(dest, (dest / act.name).parent)
            touched.add(dest)
    for folder in sorted(touched):      # the renames are durable before the manifest says they happened
        if folder.is_dir():
            fsync_dir(folder)
    write_manifest(manifest_file, plan.manifest)


def _prune_empty(dest: Path, folder: Path) -> None:
    """Folders our removals emptied go too, never the destination itself."""
    while folder != dest and dest in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent
