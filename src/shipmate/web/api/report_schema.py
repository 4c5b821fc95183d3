"""The OpenAPI schema of `GET .../report?format=json`: the shape ReportResult.to_json() gives (the same object
`shipmate report --format json` prints). ReportResult's own fields hold analysis types (Rate, Metric, ...) that
serialise themselves differently, so the published shape is spelled out here, field for field."""

from __future__ import annotations

from pydantic import BaseModel


class RateOut(BaseModel):
    percent: float | None
    count: int
    of: int


class MetricOut(BaseModel):
    key: str
    value: float | None
    unit: str
    band: str | None
    status: str
    counts: dict[str, int]
    note: str
    definition: str
    bands: str


class BucketOut(BaseModel):
    low: float
    high: float
    count: int
    predicted: float | None
    actual: float | None


class CalibrationOut(BaseModel):
    brier: float | None
    scored: int
    buckets: list[BucketOut]
    note: str


class ApprovalsOut(BaseModel):
    requested: int
    by_state: dict[str, int]
    decided: int
    median_wait_seconds: float | None


class UptimeLineOut(BaseModel):
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
    daily_percent: list[float | None]


class SignatureOut(BaseModel):
    signature: str
    text: str
    phase: str
    count: int
    services: list[str]


class DailyOut(BaseModel):
    labels: list[str]
    deploys: list[float | None]
    failure_rate: list[float | None]
    recovery_minutes: list[float | None]


class PeriodOut(BaseModel):
    start: str
    end: str
    empty: bool
    dora: dict[str, MetricOut]
    success_rate: RateOut
    rollback_rate: RateOut
    rollbacks_by_reason: dict[str, RateOut]
    calibration: CalibrationOut
    approvals: ApprovalsOut
    uptime: list[UptimeLineOut]
    uptime_note: str
    incident_mttr_seconds: float | None
    incidents: int
    failure_signatures: list[SignatureOut]
    daily: DailyOut


class ReportOut(BaseModel):
    """As `shipmate report --format json` (without the CLI's ok/command envelope)."""

    period: str
    environment: str
    timezone: str
    services: list[str]
    generated_at: str
    minimum_count: int
    definitions: dict[str, str]
    bands: dict[str, str]
    current: PeriodOut
    previous: PeriodOut | None = None
