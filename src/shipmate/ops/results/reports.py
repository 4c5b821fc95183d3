"""`shipmate report`: the figures of one period (and the previous one with --compare), as typed results."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from shipmate.ops.results.json_result import OMIT_IF_NONE, JsonResult

if TYPE_CHECKING:
    from shipmate.analysis.dora import Metric
    from shipmate.analysis.report_facts import SignatureCount
    from shipmate.analysis.report_figures import Approvals, Calibration, DailySeries, Rate


@dataclass(frozen=True)
class UptimeLine(JsonResult):
    """One service's uptime in the period (from serve's probes); None figures: no checks = insufficient data."""

    service: str
    uptime_percent: float | None
    checks: int
    failures: int
    incidents: int
    mttr_seconds: float | None
    slo_target_percent: float | None
    budget_allowed_minutes: float | None
    budget_spent_minutes: float | None
    budget_left_minutes: float | None
    daily_percent: list[float | None]       # per report day, None where there were no checks


@dataclass(frozen=True)
class PeriodFigures(JsonResult):
    """Everything computed for one period. ``empty``: not one deployment, approval or check in it."""

    start: str
    end: str
    empty: bool
    dora: dict[str, Metric]
    success_rate: Rate
    rollback_rate: Rate
    rollbacks_by_reason: dict[str, Rate]
    calibration: Calibration
    approvals: Approvals
    uptime: list[UptimeLine]
    uptime_note: str
    incident_mttr_seconds: float | None     # mean time to recovery of the uptime incidents that ended
    incidents: int
    failure_signatures: list[SignatureCount]
    daily: DailySeries

    def to_json(self) -> dict[str, Any]:
        out = super().to_json()
        out["dora"] = {key: metric.to_json() for key, metric in self.dora.items()}
        out["success_rate"] = self.success_rate.to_json()
        out["rollback_rate"] = self.rollback_rate.to_json()
        out["rollbacks_by_reason"] = {k: r.to_json() for k, r in self.rollbacks_by_reason.items()}
        out["calibration"] = self.calibration.to_json()
        out["approvals"] = self.approvals.to_json()
        out["failure_signatures"] = [{"signature": s.signature_id, "text": s.text, "phase": s.phase,
                                      "count": s.count, "services": list(s.services)}
                                     for s in self.failure_signatures]
        out["daily"] = self.daily.to_json()
        return out


@dataclass(frozen=True)
class ReportResult(JsonResult):
    period: str                              # day | week | month
    environment: str
    timezone: str
    services: list[str]
    generated_at: str
    minimum_count: int
    definitions: dict[str, str]
    bands: dict[str, str]
    current: PeriodFigures
    previous: PeriodFigures | None = field(default=None, kw_only=True, metadata=OMIT_IF_NONE)
