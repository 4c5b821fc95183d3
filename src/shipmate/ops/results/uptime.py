"""What `shipmate uptime` and the uptime read function (ops/common/uptime_reading.py) return."""

from __future__ import annotations

from dataclasses import dataclass, field

from shipmate.ops.results.json_result import OMIT_IF_NONE, JsonResult


@dataclass(frozen=True)
class Incident(JsonResult):
    """A down -> up incident; duration is monotonic-measured when one serve saw both ends."""

    id: str
    started_at: float
    ended_at: float | None          # None: still down
    duration_seconds: float         # so far, for an open incident
    cause: str


@dataclass(frozen=True)
class ErrorBudgetView(JsonResult):
    target_percent: float
    window: str                     # "30d" | "month" | "period"
    allowed_minutes: float
    spent_minutes: float
    left_minutes: float             # negative: the SLO is broken


@dataclass(frozen=True)
class UptimePeriod(JsonResult):
    """Uptime of one service/environment over [since, until): what reports and `uptime` build on."""

    service: str
    environment: str
    since: float
    until: float
    checks: int
    failures: int
    lost: int                       # samples dropped while the store was unreachable (never counted as checks)
    uptime_percent: float | None    # None: no checks in the period (insufficient data)
    incidents: list[Incident]
    mttr_seconds: float | None      # mean duration of the incidents that ended in the period
    error_budget: ErrorBudgetView | None = field(default=None, kw_only=True, metadata=OMIT_IF_NONE)


@dataclass(frozen=True)
class UptimeWindow(JsonResult):
    window: str                     # 24h | 7d | 30d | slo
    seconds: float
    checks: int
    uptime_percent: float | None


@dataclass(frozen=True)
class EnvironmentUptime(JsonResult):
    environment: str
    windows: list[UptimeWindow]
    slo: ErrorBudgetView | None
    incidents: list[Incident]       # of the longest window shown, newest first
    down: bool                      # an incident is open now


@dataclass(frozen=True)
class UptimeResult(JsonResult):
    service: str
    environments: list[EnvironmentUptime]
    never_deployed: bool = False
