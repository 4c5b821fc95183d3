"""The monitor window as a series per tick: error rate and p95 of the new release beside the stable one. Pure.

The verdict keeps this in its evidence so the dashboard can draw what the monitor saw, tick by tick, after the
fact (the store keeps the verdict, not the samples). Router traffic is the series when real requests were
counted; otherwise each probe tick is a point. Long windows are folded into at most MAX_POINTS points.
"""

from __future__ import annotations

from collections.abc import Sequence
from math import ceil
from typing import TypeVar

from shipmate.analysis import histogram
from shipmate.analysis.observations import ProbeSample, Traffic, TrafficSample
from shipmate.analysis.stats import percentile

T = TypeVar("T")
MAX_POINTS = 120   # a chart wider than this many points shows nothing more, and the evidence stays small


def _side(traffic: Traffic) -> dict[str, object]:
    p95 = histogram.percentile_ms(traffic.latency_counts, 95) if traffic.requests else None
    return {"requests": traffic.requests, "error_rate": round(traffic.error_rate, 4),
            "p95_ms": None if p95 is None else round(p95, 2)}


def _fold_traffic(samples: Sequence[TrafficSample]) -> TrafficSample:
    new, stable = Traffic(), None
    for sample in samples:
        new = new.plus(sample.new)
        if sample.stable is not None:
            stable = (stable or Traffic()).plus(sample.stable)
    return TrafficSample(samples[-1].at, new, stable)


def _chunks(items: Sequence[T]) -> list[Sequence[T]]:
    size = max(1, ceil(len(items) / MAX_POINTS))
    return [items[i:i + size] for i in range(0, len(items), size)]


def traffic_series(start: float, samples: Sequence[TrafficSample]) -> list[dict[str, object]]:
    points = []
    for chunk in _chunks(samples):
        folded = _fold_traffic(chunk)
        points.append({"t": round(folded.at - start, 2), "new": _side(folded.new),
                       "stable": None if folded.stable is None else _side(folded.stable)})
    return points


def probe_series(start: float, samples: Sequence[ProbeSample]) -> list[dict[str, object]]:
    points = []
    for chunk in _chunks(samples):
        latencies = [s.latency_ms for s in chunk if s.ok]
        p95 = percentile(latencies, 95) if latencies else None
        failed = sum(1 for s in chunk if not s.ok)
        points.append({"t": round(chunk[-1].at - start, 2),
                       "new": {"requests": len(chunk), "error_rate": round(failed / len(chunk), 4),
                               "p95_ms": None if p95 is None else round(p95, 2)},
                       "stable": None})
    return points


def tick_series(start: float, traffic: Sequence[TrafficSample], probes: Sequence[ProbeSample]
                ) -> dict[str, object]:
    """{"source": "router" | "probes" | None, "points": [{"t", "new": {requests, error_rate, p95_ms}, "stable"}]}."""
    if any(s.new.requests or (s.stable is not None and s.stable.requests) for s in traffic):
        return {"source": "router", "points": traffic_series(start, traffic)}
    if probes:
        return {"source": "probes", "points": probe_series(start, probes)}
    return {"source": None, "points": []}
