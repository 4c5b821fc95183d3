"""Uptime arithmetic (pure): counts over a window, the ratio, the error budget, latency buckets.

A window's uptime is the share of good checks; its error budget is the bad time the SLO allows over the
window, minus the bad time the checks measured (each failed check stands for its probe interval).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

# Upper bounds (ms) of the probe latency histogram kept per hour; the last bucket is everything slower.
LATENCY_BUCKETS_MS: tuple[float, ...] = (5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000)
HOUR = 3600


def bucket_index(latency_ms: float) -> int:
    """Index into a histogram of len(LATENCY_BUCKETS_MS) + 1 counts (le semantics, like Prometheus)."""
    return bisect.bisect_left(LATENCY_BUCKETS_MS, latency_ms)


def empty_buckets() -> list[int]:
    return [0] * (len(LATENCY_BUCKETS_MS) + 1)


def hour_of(at: float) -> int:
    return int(at // HOUR) * HOUR


@dataclass(frozen=True)
class WindowCounts:
    """What the checks of one window add up to."""

    checks: int = 0
    failures: int = 0
    bad_seconds: float = 0.0
    lost: int = 0
    latency_sum_ms: float = 0.0
    latency_buckets: tuple[int, ...] = field(default_factory=lambda: tuple(empty_buckets()))

    def __add__(self, other: WindowCounts) -> WindowCounts:
        return WindowCounts(
            checks=self.checks + other.checks, failures=self.failures + other.failures,
            bad_seconds=self.bad_seconds + other.bad_seconds, lost=self.lost + other.lost,
            latency_sum_ms=self.latency_sum_ms + other.latency_sum_ms,
            latency_buckets=tuple(a + b for a, b in zip(self.latency_buckets, other.latency_buckets, strict=True)))

    @property
    def ratio(self) -> float | None:
        """Good checks / checks; None when nothing was checked (insufficient data, never 100 %)."""
        return None if self.checks == 0 else (self.checks - self.failures) / self.checks


def total(parts: Iterable[WindowCounts]) -> WindowCounts:
    out = WindowCounts()
    for part in parts:
        out = out + part
    return out


def counts_of(samples: Sequence[tuple[bool, float | None, float]]) -> WindowCounts:
    """(ok, latency_ms, span_seconds) samples -> their counts."""
    buckets = empty_buckets()
    latency_sum = 0.0
    failures, bad = 0, 0.0
    for ok, latency, span in samples:
        if not ok:
            failures += 1
            bad += span
        if latency is not None:
            buckets[bucket_index(latency)] += 1
            latency_sum += latency
    return WindowCounts(checks=len(samples), failures=failures, bad_seconds=bad,
                        latency_sum_ms=latency_sum, latency_buckets=tuple(buckets))


@dataclass(frozen=True)
class ErrorBudget:
    target: float              # percent, e.g. 99.9
    window_seconds: float
    allowed_minutes: float     # (1 - target) x window
    spent_minutes: float       # bad time measured in the window
    left_minutes: float        # may be negative: the SLO is broken

    @property
    def left_ratio(self) -> float:
        return 0.0 if self.allowed_minutes <= 0 else self.left_minutes / self.allowed_minutes


def error_budget(target: float, window_seconds: float, bad_seconds: float) -> ErrorBudget:
    allowed = (1 - target / 100) * window_seconds / 60
    spent = bad_seconds / 60
    return ErrorBudget(target=target, window_seconds=window_seconds, allowed_minutes=allowed,
                       spent_minutes=spent, left_minutes=allowed - spent)
