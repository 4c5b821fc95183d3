"""What `explain` returns: the confidence a deployment started with, beside how it ended."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shipmate.ops.results.json_result import JsonResult


@dataclass(frozen=True)
class Calibration(JsonResult):
    predicted: float | None   # the confidence score, None when none was computed
    actual: int | None        # 1 succeeded (and verified), 0 failed or rolled back, None while it runs


@dataclass(frozen=True)
class Explanation(JsonResult):
    deployment_id: str
    service: str
    environment: str
    version: str | None
    kind: str
    actor: str
    state: str
    verified: bool | None
    error: str | None
    confidence: dict[str, Any] | None   # score and its factors, as the confidence gate computed them
    calibration: Calibration
