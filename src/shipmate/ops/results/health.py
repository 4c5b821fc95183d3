"""What `check` returns: the current release's health levels, run now."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shipmate.ops.results.json_result import JsonResult


@dataclass(frozen=True)
class CheckResult(JsonResult):
    service: str
    environment: str
    version: str
    checks: list[dict[str, Any]]       # every probe's result (kept for compatibility; `levels` has them too)
    healthy: bool
    levels: list[dict[str, Any]]       # each level run: name, phase, evidence, hint, checks, warnings
    failed_level: int | None
    configured_levels: list[int]
    not_configured: list[int]
    warnings: list[str]
