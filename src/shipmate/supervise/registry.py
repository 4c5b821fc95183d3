"""The host registry: which state homes `shipmate serve` watches when it is given no -f.

One small JSON file per registered spec under ``$XDG_STATE_HOME/shipmate/homes/`` (default
``~/.local/state/shipmate/homes/``): a deploy writes its entry, `down` removes it. One file each, written
by rename, so two deploys registering at once never lose each other's entry.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from shipmate.durable import fsync_dir


@dataclass(frozen=True)
class Entry:
    home: Path
    spec: Path

    @property
    def key(self) -> str:
        return hashlib.sha256(f"{self.home}\n{self.spec}".encode()).hexdigest()[:16]


def registry_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME", "").strip()
    root = Path(base).expanduser() if base else Path.home() / ".local" / "state"
    return root / "shipmate" / "homes"


def register(home: Path, spec: Path) -> Entry:
    entry = Entry(home.absolute(), spec.absolute())
    folder = registry_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{entry.key}.json"
    temp = path.with_suffix(f".tmp{os.getpid()}")
    temp.write_text(json.dumps({"home": str(entry.home), "spec": str(entry.spec)}) + "\n")
    os.replace(temp, path)
    with contextlib.suppress(OSError):
        fsync_dir(folder)
    return entry


def unregister(home: Path, spec: Path) -> bool:
    path = registry_dir() / f"{Entry(home.absolute(), spec.absolute()).key}.json"
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


def entries() -> tuple[list[Entry], list[str]]:
    """(entries whose home still exists, warnings): an entry whose home was deleted is dropped, and said so."""
    folder = registry_dir()
    found: list[Entry] = []
    warnings: list[str] = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            raw = json.loads(path.read_text())
            entry = Entry(Path(raw["home"]), Path(raw["spec"]))
        except (OSError, ValueError, KeyError, TypeError):
            warnings.append(f"registry entry {path} is unreadable: dropped")
            path.unlink(missing_ok=True)
            continue
        if not entry.home.is_dir():
            warnings.append(f"registry entry for {entry.home} dropped: the home was deleted")
            path.unlink(missing_ok=True)
            continue
        found.append(entry)
    return found, warnings
