"""The process target's release files: snapshots, shared paths, a build and retention (Capistrano in our terms).

Pure rules only; whether a shared path is also part of the artifact is known at deploy time (snapshots/).
"""

from __future__ import annotations

import posixpath
from typing import Annotated, Any

from pydantic import Field, field_validator
from pydantic_core import PydanticCustomError

from shipmate.spec.durations import DurationRange, default_duration
from shipmate.spec.field_types import IntRange, NonEmptyText, SpecModel

BuildArgv = Annotated[tuple[NonEmptyText, ...], Field(min_length=1, max_length=256)]


def shared_problem(path: str) -> str | None:
    """Why ``path`` cannot be a shared path (None: it can): it must name something inside the project."""
    if path.startswith("/") or path.startswith("~"):
        return "is an absolute path; shared paths are relative to target.cwd"
    normal = posixpath.normpath(path)
    if normal in (".", "") or normal == ".." or normal.startswith("../"):
        return "is outside the project (or the project itself)"
    if normal.split("/")[0] in (".git", ".shipmate"):
        return "is shipmate's or git's own folder"
    return None


class ReleaseFilesSpec(SpecModel):
    """How a process release's files are kept: a snapshot per release, shared paths linked in, a build step."""

    snapshot: bool = Field(
        True, description="Run every instance from a content-addressed snapshot of the release's files (so a "
        "rollback runs the old bytes); false runs from target.cwd as it is now, and then a rollback whose files "
        "changed is refused.")
    shared: Annotated[tuple[NonEmptyText, ...], Field(max_length=100)] = Field(
        (), description="Paths (relative to target.cwd) that live across releases, linked into each snapshot, "
        "e.g. data, uploads. Everything not in the artifact (.venv, ignored files) is linked anyway; a declared "
        "path that does not exist is made as a folder.")
    build: Annotated[tuple[BuildArgv, ...], Field(max_length=20)] = Field(
        (), description='argv lists run inside the new snapshot before any instance starts, e.g. '
        '[["python3", "-m", "compileall", "."]]; a failing build refuses the deploy (exit 7).')
    build_timeout: Annotated[float, DurationRange("1s", "2h")] = default_duration(
        "10m", "A build step still running after this long is killed and the deploy refused.")
    keep_releases: Annotated[int, IntRange(1, 100)] = Field(
        5, description="Snapshots of this many recent good releases are kept for rollback (plus every "
        "environment's current one); older ones are pruned after a successful deploy.")

    @field_validator("shared")
    @classmethod
    def _inside_project(cls, paths: tuple[str, ...]) -> tuple[str, ...]:
        for index, path in enumerate(paths):
            problem = shared_problem(path)
            if problem is not None:
                raise PydanticCustomError("shared_path", "target.shared[{index}] {got} {problem}",
                                          {"index": index, "got": path, "problem": problem,
                                           "hint": "name a folder or file inside target.cwd, e.g. data"})
        return tuple(posixpath.normpath(p) for p in paths)

    def release_files(self) -> dict[str, Any]:
        """What the snapshot writer reads from the release's target_settings."""
        return {"snapshots": self.snapshot, "shared": list(self.shared), "build": [list(b) for b in self.build],
                "build_timeout_s": float(self.build_timeout), "keep_releases": self.keep_releases}
