"""What a report is computed from: plain rows the store reads for a period, and the period itself (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

PERIODS = ("day", "week", "month")
DAY_S = 86_400.0


@dataclass(frozen=True)
class DeployFact:
    """One deployment row (any kind) with its release's version; times are unix seconds."""

    id: str
    service: str
    environment: str
    kind: str                       # deploy | rollback | down | recover
    state: str                      # planned ... succeeded | rolled_back | failed
    version: str
    started_at: float
    finished_at: float | None
    actor: str
    error: str | None
    confidence: float | None        # the score (0..1) the deployment was given before it ran
    rolling_back_at: float | None   # when it started rolling back (failure detected), if it did
    monitor_failed: bool            # its monitor window gave a rollback verdict


@dataclass(frozen=True)
class AutoRollback:
    """`serve` decided on an automatic rollback (crash loop) at ``at``; the rollback's deployment follows."""

    service: str
    environment: str
    at: float
    version: str


@dataclass(frozen=True)
class ApprovalFact:
    service: str
    environment: str
    state: str                      # pending | approved | rejected | expired | withdrawn | used ...
    requested_at: float
    decided_at: float | None


@dataclass(frozen=True)
class SignatureCount:
    signature_id: str
    text: str
    phase: str
    count: int
    services: tuple[str, ...]


@dataclass(frozen=True)
class Period:
    """[start, end) in unix seconds; ``days`` are its calendar days in ``tz`` (labels of the charts)."""

    kind: str
    start: float
    end: float
    tz_name: str

    def contains(self, t: float | None) -> bool:
        return t is not None and self.start <= t < self.end

    def previous(self) -> Period:
        return Period(self.kind, self.start - (self.end - self.start), self.start, self.tz_name)

    def day_starts(self, tz: tzinfo) -> list[float]:
        """Start of each local calendar day that overlaps the period (the chart buckets)."""
        first = datetime.fromtimestamp(self.start, tz).replace(hour=0, minute=0, second=0, microsecond=0)
        out: list[float] = []
        day = first
        while day.timestamp() < self.end:
            out.append(max(day.timestamp(), self.start))
            day = day + timedelta(days=1)   # wall-clock arithmetic: the next local midnight, DST or not
        return out


def period_ending(kind: str, end: datetime) -> Period:
    """The period of ``kind`` that ends at ``end`` (an aware datetime): day = 24 h, week = 7 days, month =
    one calendar month back (so 1 May 08:00 -> 1 Jun 08:00)."""
    if kind not in PERIODS:
        raise ValueError(f"unknown period {kind!r}")
    if kind == "day":
        start = end - timedelta(days=1)
    elif kind == "week":
        start = end - timedelta(days=7)
    else:
        year, month = (end.year, end.month - 1) if end.month > 1 else (end.year - 1, 12)
        start = end.replace(year=year, month=month, day=min(end.day, _days_in(year, month)))
    return Period(kind, start.timestamp(), end.timestamp(), str(end.tzinfo))


def period_from(kind: str, start: datetime) -> Period:
    """The period of ``kind`` that starts at ``start`` (``--since``)."""
    if kind == "day":
        end = start + timedelta(days=1)
    elif kind == "week":
        end = start + timedelta(days=7)
    elif kind == "month":
        year, month = (start.year, start.month + 1) if start.month < 12 else (start.year + 1, 1)
        end = start.replace(year=year, month=month, day=min(start.day, _days_in(year, month)))
    else:
        raise ValueError(f"unknown period {kind!r}")
    return Period(kind, start.timestamp(), end.timestamp(), str(start.tzinfo))


def _days_in(year: int, month: int) -> int:
    nxt = datetime(year + (month == 12), month % 12 + 1, 1)
    return (nxt - timedelta(days=1)).day
