"""What a dry run returns: the plan a release would run, and (for deploy) what each gate would say.
Nothing runs and nothing is written for either."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shipmate.ops.results.json_result import OMIT_IF_NONE, JsonResult


@dataclass(frozen=True)
class ReleasePlan(JsonResult):
    """rollback --dry-run: the plan (plan.py's steps and abort steps) and the health levels gating the switch."""

    dry_run: bool
    service: str
    environment: str
    version: str
    plan: dict[str, Any]
    gate_levels: list[dict[str, Any]]    # {level, name}: must pass on each new instance before it gets traffic

    @classmethod
    def of(cls, planned: dict[str, Any]) -> ReleasePlan:
        return cls(dry_run=True, service=planned["service"], environment=planned["environment"],
                   version=planned["version"], plan=planned["plan"], gate_levels=list(planned["gate_levels"]))


@dataclass(frozen=True)
class GatedPlan(JsonResult):
    """deploy --dry-run: the plan, and each gate's answer, in the gates' order."""

    dry_run: bool
    service: str
    environment: str
    version: str
    plan: dict[str, Any]
    gate_levels: list[dict[str, Any]]
    policy: dict[str, Any]               # would_refuse, refusals (freeze, require_passed_in, allow_dirty)
    hooks: dict[str, list[list[str]]]    # the hooks that would run, by name
    notify: dict[str, Any]               # how many URLs, which events would be sent
    confidence: dict[str, Any] | None    # the score it would get, with its factors
    approval: dict[str, Any]             # whether this face needs an approval here, and on what terms
    # the archive a protected environment would take first
    backup: dict[str, Any] | None = field(default=None, kw_only=True, metadata=OMIT_IF_NONE)

    @classmethod
    def of(cls, report: dict[str, Any]) -> GatedPlan:
        return cls(dry_run=True, service=report["service"], environment=report["environment"],
                   version=report["version"], plan=report["plan"], gate_levels=list(report["gate_levels"]),
                   policy=report["policy"], hooks=report["hooks"], notify=report["notify"],
                   confidence=report["confidence"], approval=report["approval"], backup=report.get("backup"))
