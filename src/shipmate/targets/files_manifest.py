"""What in a files destination is ours: a manifest of name -> sha256 and release, kept in the state home.

A file not in the manifest is the user's and is never touched. The manifest is read strictly: one edited by
hand into nonsense is an error naming what is wrong, never a reason to guess (a guess could delete a user file).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shipmate.durable import fsync_dir
from shipmate.errors import InvalidInputError

FORMAT = 1
SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class Owned:
    sha256: str
    release: str
    previous: str | None = None   # while a sync runs: the bytes before it (a crash mid-way leaves either)

    def holds(self, sha: str) -> bool:
        return sha == self.sha256 or sha == self.previous


@dataclass(frozen=True)
class Manifest:
    destination: str = ""
    release: str | None = None                                  # the version the folder was last made to
    set_key: str | None = None                                  # that release's rendered set (snapshots/)
    files: dict[str, Owned] = field(default_factory=dict)       # ours, as we wrote them
    conflicts: dict[str, Owned] = field(default_factory=dict)   # NAME -> the NAME.new we wrote beside it

    def to_json(self) -> dict[str, Any]:
        def table(rows: dict[str, Owned]) -> dict[str, Any]:
            return {name: {"sha256": o.sha256, "release": o.release, **({"previous": o.previous} if o.previous else {})}
                    for name, o in sorted(rows.items())}
        return {"format": FORMAT, "destination": self.destination, "release": self.release,
                "set": self.set_key, "files": table(self.files), "conflicts": table(self.conflicts)}


def manifest_path(home: Path, service: str, environment: str) -> Path:
    return home / "files" / service / environment / "manifest.json"


def _bad(path: Path, what: str) -> InvalidInputError:
    return InvalidInputError(f"{path}: manifest is not valid: {what}",
                             hint="restore it (e.g. from a backup) or delete it: then every file in the "
                                  "destination counts as the user's and nothing is removed")


def _name_ok(name: str) -> bool:
    parts = name.split("/")
    return bool(name) and not name.startswith("/") and all(p not in ("", ".", "..") for p in parts)


def _rows(path: Path, raw: Any, key: str) -> dict[str, Owned]:
    if not isinstance(raw, dict):
        raise _bad(path, f"`{key}` must be a mapping of file name to {{sha256, release}}")
    rows: dict[str, Owned] = {}
    for name, row in raw.items():
        if not _name_ok(name):
            raise _bad(path, f"{key}.{name!r} is not a relative file name inside the destination")
        if not isinstance(row, dict) or not isinstance(row.get("sha256"), str) or \
                not SHA256.match(row["sha256"]) or not isinstance(row.get("release"), str):
            raise _bad(path, f"{key}.{name}: needs sha256 (64 hex digits) and release (text)")
        previous = row.get("previous")
        if previous is not None and (not isinstance(previous, str) or not SHA256.match(previous)):
            raise _bad(path, f"{key}.{name}.previous: must be a sha256 (64 hex digits)")
        rows[name] = Owned(row["sha256"], row["release"], previous)
    return rows


def read_manifest(path: Path) -> Manifest:
    """The manifest at ``path``; an empty one when there is none yet; InvalidInputError when it is nonsense."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Manifest()
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _bad(path, f"line {exc.lineno}: {exc.msg}") from exc
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise _bad(path, f"expected a mapping with format: {FORMAT}")
    release, set_key = raw.get("release"), raw.get("set")
    if not isinstance(release, (str, type(None))) or not isinstance(set_key, (str, type(None))):
        raise _bad(path, "`release` and `set` must be text")
    destination = raw.get("destination", "")
    if not isinstance(destination, str):
        raise _bad(path, "`destination` must be text")
    return Manifest(destination, release, set_key, _rows(path, raw.get("files", {}), "files"),
                    _rows(path, raw.get("conflicts", {}), "conflicts"))


def write_atomic(path: Path, data: bytes, *, sync_folder: bool = True) -> None:
    """Temp file in the same folder, fsync, rename over, fsync the folder: the old or the new bytes, never half.
    ``sync_folder=False``: the caller fsyncs the folder once after many renames (a release of 1,000 files)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.shipmate-{os.getpid()}.tmp"
    with open(tmp, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)
    if sync_folder:
        fsync_dir(path.parent)


def write_manifest(path: Path, manifest: Manifest) -> None:
    write_atomic(path, (json.dumps(manifest.to_json(), indent=1, sort_keys=True) + "\n").encode("utf-8"))
