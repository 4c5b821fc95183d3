"""ops.window_charts draws the verdict's per-tick series: error rate and p95, new beside stable."""

from __future__ import annotations

from shipmate import ops


def _verdict(stable: bool) -> dict[str, object]:
    side = {"requests": 10, "error_rate": 0.5, "p95_ms": 12.0}
    points = [{"t": 0.5, "new": side, "stable": dict(side, error_rate=0.0) if stable else None},
              {"t": 1.0, "new": dict(side, p95_ms=None), "stable": None}]
    return {"phase": "fail", "evidence": {"series": {"source": "router", "points": points}}}


def test_two_charts_with_new_and_stable_when_compared() -> None:
    rate, p95 = ops.window_charts(_verdict(stable=True), chart_id="dep_x")
    assert rate.startswith("<svg") and "Error rate per tick (router traffic)" in rate and "50%" in rate
    assert 'data-series="new"' in rate and 'data-series="stable"' in rate
    assert "p95 latency per tick" in p95 and 'id="dep_x-p95' in p95


def test_only_the_new_side_without_a_comparison_and_nothing_without_a_series() -> None:
    rate, _ = ops.window_charts(_verdict(stable=False))
    assert 'data-series="stable"' not in rate
    assert ops.window_charts(None) == [] and ops.window_charts({"phase": "pass", "evidence": {}}) == []
