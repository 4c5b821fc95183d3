"""What a release runs from, as one hash: the image id (docker, swarm) or the project's files (process).

The process target runs straight from target.cwd, so its artifact is a sha256 over the files there
(the spec file excepted):
in a git repository the files git would track (`git ls-files --cached --others --exclude-standard`,
so .gitignore'd data is left out, committed or not); elsewhere a walk of the folder. Either way the
state folder, the inbox's folders beside the spec, .git, __pycache__, .venv, venv, node_modules and *.pyc
are skipped. A manifest of
per-file hashes (up to MANIFEST_LIMIT files) lets a promotion name the files that changed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from pathlib import Path
from typing import Any

from shipmate.git_repo import tracked_files
from shipmate.release_config import ReleaseConfig

SKIPPED_DIRS = frozenset({".git", "__pycache__", ".venv", "venv", "node_modules", ".shipmate", ".mypy_cache",
                          ".pytest_cache", ".ruff_cache"})
MANIFEST_LIMIT = 5000
FILE_LIMIT = 100_000   # a cwd this big (e.g. a home folder) gets no artifact hash rather than a minute-long walk


def with_artifact(config: ReleaseConfig, home: Path, spec_path: Path) -> ReleaseConfig:
    """The process target's config with its files' hash; other targets learn theirs in prepare (image_id)."""
    if not files_are_artifact(config):
        return config
    # The spec file's path goes with it: hashing the same files again later leaves it out the same way.
    return with_artifact_of(config, {**process_artifact(Path(config.cwd), home, spec_path), "spec": str(spec_path)})


def artifact_id(config: ReleaseConfig) -> str | None:
    """The one string two releases share when they run the same bits (None: not known yet / not recorded)."""
    if files_are_artifact(config):
        return config.artifact.get("sha256") or None
    image = config.target_settings.get("image_id")
    return str(image) if image else None


def with_artifact_of(config: ReleaseConfig, artifact: dict[str, Any]) -> ReleaseConfig:
    """``config`` running ``artifact``: its files' hash joins the release identity (digest), so the same version
    with changed files is a new release, never "already running"."""
    sha = artifact.get("sha256")
    digest = config.digest
    if sha:
        digest = hashlib.sha256(f"{config.digest}|artifact:{sha}".encode()).hexdigest()[:len(config.digest) or 16]
    return dataclasses.replace(config, artifact=artifact, digest=digest)


def short_artifact(config: ReleaseConfig) -> str | None:
    """The first 8 hex digits of the artifact, shown beside the version (`1.0.0 (3f2a9c1b)`)."""
    found = artifact_id(config)
    return found.split(":", 1)[-1][:8] if found else None


def files_are_artifact(config: ReleaseConfig) -> bool:
    """The target runs the release from target.cwd's files (a process), so their hash names what runs."""
    from shipmate.targets.registry import capabilities_of

    found = capabilities_of(config.target_kind)
    return found is not None and found.file_artifact


def process_artifact(cwd: Path, home: Path, spec_path: Path | None = None) -> dict[str, Any]:
    """The spec file itself is left out: its content is the config hash's business, not the artifact's."""
    listed = artifact_digests(cwd, home, spec_path)
    if isinstance(listed, tuple):
        return {"files": listed[0], "source": listed[1], "skipped": f"more than {FILE_LIMIT} files"}
    out: dict[str, Any] = {"sha256": listed.sha256, "files": len(listed.digests), "source": listed.source}
    if len(listed.digests) <= MANIFEST_LIMIT:
        out["manifest"] = {rel: digest[:16] for rel, digest in listed.digests.items()}
    return out


@dataclasses.dataclass(frozen=True)
class ArtifactFiles:
    """Every file of an artifact with its full sha256 (hex), in sorted order, and the total."""

    digests: dict[str, str]
    source: str
    sha256: str


# The files hashed for an artifact in this process, by (cwd, total): the snapshot writer takes them from here
# instead of hashing 10,000 files twice in one deploy.
_HASHED: dict[tuple[str, str], ArtifactFiles] = {}


def artifact_digests(cwd: Path, home: Path, spec_path: Path | None = None) -> ArtifactFiles | tuple[int, str]:
    """The artifact's files and hashes; (count, source) when there are more than FILE_LIMIT of them."""
    inbox = _inbox_prefixes(cwd, spec_path)
    files, source = tracked_files(cwd), "git"
    if files is None:
        files, source = _walked_files(cwd, inbox), "walk"   # not a git repository (or git refused)
    if len(files) > FILE_LIMIT:
        return len(files), source
    home = home.resolve()
    digests: dict[str, str] = {}
    for rel in sorted(files):
        path = cwd / rel
        if _skipped(rel) or rel.startswith(inbox) or _inside(path, home) or not (path.is_file() or path.is_symlink()) \
                or (spec_path is not None and path.absolute() == spec_path.absolute()):
            continue
        digests[rel] = _file_digest(path)
    total = hashlib.sha256()
    for rel, digest in digests.items():
        total.update(f"{rel}\0{digest}\n".encode())
    listed = ArtifactFiles(digests, source, "sha256:" + total.hexdigest())
    _HASHED[(str(cwd), listed.sha256)] = listed
    return listed


def hashed_files(cwd: Path, sha256: str) -> ArtifactFiles | None:
    """The files this process hashed for artifact ``sha256`` of ``cwd`` (None: not hashed here)."""
    return _HASHED.get((str(cwd), sha256))


def changed_files(before: dict[str, Any], after: dict[str, Any], limit: int = 10) -> list[str]:
    """'+new.py', '-gone.py', '~app.py' between two artifacts' manifests (empty when one has none)."""
    old, new = before.get("manifest"), after.get("manifest")
    if not isinstance(old, dict) or not isinstance(new, dict):
        return []
    out = [f"+{p}" for p in sorted(new.keys() - old.keys())] + [f"-{p}" for p in sorted(old.keys() - new.keys())]
    out += [f"~{p}" for p in sorted(old.keys() & new.keys()) if old[p] != new[p]]
    return out[:limit]


def _walked_files(cwd: Path, pruned: tuple[str, ...] = ()) -> list[str]:
    found: list[str] = []
    for root, dirs, names in os.walk(cwd):
        base = Path(root).relative_to(cwd)
        dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS and f"{(base / d).as_posix()}/" not in pruned]
        found += [(base / name).as_posix() for name in names]
        if len(found) > FILE_LIMIT:
            break
    return found


def _inbox_prefixes(cwd: Path, spec_path: Path | None) -> tuple[str, ...]:
    """The inbox's folders beside the spec, as "inbox/incoming/" relative to ``cwd``: tasks dropped there are
    requests, never part of what runs (an empty tuple when the inbox is not under cwd)."""
    if spec_path is None:
        return ()
    from shipmate.ops.common.inbox_folder import FOLDERS, inbox_of

    try:
        root = inbox_of(spec_path.absolute()).resolve().relative_to(cwd.resolve())
    except (ValueError, OSError):
        return ()
    return tuple(f"{(root / name).as_posix()}/" for name in ("tmp", *FOLDERS))


def _skipped(rel: str) -> bool:
    parts = rel.split("/")
    return any(part in SKIPPED_DIRS for part in parts[:-1]) or rel.endswith(".pyc")


def _inside(path: Path, home: Path) -> bool:
    try:
        path.resolve().relative_to(home)
    except (ValueError, OSError):
        return False
    return True


def _file_digest(path: Path) -> str:
    if path.is_symlink():
        return hashlib.sha256(b"link:" + os.readlink(path).encode()).hexdigest()
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
