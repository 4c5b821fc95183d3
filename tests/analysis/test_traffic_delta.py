"""Per-tick increments from the router's cumulative counters: baseline, restarts, joiners, leavers, sides."""

from __future__ import annotations

from shipmate.analysis import histogram
from shipmate.analysis.traffic_delta import Side, TrafficDeltas
from shipmate.traffic import BackendStats, RouteStats


def backend(address: str, version: str, requests: int, s5xx: int = 0, errors: int = 0, instance_id: str = "",
            fast: int | None = None) -> BackendStats:
    h = histogram.LatencyHistogram()
    for _ in range(requests if fast is None else fast):
        h.record(5.0)
    for _ in range(0 if fast is None else requests - fast):
        h.record(3000.0)
    return BackendStats(address=address, version=version, instance_id=instance_id, weight=100, role="stable",
                        member=True, in_flight=0, open_connections=0, requests=requests, status_5xx=s5xx,
                        errors=errors, latency_bounds_ms=histogram.BOUNDS_MS, latency_counts=h.snapshot())


def route(*backends: BackendStats) -> RouteStats:
    return RouteStats(port=8080, mode="http", backends=backends)


def test_what_was_counted_before_the_window_opened_is_not_judged() -> None:
    deltas = TrafficDeltas(Side("2"))
    deltas.prime(route(backend("a:1", "2", 500, s5xx=400)))
    new, stable = deltas.advance(route(backend("a:1", "2", 530, s5xx=401)))
    assert (new.requests, new.status_5xx, stable) == (30, 1, None)
    assert histogram.total(new.latency_counts) == 30


def test_each_tick_gets_only_what_happened_since_the_previous_one() -> None:
    deltas = TrafficDeltas(Side("2"))
    deltas.prime(route(backend("a:1", "2", 0)))
    first, _ = deltas.advance(route(backend("a:1", "2", 10, s5xx=2)))
    second, _ = deltas.advance(route(backend("a:1", "2", 25, s5xx=2, errors=1, fast=20)))
    assert (first.requests, first.failures) == (10, 2)
    assert (second.requests, second.failures) == (15, 1)
    assert histogram.percentile_ms(second.latency_counts, 95) is not None
    assert histogram.percentile_ms(second.latency_counts, 95) >= 3000  # the 5 slow ones are in this tick


def test_a_backend_whose_counters_went_down_restarted_and_counts_from_zero() -> None:
    deltas = TrafficDeltas(Side("2"))
    deltas.prime(route(backend("a:1", "2", 100)))
    new, _ = deltas.advance(route(backend("a:1", "2", 7, s5xx=3)))
    assert (new.requests, new.status_5xx) == (7, 3)


def test_a_backend_that_joins_mid_window_counts_everything_and_one_that_left_counts_nothing_more() -> None:
    deltas = TrafficDeltas(Side("2"))
    deltas.prime(route(backend("a:1", "2", 10)))
    new, _ = deltas.advance(route(backend("a:1", "2", 12), backend("b:2", "2", 5, s5xx=1)))
    assert (new.requests, new.status_5xx) == (7, 1)
    gone, _ = deltas.advance(route(backend("b:2", "2", 5, s5xx=1)))
    assert gone.requests == 0
    nothing, _ = deltas.advance(None)
    assert nothing.requests == 0


def test_new_and_stable_sides_are_counted_at_the_same_moments() -> None:
    deltas = TrafficDeltas(Side("2"), Side("1"))
    deltas.prime(route(backend("a:1", "2", 0), backend("s:1", "1", 1000, s5xx=5), backend("x:9", "0", 3)))
    new, stable = deltas.advance(route(backend("a:1", "2", 20, s5xx=4), backend("s:1", "1", 1080, s5xx=6),
                                       backend("x:9", "0", 50)))
    assert (new.requests, new.status_5xx) == (20, 4)
    assert stable is not None and (stable.requests, stable.status_5xx) == (80, 1)


def test_instances_are_matched_by_id_when_the_router_knows_them() -> None:
    side = Side("2", frozenset({"i-new"}))
    assert side.holds(backend("a:1", "2", 0, instance_id="i-new"))
    assert not side.holds(backend("b:1", "2", 0, instance_id="i-old-same-version"))
    assert side.holds(backend("c:1", "2", 0))  # no instance id known: the version decides
    assert not Side("").holds(backend("d:1", "", 0))
