"""What a `files` deploy, rollback or down did, file by file (the `--json` object and the MCP tool's result)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shipmate.ops.results.json_result import OMIT_IF_NONE, JsonResult


@dataclass(frozen=True)
class FilesResult(JsonResult):
    """Each list names files relative to the destination; ``conflicts`` are the files whose new version was
    written beside them as NAME.new (the user's edit stays), ``preserved`` every file of the user's left alone
    where we would have written."""

    kind: str                     # deploy | rollback | down
    service: str
    environment: str
    version: str | None           # the release the folder holds now (None after down)
    destination: str
    deployed: list[str]
    updated: list[str]
    migrated: list[str]
    skipped: list[str]
    preserved: list[str]
    conflicts: list[str]
    removed: list[str]
    duration_ms: float
    noop: bool = False            # nothing to change: nothing was written, not even the store
    dry_run: bool = False
    message: str = ""
    target: str = "files"
    deployment_id: str | None = None
    diffs: dict[str, str] | None = field(default=None, kw_only=True, metadata=OMIT_IF_NONE)   # --dry-run only
    problems: dict[str, str] | None = field(default=None, kw_only=True, metadata=OMIT_IF_NONE)

    @classmethod
    def of(cls, kind: str, service: str, environment: str, version: str | None, destination: str,
           names: dict[str, list[str]], duration_ms: float, **more: Any) -> FilesResult:
        return cls(kind=kind, service=service, environment=environment, version=version, destination=destination,
                   deployed=names.get("deployed", []), updated=names.get("updated", []),
                   migrated=names.get("migrated", []), skipped=names.get("skipped", []),
                   preserved=names.get("preserved", []), conflicts=names.get("conflicts", []),
                   removed=names.get("removed", []), duration_ms=round(duration_ms, 1), **more)
