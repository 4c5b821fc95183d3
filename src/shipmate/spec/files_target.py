"""The `files` target: a set of files (plain, or rendered from Jinja2 templates) kept in a project folder.

Pure rules only; whether the destination resolves inside the project (symlinks) is checked at deploy time
(targets/files_render.py).
"""

from __future__ import annotations

import posixpath
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_core import PydanticCustomError

from shipmate.spec.field_types import NonEmptyText, SpecModel, TextRule

FrontmatterKey = Annotated[str, TextRule(r"^[A-Za-z_][A-Za-z0-9_.-]{0,99}$", "a frontmatter key",
                                         "e.g. allowed_tools")]


def inside_problem(path: str) -> str | None:
    """Why ``path`` cannot name a place inside the project (None: it can)."""
    if path.startswith("/") or path.startswith("~"):
        return "is an absolute path; it must be relative to the spec file's folder"
    normal = posixpath.normpath(path)
    if normal == ".." or normal.startswith("../"):
        return "is outside the project"
    if normal.split("/")[0] in (".git", ".shipmate"):
        return "is shipmate's or git's own folder"
    return None


def _inside(path: str) -> str:
    problem = inside_problem(path)
    if problem is not None:
        raise PydanticCustomError("outside_project", "{got} {problem}",
                                  {"got": repr(path), "problem": problem, "hint": "e.g. .claude/agents/"})
    return path


class FilesTargetSpec(SpecModel):
    """Keep a set of files in a folder: plain files copied, or templates rendered once per data file."""

    kind: Literal["files"] = Field(description="Target kind: files (a folder of files; no instances, no port).")
    source: NonEmptyText = Field(
        description="A folder of plain files; with `data`, one Jinja2 template or a folder of them.")
    destination: NonEmptyText = Field(
        description="The folder the files go to, inside the project, e.g. .claude/agents/.")
    data: NonEmptyText | None = Field(
        None, description="A folder of JSON/YAML files: one output per data file, rendered from `source` (a folder "
        "of templates is keyed by each data file's `template:` field).")
    migrate: dict[FrontmatterKey, FrontmatterKey] = Field(
        default_factory=dict, description="Older formats of our files: frontmatter key renames (old: new). A file "
        "that equals this release's output once renamed is ours in an older format and is migrated.")
    schema_file: NonEmptyText | None = Field(
        None, alias="schema", description="A JSON Schema file the parsed files (frontmatter, JSON, YAML) must "
        "match for the health check.")
    keep: Annotated[int, Field(ge=1, le=1000)] = Field(
        10, description="How many releases' rendered sets are kept for rollback.")

    @field_validator("source", "destination", "data", "schema_file")
    @classmethod
    def _inside_project(cls, value: str | None) -> str | None:
        return None if value is None else _inside(value)

    @field_validator("destination")
    @classmethod
    def _not_the_project(cls, value: str) -> str:
        if posixpath.normpath(value) == ".":
            raise PydanticCustomError("destination_is_project", "is the project folder itself",
                                      {"hint": "name a folder inside it, e.g. .claude/agents/"})
        return value
