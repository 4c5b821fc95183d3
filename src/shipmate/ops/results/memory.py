"""What the `memory` commands return (the failure memory). Known fixes inside are plain dicts, as a failure's
``error.details.known_fixes`` carries them: id, symptom, solution, root_cause, prevention, worked, tried, record."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shipmate.ops.results.json_result import OMIT_IF_NONE, JsonResult


@dataclass(frozen=True)
class MemorySearchResult(JsonResult):
    query: str
    terms: list[str]
    fixes: list[dict[str, Any]]          # best first, each with its record and score
    signatures: list[dict[str, Any]]


@dataclass(frozen=True)
class MemoryListResult(JsonResult):
    signatures: list[dict[str, Any]]     # group roots, most recently seen first
    failures: int


@dataclass(frozen=True)
class MemoryShowResult(JsonResult):
    """One of: a fix; a signature with its group, failures and fixes; a failure with the fixes it was offered."""

    fix: dict[str, Any] | None = field(default=None, kw_only=True, metadata=OMIT_IF_NONE)
    failure: dict[str, Any] | None = field(default=None, kw_only=True, metadata=OMIT_IF_NONE)
    signature: dict[str, Any] | None = field(default=None, kw_only=True, metadata=OMIT_IF_NONE)
    group: list[str] | None = field(default=None, kw_only=True, metadata=OMIT_IF_NONE)
    failures: list[dict[str, Any]] | None = field(default=None, kw_only=True, metadata=OMIT_IF_NONE)
    fixes: list[dict[str, Any]] | None = field(default=None, kw_only=True, metadata=OMIT_IF_NONE)
    known_fixes: list[dict[str, Any]] | None = field(default=None, kw_only=True, metadata=OMIT_IF_NONE)


@dataclass(frozen=True)
class MemoryStatsResult(JsonResult):
    failures: int
    signatures: int                      # distinct groups
    matched: int                         # failures offered at least one known fix
    hit_rate: float | None               # matched / failures
    fixes: int
    worked: int
    tried: int
    starter_fixes: int


@dataclass(frozen=True)
class MemoryMatchResult(JsonResult):
    """For a given text: its signature and known fixes; without one: the failures no deploy has settled yet."""

    signature: str | None = field(default=None, kw_only=True, metadata=OMIT_IF_NONE)
    known_fixes: list[dict[str, Any]] | None = field(default=None, kw_only=True, metadata=OMIT_IF_NONE)
    open_failures: list[dict[str, Any]] | None = field(default=None, kw_only=True, metadata=OMIT_IF_NONE)


@dataclass(frozen=True)
class MemoryExportResult(JsonResult):
    signatures: int
    fixes: int
    path: str | None = field(default=None, kw_only=True, metadata=OMIT_IF_NONE)
    records: list[dict[str, Any]] | None = field(default=None, kw_only=True, metadata=OMIT_IF_NONE)


@dataclass(frozen=True)
class MemoryAddResult(JsonResult):
    fix: dict[str, Any]
    created: bool                        # False: the same four texts were known already


@dataclass(frozen=True)
class MemoryGroupResult(JsonResult):
    """merge: `merged`, `into`, `group`; split: `split`, `group`."""

    group: list[str]
    merged: str | None = field(default=None, kw_only=True, metadata=OMIT_IF_NONE)
    into: str | None = field(default=None, kw_only=True, metadata=OMIT_IF_NONE)
    split: str | None = field(default=None, kw_only=True, metadata=OMIT_IF_NONE)


@dataclass(frozen=True)
class MemoryImportResult(JsonResult):
    path: str
    signatures_added: int
    signatures_known: int
    fixes_added: int
    fixes_known: int
