"""The report's other figures (pure): success rate, rollbacks by reason, confidence calibration, approvals, and
the per-day series the charts draw. A day without data is ``None`` there, never 0 (fourkeys #116)."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from itertools import pairwise
from typing import Any

from shipmate.analysis.dora import MIN_COUNT, ChangeOutcome
from shipmate.analysis.report_facts import ApprovalFact, Period

CALIBRATION_EDGES = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)


@dataclass(frozen=True)
class Rate:
    numerator: int
    denominator: int

    @property
    def percent(self) -> float | None:
        return None if self.denominator == 0 else 100.0 * self.numerator / self.denominator

    def to_json(self) -> dict[str, Any]:
        return {"percent": self.percent, "count": self.numerator, "of": self.denominator}


@dataclass(frozen=True)
class CalibrationBucket:
    low: float
    high: float
    count: int
    predicted: float | None             # mean confidence of the bucket's deployments
    actual: float | None                # share of them that were not change failures

    def to_json(self) -> dict[str, Any]:
        return {"low": self.low, "high": self.high, "count": self.count, "predicted": self.predicted,
                "actual": self.actual}


@dataclass(frozen=True)
class Calibration:
    brier: float | None
    scored: int                         # production deployments with a confidence score
    buckets: tuple[CalibrationBucket, ...]
    note: str

    def to_json(self) -> dict[str, Any]:
        return {"brier": self.brier, "scored": self.scored, "buckets": [b.to_json() for b in self.buckets],
                "note": self.note}


@dataclass(frozen=True)
class Approvals:
    requested: int
    by_state: dict[str, int]
    decided: int
    median_wait_seconds: float | None

    def to_json(self) -> dict[str, Any]:
        return {"requested": self.requested, "by_state": dict(self.by_state), "decided": self.decided,
                "median_wait_seconds": self.median_wait_seconds}


def success_rate(outcomes: Sequence[ChangeOutcome]) -> Rate:
    return Rate(sum(1 for o in outcomes if o.deploy.state == "succeeded"), len(outcomes))


def rollbacks_by_reason(outcomes: Sequence[ChangeOutcome]) -> dict[str, Rate]:
    """Production deployments that were rolled back, by why, each over all production deployments."""
    reasons = Counter(o.reason for o in outcomes if o.failed and o.reason != "failed")
    return {reason: Rate(n, len(outcomes)) for reason, n in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))
            if reason is not None}


def calibration(outcomes: Sequence[ChangeOutcome]) -> Calibration:
    """Brier score of the confidence score against "this change did not fail" (0 is perfect, 0.25 is a coin)."""
    scored = [(o.deploy.confidence, 0.0 if o.failed else 1.0) for o in outcomes if o.deploy.confidence is not None]
    pairs = [(float(p), y) for p, y in scored if p is not None]
    buckets: list[CalibrationBucket] = []
    for low, high in pairwise(CALIBRATION_EDGES):
        inside = [(p, y) for p, y in pairs if low <= p < high or (high == 1.0 and p == 1.0)]
        buckets.append(CalibrationBucket(low, high, len(inside),
                                         statistics.fmean(p for p, _ in inside) if inside else None,
                                         statistics.fmean(y for _, y in inside) if inside else None))
    if len(pairs) < MIN_COUNT:
        return Calibration(None, len(pairs), tuple(buckets),
                           f"insufficient data: {len(pairs)} scored deployments (minimum {MIN_COUNT})")
    brier = statistics.fmean((p - y) ** 2 for p, y in pairs)
    return Calibration(brier, len(pairs), tuple(buckets), "")


def approvals(facts: Sequence[ApprovalFact], environment: str, period: Period) -> Approvals:
    inside = [a for a in facts if a.environment == environment and period.contains(a.requested_at)]
    waits = [a.decided_at - a.requested_at for a in inside if a.decided_at is not None]
    return Approvals(len(inside), dict(sorted(Counter(a.state for a in inside).items())), len(waits),
                     statistics.median(waits) if waits else None)


@dataclass(frozen=True)
class DailySeries:
    labels: tuple[str, ...]
    deploys: tuple[float | None, ...]          # production deployments that ended (0 is a real zero)
    failure_rate: tuple[float | None, ...]     # change failures / deployments that day, % (None: no deploys)
    recovery_minutes: tuple[float | None, ...]  # median recovery of failures detected that day (None: none)

    def to_json(self) -> dict[str, Any]:
        return {"labels": list(self.labels), "deploys": list(self.deploys), "failure_rate": list(self.failure_rate),
                "recovery_minutes": list(self.recovery_minutes)}


def daily_series(outcomes: Sequence[ChangeOutcome], period: Period, tz: tzinfo) -> DailySeries:
    starts = period.day_starts(tz)
    bounds = [*starts[1:], period.end]
    labels, deploys, rates, recovery = [], [], [], []
    recoveries = [(o.detected_at, (o.recovered_at - o.detected_at) / 60.0) for o in outcomes
                  if o.failed and o.detected_at is not None and o.recovered_at is not None]
    for start, end in zip(starts, bounds, strict=True):
        labels.append(datetime.fromtimestamp(start, tz).strftime("%a %d %b"))
        day = [o for o in outcomes if start <= o.deploy.started_at < end]
        deploys.append(float(len(day)))
        rates.append(100.0 * sum(1 for o in day if o.failed) / len(day) if day else None)
        times = [minutes for at, minutes in recoveries if start <= at < end]
        recovery.append(statistics.median(times) if times else None)
    return DailySeries(tuple(labels), tuple(deploys), tuple(rates), tuple(recovery))
