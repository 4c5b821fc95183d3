"""A version bump as one unit: the version files and the changelog rewritten, one commit, one annotated tag.

Planned first (every file read and edited in memory, so a missing field fails before anything is written),
then applied; if any write, the commit or the tag fails, the files get their old bytes back, our commit is
undone and no tag is left: nothing half-done.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from shipmate.errors import InvalidInputError
from shipmate.ops.common.release_project import read_file_versions, write_atomically

if TYPE_CHECKING:
    from shipmate.ops.common.release_project import ReleaseProject, VersionState
    from shipmate.versioning.semver import Bump, SemVer

LEVELS = ("auto", "major", "minor", "patch")


@dataclass(frozen=True)
class PlannedBump:
    previous: SemVer
    version: SemVer
    bump: Bump
    tag: str
    writes: tuple[tuple[str, str | None, str], ...]   # (path, old text or None for a new file, new text)
    section: str


def wanted_bump(state: VersionState, level: str, major_on_zero: bool) -> tuple[Bump, SemVer | None]:
    from shipmate.versioning.next_version import effective_bump
    from shipmate.versioning.semver import Bump

    if level not in LEVELS:
        raise InvalidInputError(f"--bump: unknown level '{level[:20]}'", hint="one of: " + ", ".join(LEVELS))
    if level == "auto":
        bump = effective_bump(state.current, state.wanted, major_on_zero=major_on_zero)
        return bump, state.next
    bump = Bump[level.upper()]
    return bump, state.current.bumped(bump)


def plan_bump(project: ReleaseProject, state: VersionState, bump: Bump, version: SemVer) -> PlannedBump:
    from shipmate import git_repo
    from shipmate.versioning import changelog
    from shipmate.versioning.semver import tag_name
    from shipmate.versioning.version_files import write_version

    settings = project.settings
    tag = tag_name(settings.tag_format, version)
    if git_repo.tag_exists(project.base_dir, tag):
        raise InvalidInputError(f"tag {tag} already exists", hint=f"it is not reachable from HEAD; look at it "
                                f"with `git show {tag}`, or bump past it with --bump")
    writes: list[tuple[str, str | None, str]] = []
    for declared, text, _ in read_file_versions(project):
        writes.append((declared.path, text, write_version(declared.kind, declared.path, text, str(version))))
    date = datetime.now(UTC).date().isoformat()
    section = changelog.section(str(version), date, state.commits)
    if settings.changelog is not None:
        path = project.base_dir / settings.changelog
        old = path.read_text(encoding="utf-8") if path.is_file() else None
        writes.append((settings.changelog, old, changelog.prepend(old, section)))
    dirty = git_repo.changed_paths(project.base_dir, [p for p, _, _ in writes])
    if dirty:
        raise InvalidInputError(f"uncommitted changes in {', '.join(dirty[:5])}: the release commit would sweep "
                                "them in", hint="commit or stash them first")
    return PlannedBump(state.current, version, bump, tag, tuple(writes), section)


def diff_of(planned: PlannedBump) -> str:
    out: list[str] = []
    for path, old, new in planned.writes:
        out.extend(difflib.unified_diff((old or "").splitlines(keepends=True), new.splitlines(keepends=True),
                                        fromfile=f"a/{path}" if old is not None else "/dev/null",
                                        tofile=f"b/{path}"))
    return "".join(line if line.endswith("\n") else line + "\n" for line in out)


def apply_bump(project: ReleaseProject, planned: PlannedBump) -> str:
    """Write, commit, tag; the release commit's hash. On any failure everything is put back, then re-raised."""
    from shipmate import git_repo

    base = project.base_dir
    paths = [path for path, _, _ in planned.writes]
    written: list[tuple[str, str | None]] = []
    commit: str | None = None
    try:
        for path, old, new in planned.writes:
            written.append((path, old))
            write_atomically(base / path, new)
        # No version file and no changelog: the release is the tag alone, on HEAD.
        head = (git_repo.commit_paths(base, paths, f"chore(release): {planned.version}") if paths
                else git_repo.require_repository(base))
        commit = head if paths else None
        git_repo.create_tag(base, planned.tag, f"Release {planned.version}\n\n{planned.section}")
        return head
    except BaseException:
        if commit is not None:
            git_repo.undo_commit(base, commit, paths)
        for path, old in reversed(written):
            if old is None:
                (base / path).unlink(missing_ok=True)
            else:
                write_atomically(base / path, old)
        raise
