"""The verdict's per-tick series: what the dashboard's window chart draws, new beside stable."""

from __future__ import annotations

import json

import pytest

from shipmate.analysis import histogram
from shipmate.analysis.observations import ProbeSample, Traffic, TrafficSample
from shipmate.analysis.rules import Rules
from shipmate.analysis.tick_series import MAX_POINTS, tick_series
from shipmate.analysis.window import Window, judge


def _latencies(*ms: float) -> tuple[int, ...]:
    hist = histogram.LatencyHistogram()
    for value in ms:
        hist.record(value)
    return hist.snapshot()


def test_router_ticks_give_error_rate_and_p95_of_new_beside_stable() -> None:
    traffic = [TrafficSample(10.5, Traffic(10, 1, 0, _latencies(*[20.0] * 10)), Traffic(20, 0, 0, _latencies(5.0))),
               TrafficSample(11.0, Traffic(4, 0, 2, _latencies(300.0, 300.0)), Traffic())]
    series = tick_series(10.0, traffic, [ProbeSample(10.5, True, 1.0)])
    assert series["source"] == "router"
    first, second = series["points"]  # type: ignore[misc]
    assert first["t"] == 0.5 and first["new"]["requests"] == 10 and first["new"]["error_rate"] == 0.1
    assert 20.0 <= first["new"]["p95_ms"] <= 22.5            # the histogram's bucket edge, ~10 % wide
    assert first["stable"] == {"requests": 20, "error_rate": 0.0, "p95_ms": pytest.approx(5.0, rel=0.11)}
    assert second["new"]["error_rate"] == 0.5 and second["stable"]["p95_ms"] is None   # no requests: no p95


@pytest.mark.parametrize(("ok", "latency", "rate", "p95"), [
    (True, 9.0, 0.0, 9.0),
    (False, 100.0, 1.0, None),     # a failed probe's latency is not a response time
])
def test_without_requests_each_probe_tick_is_a_point(ok: bool, latency: float, rate: float,
                                                     p95: float | None) -> None:
    probes = [ProbeSample(1.0, True, 2.0), ProbeSample(2.5, ok, latency)]
    series = tick_series(0.0, [TrafficSample(0.0, Traffic())], probes)
    assert series["source"] == "probes"
    assert series["points"] == [  # one point per probe tick, no stable side to compare
        {"t": 1.0, "new": {"requests": 1, "error_rate": 0.0, "p95_ms": 2.0}, "stable": None},
        {"t": 2.5, "new": {"requests": 1, "error_rate": rate, "p95_ms": p95}, "stable": None}]


def test_a_long_window_is_folded_without_losing_requests() -> None:
    traffic = [TrafficSample(float(i), Traffic(3, 1 if i % 2 else 0)) for i in range(1000)]
    points = tick_series(0.0, traffic, [])["points"]
    assert len(points) <= MAX_POINTS  # type: ignore[arg-type]
    assert sum(p["new"]["requests"] for p in points) == 3000  # type: ignore[union-attr,index]
    assert points[-1]["t"] == 999.0  # type: ignore[index]


def test_nothing_observed_is_an_empty_series() -> None:
    assert tick_series(0.0, [], []) == {"source": None, "points": []}


def test_the_verdict_carries_the_series_as_json() -> None:
    window = Window(start=0.0, sources=frozenset({"router", "probes"}))
    for i in range(3):
        window.ticks.append(float(i))
        window.traffic.append(TrafficSample(float(i), Traffic(50, 25 if i == 2 else 0, 0, _latencies(*[10.0] * 50))))
        window.probes.append(ProbeSample(float(i), True, 3.0))
    rules = Rules(duration_s=3, interval_s=1, error_rate=0.05, p95_ms=1000, min_samples=3)
    verdict = judge(window, rules, now=2.0, final=True)
    assert verdict is not None
    series = json.loads(json.dumps(verdict.as_dict()))["evidence"]["series"]
    assert series["source"] == "router" and [p["new"]["error_rate"] for p in series["points"]] == [0.0, 0.0, 0.5]
