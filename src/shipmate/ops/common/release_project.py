"""What `shipmate version` and `shipmate release` read: the `release:` settings, the tags, the commits since the
last release and the version files, each answered in versions (git is run by shipmate.git_repo only)."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from shipmate.errors import InvalidInputError

if TYPE_CHECKING:
    from shipmate.spec.release_spec import ReleaseSpec, VersionFileSpec
    from shipmate.versioning.conventional import ClassifiedCommit
    from shipmate.versioning.semver import Bump, SemVer

DEFAULT_SPEC = "shipmate.yaml"


@dataclass(frozen=True)
class ReleaseProject:
    settings: ReleaseSpec
    base_dir: Path
    service: str          # the spec's service, else the folder's name (events are filed under it)


@dataclass(frozen=True)
class VersionState:
    head: str
    current: SemVer
    source: str           # tag | file
    tag: str | None       # the latest release tag HEAD contains
    commits: list[ClassifiedCommit]
    wanted: Bump          # the largest change since the tag
    next: SemVer | None   # None: nothing to release


def open_project(file: str | None) -> ReleaseProject:
    """The spec's `release:` section (defaults when it has none, or when no -f was given and there is no spec)."""
    from shipmate.spec.release_section import release_section
    from shipmate.spec.release_spec import ReleaseSpec

    path = Path(file or DEFAULT_SPEC).expanduser().absolute()
    folder_name = path.parent.name or "project"
    if file is None and not path.exists():
        return ReleaseProject(ReleaseSpec.model_validate({}), path.parent, folder_name)
    settings, service = release_section(path)
    return ReleaseProject(settings, path.parent, service or folder_name)


def read_state(project: ReleaseProject) -> VersionState:
    from shipmate import git_repo
    from shipmate.versioning.conventional import classify, release_bump
    from shipmate.versioning.next_version import next_version
    from shipmate.versioning.semver import read_tags, require_semver

    settings = project.settings
    head = git_repo.require_repository(project.base_dir)
    tags = read_tags(git_repo.reachable_tags(project.base_dir), settings.tag_format)
    if tags.malformed:
        shown = ", ".join(tags.malformed[:5])
        raise InvalidInputError(f"tag {shown} looks like a release tag ({settings.tag_format}) but is not a semantic "
                                "version (MAJOR.MINOR.PATCH)",
                                hint="delete or rename it (git tag -d NAME), or set release.tag_format to match "
                                "only release tags")
    latest = tags.latest()
    if latest is not None:
        tag, current, source = latest[0], latest[1], "tag"
    else:
        tag, source = None, "file"
        current = require_semver(_fallback_version(project), "VERSION")
    commits = [classify(sha, message) for sha, message in git_repo.commits_since(project.base_dir, tag)]
    commits.reverse()   # oldest first: the order they happened in, and the changelog's order
    wanted = release_bump(commits)
    return VersionState(head, current, source, tag, commits, wanted,
                        next_version(current, wanted, major_on_zero=settings.major_on_zero))


def _fallback_version(project: ReleaseProject) -> str:
    from shipmate.versioning.version_files import read_version

    declared = [f for f in project.settings.version_files if f.kind == "text"]
    path = project.base_dir / (declared[0].path if declared else "VERSION")
    if not path.is_file():
        raise InvalidInputError(f"no release tag ({project.settings.tag_format}) and no VERSION file in "
                                f"{project.base_dir}",
                                hint="tag the last release (git tag -a v0.1.0 -m v0.1.0) or write a VERSION file")
    return read_version("text", path.name, path.read_text(encoding="utf-8"))


def read_file_versions(project: ReleaseProject) -> list[tuple[VersionFileSpec, str, str]]:
    """(declared file, its text, the version in it) for every release.version_files entry."""
    from shipmate.versioning.version_files import read_version

    out = []
    for index, declared in enumerate(project.settings.version_files):
        path = project.base_dir / declared.path
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise InvalidInputError(f"release.version_files[{index}]: {declared.path} does not exist",
                                    hint="create it, or take it out of release.version_files") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidInputError(f"release.version_files[{index}]: cannot read {declared.path}: {exc}",
                                    hint="check the file's permissions and encoding (UTF-8)") from exc
        out.append((declared, text, read_version(declared.kind, declared.path, text)))
    return out


def write_atomically(path: Path, text: str) -> None:
    """Temp file beside it, fsync, rename: a reader sees the old bytes or the new, never half; the mode stays."""
    mode = path.stat().st_mode & 0o7777 if path.exists() else 0o644
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
