"""The inbox folder beside the spec, Maildir style: writers never write into incoming/ directly.

    inbox/tmp/        a writer's half-written files (inbox_submit writes here), never read
    inbox/incoming/   complete tasks, renamed in from tmp/ (same filesystem, so the rename is atomic)
    inbox/active/     claimed: renamed here by the one process that works on it
    inbox/completed/  <name>.json + <name>.SUMMARY.md + <name>.result.json
    inbox/failed/     the same, for a task whose deployment or verification failed
    inbox/rejected/   <name>.json + <name>.error.json (every problem with its JSON pointer)

Only `*.json` names count; dotfiles and temp names (.tmp, .part, ~, .swp) are a writer's business.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FOLDERS = ("incoming", "active", "completed", "failed", "rejected")
FINISHED = ("completed", "failed", "rejected")
TEMP_SUFFIXES = (".tmp", ".part", ".partial", ".swp", "~")


def inbox_of(spec_path: Path) -> Path:
    return spec_path.parent / "inbox"


def is_task_name(name: str) -> bool:
    return name.endswith(".json") and not name.startswith(".") and not name.endswith(TEMP_SUFFIXES) \
        and not name.endswith((".result.json", ".error.json"))


@dataclass(frozen=True)
class InboxFolder:
    root: Path

    def path(self, folder: str) -> Path:
        return self.root / folder

    def ensure(self) -> None:
        for folder in ("tmp", *FOLDERS):
            self.path(folder).mkdir(parents=True, exist_ok=True)

    def tasks(self, folder: str) -> list[Path]:
        """Task files in ``folder``, oldest first (a writer's order), ignoring temp names and subfolders."""
        try:
            entries = list(os.scandir(self.path(folder)))
        except FileNotFoundError:
            return []
        found: list[tuple[float, str, Path]] = []
        for entry in entries:
            if not is_task_name(entry.name):
                continue
            try:
                if entry.is_file(follow_symlinks=False):
                    found.append((entry.stat(follow_symlinks=False).st_mtime, entry.name, Path(entry.path)))
            except FileNotFoundError:
                continue   # claimed by another process meanwhile
        return [path for _, _, path in sorted(found)]

    def claim(self, task: Path) -> Path | None:
        """incoming/x.json -> active/x.json by one atomic rename; None when another process took it first.

        A name already active (the same name dropped again) gets a unique suffix, so nothing is overwritten.
        """
        dest = self.path("active") / task.name
        if dest.exists():
            dest = dest.with_name(f"{task.stem}.{uuid.uuid4().hex[:8]}.json")
        try:
            os.rename(task, dest)
        except FileNotFoundError:
            return None
        return dest

    def finish(self, task: Path, folder: str, files: dict[str, str]) -> Path:
        """Move an active task into ``folder`` with its companion files (suffix -> text); returns its new path.

        The companions are written first under a name reserved with an exclusive link, then the task is
        renamed in: a reader that sees the task file also sees its result.
        """
        target_dir = self.path(folder)
        target_dir.mkdir(parents=True, exist_ok=True)
        stem = task.stem
        for attempt in range(1000):
            name = stem if attempt == 0 else f"{stem}-{attempt + 1}"
            first_suffix, *rest = list(files)
            if _exclusive_write(target_dir / f"{name}{first_suffix}", files[first_suffix]):
                break
        else:  # pragma: no cover - a thousand finished tasks of one name
            name = f"{stem}-{uuid.uuid4().hex[:8]}"
            _exclusive_write(target_dir / f"{name}{first_suffix}", files[first_suffix])
        for suffix in rest:
            _atomic_write(target_dir / f"{name}{suffix}", files[suffix])
        dest = target_dir / f"{name}.json"
        os.rename(task, dest)
        return dest

    def submit(self, name: str, text: str) -> Path:
        """What a writer should do: write in tmp/, then rename into incoming/ (never a half-written task)."""
        self.ensure()
        dest = self.path("incoming") / name
        if dest.exists():
            dest = dest.with_name(f"{Path(name).stem}.{uuid.uuid4().hex[:8]}.json")
        tmp = self.path("tmp") / f".{name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
        _write_synced(tmp, text)
        os.rename(tmp, dest)
        return dest

    def counts(self) -> dict[str, int]:
        return {folder: len(self.tasks(folder)) for folder in FOLDERS}


def read_json_file(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _write_synced(path: Path, text: str) -> None:
    with path.open("w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    _write_synced(tmp, text)
    os.replace(tmp, path)


def _exclusive_write(path: Path, text: str) -> bool:
    """Write ``path`` complete or not at all, failing (False) when the name is taken: link(2) never replaces."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    _write_synced(tmp, text)
    try:
        os.link(tmp, path)
    except FileExistsError:
        return False
    finally:
        tmp.unlink(missing_ok=True)
    return True
