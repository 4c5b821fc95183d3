"""Properties of the window rules that tables cannot cover: over every input, not just chosen ones."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from shipmate.analysis.observations import ProbeSample, Traffic, TrafficSample
from shipmate.analysis.rules import Rules, lower_bound, upper_bound
from shipmate.analysis.stats import percentile
from shipmate.analysis.window import Window, judge
from shipmate.model import Phase


@given(st.lists(st.floats(min_value=0, max_value=1e6, allow_nan=False), min_size=1, max_size=200),
       st.floats(min_value=1, max_value=100))
def test_percentile_is_one_of_the_values_and_monotonic(values: list[float], q: float) -> None:
    p = percentile(values, q)
    assert p in values
    assert percentile(values, min(100.0, q + 1)) >= p


@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=1, max_value=10_000))
def test_the_confidence_bounds_enclose_the_observed_rate(hits: int, n: int) -> None:
    hits = min(hits, n)
    assert 0.0 <= lower_bound(hits, n) <= hits / n <= upper_bound(hits, n) <= 1.0


@given(st.lists(st.booleans(), min_size=1, max_size=100))
def test_a_probe_window_that_passes_never_has_an_error_rate_above_the_threshold(oks: list[bool]) -> None:
    rules = Rules(duration_s=float(len(oks)), interval_s=1.0, error_rate=0.1, p95_ms=100, min_samples=1)
    window = Window(start=0.0, ticks=[float(i) for i in range(len(oks))],
                    probes=[ProbeSample(float(i), ok, 1.0) for i, ok in enumerate(oks)])
    verdict = judge(window, rules, now=float(len(oks) - 1), final=True)
    assert verdict is not None
    if verdict.phase is Phase.PASS:
        assert verdict.error_rate <= 0.1


@given(st.lists(st.tuples(st.integers(0, 500), st.integers(0, 500)), min_size=1, max_size=30))
def test_router_traffic_that_passes_is_under_the_threshold_and_an_early_fail_is_really_over(
        ticks: list[tuple[int, int]]) -> None:
    rules = Rules(duration_s=float(len(ticks)), interval_s=1.0, error_rate=0.05, p95_ms=None, min_requests=20)
    window = Window(start=0.0, sources=frozenset({"router"}))
    for i, (requests, bad) in enumerate(ticks):
        window.ticks.append(float(i))
        window.traffic.append(TrafficSample(float(i), Traffic(requests, min(bad, requests))))
        early = judge(window, rules, now=float(i), final=False)
        if early is not None:
            assert early.phase is Phase.FAIL and early.decided_by == "router.error_rate"
            deciding = next(r for r in early.evidence["rules"] if r["status"] == "fail")
            assert deciding["observed"] > deciding["threshold"] == 0.05
            return
    final = judge(window, rules, now=float(len(ticks) - 1), final=True)
    assert final is not None
    total = window.new_traffic()
    if final.phase is Phase.PASS:
        assert total.requests >= 20 and total.error_rate <= 0.05
    json.dumps(final.as_dict())


def test_a_healthy_release_at_one_percent_errors_is_not_failed_early_over_a_long_window() -> None:
    # 100 ticks of 100 requests with ~1 % errors: repeated looks must not turn noise into a rollback.
    rules = Rules(duration_s=100, interval_s=1, error_rate=0.05, p95_ms=None)
    window = Window(start=0.0, sources=frozenset({"router"}))
    for i in range(100):
        window.ticks.append(float(i))
        window.traffic.append(TrafficSample(float(i), Traffic(100, 1 + (i % 7 == 0) * 3)))
        assert judge(window, rules, now=float(i), final=False) is None
    final = judge(window, rules, now=99.0, final=True)
    assert final is not None and final.phase is Phase.PASS
