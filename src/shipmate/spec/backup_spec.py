"""The top-level ``backup:`` section: what to archive, where to, and how long to keep it.

Pure rules only: a path must be relative to the spec's folder and may not climb out of it. Whether it
exists (and where a symlink leads) is checked when a backup is planned, against the real files.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from shipmate.spec.durations import DurationRange, default_duration
from shipmate.spec.field_types import IntRange, NonEmptyText, SpecModel, TextRule
from shipmate.spec.quoting import quoted

ENTRY_KINDS = ("path", "sqlite", "volume")
INSIDE_HINT = "give a path relative to the folder of shipmate.yaml, inside it (e.g. data/ or app.db)"


def _inside_project(value: str) -> str:
    pure = PurePosixPath(value)
    parts = [part for part in pure.parts if part not in ("", ".")]
    depth = 0
    for part in parts:
        depth += -1 if part == ".." else 1
        if depth < 0:
            break
    if not parts and not pure.is_absolute():
        raise PydanticCustomError("backup_path_project", "{got} is the whole project folder",
                                  {"got": quoted(value), "hint": "list the folders and files to back up instead "
                                   "(a restore swaps each entry as a whole)"})
    if pure.is_absolute() or depth < 0:
        raise PydanticCustomError("backup_path_outside", "{got} is outside the project folder",
                                  {"got": quoted(value), "hint": INSIDE_HINT})
    return value


ProjectPath = Annotated[NonEmptyText, AfterValidator(_inside_project)]
VolumeName = Annotated[str, TextRule(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,254}$", "a Docker volume name",
                                     "e.g. app-data")]


class BackupEntry(SpecModel):
    """One thing to archive: a file or folder (``data/``), ``{sqlite: app.db}`` or ``{volume: name}``."""

    model_config = SpecModel.model_config | {"json_schema_extra": {"minProperties": 1, "maxProperties": 1}}

    path: ProjectPath | None = Field(None, description="A file or folder, relative to the spec's folder.")
    sqlite: ProjectPath | None = Field(None, description="A SQLite database: copied with the online backup API "
                                       "(consistent while the app writes), then integrity-checked.")
    volume: VolumeName | None = Field(None, description="A Docker volume, read through its mount point.")

    @model_validator(mode="before")
    @classmethod
    def _one_kind(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"path": _inside_project(data)}   # "- data/" is short for "- path: data/" (errors name the item)
        if isinstance(data, dict) and all(key in ENTRY_KINDS for key in data) and len(data) != 1:
            raise PydanticCustomError("backup_entry_kind", "give exactly one of path, sqlite, volume",
                                      {"hint": "e.g. - data/ or - sqlite: app.db or - volume: app-data"})
        return data

    @property
    def kind(self) -> str:
        return next(kind for kind in ENTRY_KINDS if getattr(self, kind) is not None)

    @property
    def target(self) -> str:
        found: str = getattr(self, self.kind)
        return found


class BackupSpec(SpecModel):
    """Backups of the service's data: `shipmate backup create`, and before deploys where configured."""

    paths: Annotated[tuple[BackupEntry, ...], Field(min_length=1, max_length=100)] = Field(
        description="Files, folders, SQLite databases ({sqlite: app.db}) and Docker volumes ({volume: name})."
    )
    destination: NonEmptyText | None = Field(
        None, description="A folder (relative to the spec's folder) or an fsspec URL (file://, s3://...); "
        "default: <state home>/backups."
    )
    keep: Annotated[int, IntRange(1, 10000)] = Field(10, description="Keep at most this many backups.")
    max_age: Annotated[float, DurationRange("1m", "3650d")] = default_duration(
        "7d", "Remove backups older than this (the newest one is always kept)."
    )
    compression: Literal["zstd", "gzip"] = Field("zstd", description="zstd (fast, small) or gzip.")
