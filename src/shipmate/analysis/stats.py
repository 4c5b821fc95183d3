"""Latency statistics for probe samples: nearest-rank percentiles and a small summary."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from shipmate.errors import InvalidInputError


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile: the smallest value with at least q% of the values <= it."""
    if not values:
        raise InvalidInputError("percentile of no values", hint="check the sample count first")
    if not 0 <= q <= 100:
        raise InvalidInputError(f"percentile {q} is outside 0..100", hint="use e.g. 95 for p95")
    ordered = sorted(values)
    rank = max(1, math.ceil(q * len(ordered) / 100))
    return ordered[rank - 1]


@dataclass(frozen=True)
class LatencySummary:
    """Latency figures in milliseconds; None when there were no samples (not zero: unknown)."""

    count: int
    p50: float | None
    p95: float | None
    p99: float | None
    max: float | None

    def as_dict(self) -> dict[str, object]:
        def rounded(value: float | None) -> float | None:
            return None if value is None else round(value, 2)

        return {"count": self.count, "p50_ms": rounded(self.p50), "p95_ms": rounded(self.p95),
                "p99_ms": rounded(self.p99), "max_ms": rounded(self.max)}


def summarize(values: Sequence[float]) -> LatencySummary:
    if not values:
        return LatencySummary(count=0, p50=None, p95=None, p99=None, max=None)
    return LatencySummary(count=len(values), p50=percentile(values, 50), p95=percentile(values, 95),
                          p99=percentile(values, 99), max=max(values))
