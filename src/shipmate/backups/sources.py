"""Turn the spec's `backup.paths` into real sources and the files under them (reads the disk, writes nothing).

A path that does not exist, or that leads out of the project folder through a symlink, is a spec error
naming its key (``backup.paths[1]``): caught before anything is written.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

from shipmate.backups.plan import BackupPlan, FileItem, Source, arcname_for
from shipmate.errors import SpecError
from shipmate.spec.backup_spec import BackupEntry

VolumeLookup = Callable[[str], Path]
LEFTOVER_MARKS = (".shipmate-replaced-", ".shipmate-restore-")   # a restore's own leftovers are never archived


def _leftover(name: str) -> bool:
    return any(mark in name for mark in LEFTOVER_MARKS)


def resolve_sources(entries: tuple[BackupEntry, ...], base_dir: Path, *, file: str | None = None,
                    volume_root: VolumeLookup | None = None) -> tuple[Source, ...]:
    project = base_dir.resolve()
    out: list[Source] = []
    for index, entry in enumerate(entries):
        key = f"backup.paths[{index}]"
        if entry.kind == "volume":
            from shipmate.targets.docker_volumes import volume_mountpoint

            try:
                root = (volume_root or volume_mountpoint)(entry.target)
            except SpecError as exc:
                raise SpecError(exc.message, path=key, file=file, hint=exc.hint) from None
            out.append(Source(index, "volume", entry.target, root, "dir"))
            continue
        written = base_dir / entry.target
        real = written.resolve()
        if real != project and project not in real.parents:
            raise SpecError(f"{entry.target} leads outside the project folder (to {real})", path=key, file=file,
                            hint="back up only what lives under the folder of shipmate.yaml")
        if not real.exists():
            raise SpecError(f"{entry.target} does not exist ({real})", path=key, file=file,
                            hint="fix the path (relative to the folder of shipmate.yaml) or remove the entry")
        if entry.kind == "sqlite" and not real.is_file():
            raise SpecError(f"{entry.target} is not a file", path=key, file=file,
                            hint="sqlite: names the database file, e.g. sqlite: data/app.db")
        out.append(Source(index, entry.kind, entry.target, real, "dir" if real.is_dir() else "file"))
    _no_overlap(out, file)
    return tuple(out)


def _no_overlap(sources: list[Source], file: str | None) -> None:
    """Two entries covering the same file would restore it twice, in an order nobody chose."""
    for a in sources:
        for b in sources:
            if a.index < b.index and (a.root == b.root or a.root in b.root.parents or b.root in a.root.parents):
                raise SpecError(f"{b.target} overlaps backup.paths[{a.index}] ({a.target})",
                                path=f"backup.paths[{b.index}]", file=file,
                                hint="list each file or folder once; a folder covers everything under it")


def scan(sources: tuple[Source, ...], *, skip_dirs: tuple[Path, ...] = ()) -> BackupPlan:
    """Every regular file under the sources, with its size now; symlinks and special files are listed as skipped."""
    items: list[FileItem] = []
    skipped: list[str] = []
    for source in sources:
        if source.shape == "file":
            items.append(FileItem(source.index, arcname_for(source, ""), source.root, source.root.stat().st_size))
            continue
        for folder, dirs, files in os.walk(source.root):
            here = Path(folder)
            dirs[:] = sorted(d for d in dirs if (here / d) not in skip_dirs and not (here / d).is_symlink()
                             and not _leftover(d))
            for name in sorted(files):
                if _leftover(name):
                    continue
                path = here / name
                info = path.lstat()
                relative = path.relative_to(source.root).as_posix()
                if stat.S_ISREG(info.st_mode):
                    items.append(FileItem(source.index, arcname_for(source, relative), path, info.st_size))
                else:
                    skipped.append(f"{source.index}/{relative}")
    return BackupPlan(sources, tuple(items), tuple(skipped))
