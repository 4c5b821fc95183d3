"""What the dashboard's deployment page shows: one deployment with its timeline, health levels, verdict,
confidence and audit events (`deployment_detail`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shipmate.ops.results.audit import AuditEvent
from shipmate.ops.results.deployments import DeploymentRecord
from shipmate.ops.results.json_result import JsonResult


@dataclass(frozen=True)
class TimelineStep(JsonResult):
    index: int
    name: str
    status: str                 # ok | failed | running | ... as the engine wrote it
    started_at: float
    finished_at: float | None
    duration_s: float | None
    offset_s: float             # when it started, counted from the deployment's start


@dataclass(frozen=True)
class LevelPassed(JsonResult):
    """A health level the new release was proven at before it took traffic (from the wait_healthy step)."""
    level: int
    name: str                   # instance | endpoint | application | protocol | smoke
    phase: str                  # pass | fail | ...
    checks: list[str]           # "http /health: GET /health -> 200"


@dataclass(frozen=True)
class DeploymentDetail(JsonResult):
    service: str
    deployment: DeploymentRecord
    previous_version: str | None
    steps: list[TimelineStep]
    health_levels: list[LevelPassed]
    verdict: dict[str, Any] | None       # the monitor's verdict with its evidence (rules, series per tick)
    confidence: dict[str, Any] | None    # score, factors and weights, as the confidence gate computed them
    events: list[AuditEvent]
