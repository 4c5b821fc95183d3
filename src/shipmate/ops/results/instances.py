"""What `logs`, `down` and `recover` return."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shipmate.ops.results.json_result import JsonResult


@dataclass(frozen=True)
class InstanceLog(JsonResult):
    instance_id: str
    status: str
    log_path: str | None
    lines: list[str]      # the last lines, oldest first


@dataclass(frozen=True)
class LogsResult(JsonResult):
    service: str
    environment: str
    instances: list[InstanceLog]


@dataclass(frozen=True)
class TakenDown(JsonResult):
    service: str
    environment: str
    stopped_version: str
    deployment_id: str


@dataclass(frozen=True)
class NothingRunning(JsonResult):
    service: str
    environment: str
    noop: bool
    message: str


@dataclass(frozen=True)
class DownPlan(JsonResult):
    dry_run: bool
    service: str
    environment: str
    plan: dict[str, Any]  # the steps down would run (plan.py)


@dataclass(frozen=True)
class RecoverResult(JsonResult):
    recovered: list[dict[str, Any]]   # each interrupted deployment and how it ended (engine/recovery.py)
