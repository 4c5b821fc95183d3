"""What `lock status` and `lock release` return."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shipmate.ops.results.json_result import OMIT_IF_NONE, JsonResult


@dataclass(frozen=True)
class LocksResult(JsonResult):
    service: str | None   # None: no spec here, every lock of the home is listed
    locks: list[dict[str, Any]]   # each lock row: key, fencing, owner, times, held, owner_alive, stalled ...


@dataclass(frozen=True)
class LockReleaseResult(JsonResult):
    """One of: released (previous_owner), not released (message), or a dry run (would_release)."""

    key: str
    released: bool | None = field(default=None, kw_only=True, metadata=OMIT_IF_NONE)
    message: str | None = field(default=None, kw_only=True, metadata=OMIT_IF_NONE)
    dry_run: bool | None = field(default=None, kw_only=True, metadata=OMIT_IF_NONE)
    would_release: dict[str, Any] | None = field(default=None, kw_only=True, metadata=OMIT_IF_NONE)
    previous_owner: dict[str, Any] | None = field(default=None, kw_only=True, metadata=OMIT_IF_NONE)
