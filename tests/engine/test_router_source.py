"""The router source against a fake TrafficRouter: baseline, per-tick deltas, sides, and routers that cannot tell."""

from __future__ import annotations

from typing import Any

from shipmate.analysis.traffic_delta import Side
from shipmate.analysis.window import Window
from shipmate.engine.monitor_sources import RouterSource
from shipmate.errors import TargetError
from shipmate.traffic import Backend
from tests.engine.fake_router import FakeTrafficRouter


def _router() -> FakeTrafficRouter:
    router = FakeTrafficRouter(8080)
    router.add(Backend("127.0.0.1", 5001, version="1", instance_id="old", role="stable"))
    router.add(Backend("127.0.0.1", 5002, version="2", instance_id="new", role="canary"))
    return router


def test_the_window_sees_only_requests_after_it_opened_and_each_tick_its_own() -> None:
    router = _router()
    router.serve("127.0.0.1:5002", 100, status_5xx=50)        # before the window: not judged
    source = RouterSource(router.stats, 8080, Side("2", frozenset({"new"})), Side("1"))
    assert source.open()
    window = Window(start=0.0, sources=frozenset({"router"}))
    router.serve("127.0.0.1:5002", 10, status_5xx=4)
    router.serve("127.0.0.1:5001", 30, status_5xx=1)
    source.observe(window, 1.0)
    router.serve("127.0.0.1:5002", 5, errors=1, ms=700)
    source.observe(window, 2.0)
    first, second = window.traffic
    assert (first.new.requests, first.new.failures) == (10, 4)
    assert first.stable is not None and (first.stable.requests, first.stable.failures) == (30, 1)
    assert (second.new.requests, second.new.errors) == (5, 1)
    assert second.stable is not None and second.stable.requests == 0
    assert window.new_traffic().requests == 15
    assert router.stats_calls == 3  # one round trip per tick, plus the baseline


def test_a_tcp_route_or_a_missing_route_turns_the_router_source_off() -> None:
    tcp = FakeTrafficRouter(8080, mode="tcp")
    assert not RouterSource(tcp.stats, 8080, Side("2")).open()
    assert not RouterSource(_router().stats, 9999, Side("2")).open()


def test_a_router_that_fails_mid_window_counts_nothing_for_that_tick_and_does_not_raise() -> None:
    router = _router()
    source = RouterSource(router.stats, 8080, Side("2"))
    assert source.open()
    broken = {"on": True}

    def flaky(port: int) -> Any:
        if broken["on"]:
            raise TargetError("router control socket: connection refused")
        return router.stats(port)

    source.stats = flaky
    window = Window(start=0.0, sources=frozenset({"router"}))
    router.serve("127.0.0.1:5002", 8)
    source.observe(window, 1.0)
    broken["on"] = False
    source.observe(window, 2.0)
    assert [t.new.requests for t in window.traffic] == [0, 8]
