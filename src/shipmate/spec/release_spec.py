"""The spec's `release:` section: where the version is written, how tags are named, what a release runs.

Like `hooks:` it says how the project is released, not what runs: left out of the release digest.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from shipmate.spec.durations import DurationRange, default_duration
from shipmate.spec.field_types import DNS_LABEL_RULE, NonEmptyText, SpecModel
from shipmate.versioning.semver import check_tag_format, parse_semver
from shipmate.versioning.version_files import kind_for

FileKind = Literal["text", "pyproject", "package_json", "python"]
_KIND_HINT = "name it {path: FILE, kind: text|pyproject|package_json|python}"


class VersionFileSpec(SpecModel):
    """One file that carries the version; a bare path picks the kind from the name."""

    path: NonEmptyText = Field(description="Relative to the spec's folder.")
    kind: FileKind = Field(description="text (VERSION), pyproject ([project].version), package_json (version), "
                           "python (__version__ = \"...\").")

    @field_validator("path")
    @classmethod
    def _inside(cls, path: str) -> str:
        if path.startswith("/") or ".." in path.split("/"):
            raise PydanticCustomError("outside_project", "must be a path inside the project, got '{got}'",
                                      {"got": path[:60], "hint": "e.g. pyproject.toml or src/pkg/__init__.py"})
        return path


def _bare_path(value: object) -> object:
    if not isinstance(value, str):
        return value
    kind = kind_for(value)
    if kind is None:
        raise PydanticCustomError("unknown_version_file", "cannot tell how to write the version into '{got}'",
                                  {"got": value[:60], "hint": _KIND_HINT})
    return {"path": value, "kind": kind}


VersionFile = Annotated[VersionFileSpec, BeforeValidator(_bare_path)]


class ReleaseStepSpec(SpecModel):
    """One release step: an argv list (no shell) run in the spec's folder with the version in its environment."""

    name: Annotated[str, DNS_LABEL_RULE] = Field(description="e.g. build, upload, publish.")
    run: Annotated[tuple[NonEmptyText, ...], Field(min_length=1, max_length=256)] = Field(
        description='The argv list, e.g. ["python", "-m", "build"].')
    timeout: Annotated[float, DurationRange("1s", "6h")] = default_duration("10m", "Killed after this long.")


class ReleaseSpec(SpecModel):
    """`shipmate version` and `shipmate release`: versions from tags and conventional commits."""

    version_files: Annotated[tuple[VersionFile, ...], Field(max_length=50)] = Field(
        (), description="Files that carry the version: VERSION, pyproject.toml, package.json, a .py with "
        "__version__, or {path, kind}.")
    tag_format: NonEmptyText = Field("v{version}", description="The tag a release gets; {version} once.")
    major_on_zero: bool = Field(False, description="Below 1.0.0 a breaking change bumps the major number too "
                                "(default: the minor one).")
    changelog: NonEmptyText | None = Field("CHANGELOG.md", description="Keep-a-Changelog file a bump prepends "
                                           "to; null: none.")
    steps: Annotated[tuple[ReleaseStepSpec, ...], Field(max_length=20)] = Field(
        (), description="Run in order by `shipmate release` after the bump; the first failure stops it.")

    @field_validator("tag_format")
    @classmethod
    def _tag_format(cls, value: str) -> str:
        problem = check_tag_format(value)
        if problem is not None:
            raise PydanticCustomError("tag_format", "{problem}, got '{got}'",
                                      {"problem": problem, "got": value[:60], "hint": "e.g. v{version}"})
        return value

    @model_validator(mode="after")
    def _distinct(self) -> ReleaseSpec:
        paths = [f.path for f in self.version_files]
        twice = sorted({p for p in paths if paths.count(p) > 1})
        if twice:
            raise PydanticCustomError("duplicate_version_file", "'{got}' is listed twice",
                                      {"got": twice[0], "at": ("version_files",), "hint": "list each file once"})
        names = [s.name for s in self.steps]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise PydanticCustomError("duplicate_step", "two steps are named '{got}'",
                                      {"got": dup[0], "at": ("steps",), "hint": "give each step its own name"})
        return self


def released_version(described: str, tag_format: str) -> str:
    """`version: git` with a `release:` section: HEAD exactly at a clean release tag (`git describe` printed the
    tag alone) is that release's version, 1.2.3 rather than v1.2.3, the one `shipmate version` names and the
    release steps got. Anything else (commits after the tag, -dirty) stays what git describe said."""
    prefix, suffix = tag_format.split("{version}")
    if not (described.startswith(prefix) and described.endswith(suffix)) or described.endswith("-dirty"):
        return described
    inner = described[len(prefix):len(described) - len(suffix)]
    if parse_semver(inner) is None or re.search(r"-\d+-g[0-9a-f]{4,}$", inner):
        return described
    return inner
