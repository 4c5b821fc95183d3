"""Row types of the uptime tables (store/uptime.py): what callers hand in and get back."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class UptimeSample:
    """One check of a service/environment from outside (source probe) or a supervision fact that counts."""

    service: str
    environment: str
    at: float                   # wall time (label, hour key)
    ok: bool
    latency_ms: float | None
    span_seconds: float         # the time the sample stands for (the probe interval; 0 for a death/restart)
    source: str = "probe"       # probe | death | restart | liveness
    detail: str | None = None


@dataclass(frozen=True)
class IncidentRow:
    id: str
    service: str
    environment: str
    started_at: float
    ended_at: float | None
    duration_seconds: float | None
    cause: str

    @property
    def open(self) -> bool:
        return self.ended_at is None

    def duration_until(self, now: float) -> float:
        """Stored (monotonic) duration when closed; else wall time so far, never negative."""
        if self.duration_seconds is not None:
            return self.duration_seconds
        return max(0.0, (self.ended_at if self.ended_at is not None else now) - self.started_at)


@dataclass(frozen=True)
class AlertRow:
    service: str
    environment: str
    alert: str                  # down | page | ticket
    firing: bool
    since: float
    notified_at: float | None
    detail: str
