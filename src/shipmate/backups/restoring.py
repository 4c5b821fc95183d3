"""Restore one archive: extract every part next to where it goes, verify every sha256, and only then swap.

The replaced files stay aside (``<path>.shipmate-replaced-<id>``) until the caller knows the service is
healthy again. SQLite databases are written back through SQLite itself, so the running app sees them.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

from shipmate.backups.archive import read_archive
from shipmate.backups.destination import Destination
from shipmate.backups.plan import MANIFEST_SUFFIX, parse_archive_name
from shipmate.backups.sqlite_copy import restore_database
from shipmate.errors import BackupCorruptError

RESTORE_MARK = ".shipmate-restore-"
REPLACED_MARK = ".shipmate-replaced-"
LiveOf = Callable[[dict[str, Any]], Path]


@dataclass(frozen=True)
class Placed:
    source: dict[str, Any]
    live: Path
    staged: Path


class _HashingStream:
    """The raw archive bytes as tarfile reads them, hashed on the way (checked against the beside manifest)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw, self.sha, self.size = raw, hashlib.sha256(), 0

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.sha.update(data)
        self.size += len(data)
        return data

    def drain(self) -> None:
        while self.read(1 << 20):
            pass


def staged_path(live: Path, backup_id: str) -> Path:
    return live.parent / f".{live.name}{RESTORE_MARK}{backup_id}"


def aside_path(live: Path, backup_id: str) -> Path:
    aside = live.parent / f"{live.name}{REPLACED_MARK}{backup_id}"
    return aside if not aside.exists() else aside.with_name(f"{aside.name}-{int(time.time())}")


def verify_and_stage(dest: Destination, name: str, live_of: LiveOf, backup_id: str, *,
                     stage: bool = True) -> list[Placed]:
    """Every file extracted to its staging place (``stage=False``: only hashed) and checked; BackupCorruptError
    (staging removed) otherwise."""
    parsed = parse_archive_name(name)
    compression = "zstd" if parsed and parsed["ext"] == "tar.zst" else "gzip"
    placed: dict[str, Placed] = {}

    def place(sources: dict[str, Any], arcname: str) -> Path | None:
        index, _, relative = arcname.partition("/")
        source = next((s for s in sources["sources"] if str(s["index"]) == index), None)
        rel = PurePosixPath(relative)
        if source is None or not relative or rel.is_absolute() or ".." in rel.parts:
            raise BackupCorruptError(f"{name} holds an unexpected member {arcname!r}", hint="not a shipmate backup")
        if index not in placed:
            live = live_of(source)
            placed[index] = Placed(source, live, staged_path(live, backup_id))
        staged = placed[index].staged
        if not stage:
            return None
        return staged / relative if source["shape"] == "dir" else staged

    beside = dest.read_small(name + MANIFEST_SUFFIX)
    try:
        with dest.reading(name) as raw:
            stream = _HashingStream(raw)
            extracted = read_archive(stream, compression, place, name)  # type: ignore[arg-type]
            stream.drain()
        if beside is not None:
            want = json.loads(beside).get("archive", {}).get("sha256")
            if want and want != stream.sha.hexdigest():
                raise BackupCorruptError(f"{name} does not match the sha256 in its manifest",
                                         hint="nothing was replaced; restore another backup (`shipmate backup list`)")
        for source in extracted.sources["sources"]:   # a folder saved empty is restored empty
            if str(source["index"]) not in placed and source["shape"] == "dir":
                live = live_of(source)
                placed[str(source["index"])] = Placed(source, live, staged_path(live, backup_id))
                if stage:
                    staged_path(live, backup_id).mkdir(parents=True, exist_ok=True)
    except BaseException:
        for item in placed.values():
            _remove(item.staged)
        raise
    return list(placed.values())


def swap_in(placed: list[Placed], backup_id: str) -> list[dict[str, str]]:
    """Put every staged part in place; the replaced ones are moved (or, for SQLite, copied) aside."""
    asides: list[dict[str, str]] = []
    for item in placed:
        live, staged = item.live, item.staged
        aside = aside_path(live, backup_id)
        had = live.exists()
        if item.source["kind"] == "sqlite":
            if had:
                _copy_database_files(live, aside)
            restore_database(staged, live)
            _remove(staged)
        elif item.source["kind"] == "volume":   # the mount point stays (containers hold it): swap its contents
            _swap_children(live, staged, aside)
            _remove(staged)
        elif item.source["shape"] == "dir":
            if had:
                os.replace(live, aside)
            os.replace(staged, live)
        else:
            if had:
                try:
                    os.link(live, aside)
                except OSError:
                    shutil.copy2(live, aside)
            live.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged, live)
        if had:
            asides.append({"target": str(item.source["target"]), "live": str(live), "aside": str(aside)})
    return asides


def _swap_children(live: Path, staged: Path, aside: Path) -> None:
    aside.mkdir()
    for child in list(live.iterdir()):
        os.replace(child, aside / child.name)
    for child in list(staged.iterdir()):
        os.replace(child, live / child.name)


def _copy_database_files(live: Path, aside: Path) -> None:
    """The database as it is now, through SQLite when it can be read, else its files as they are."""
    import sqlite3

    try:
        with contextlib.closing(sqlite3.connect(live, timeout=30)) as src, \
                contextlib.closing(sqlite3.connect(aside)) as dst:
            src.backup(dst, pages=-1)
    except sqlite3.Error:
        aside.unlink(missing_ok=True)
        shutil.copy2(live, aside)


def discard(placed: list[Placed]) -> None:
    for item in placed:
        _remove(item.staged)


def remove_asides(asides: list[dict[str, str]]) -> None:
    for aside in asides:
        _remove(Path(aside["aside"]))


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
