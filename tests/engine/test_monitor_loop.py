"""The monitoring loop on an injected clock: early detection timing, a frozen holder, progress cadence."""

from __future__ import annotations

import itertools
from typing import Any

from shipmate.analysis.observations import ProbeSample
from shipmate.analysis.rules import Rules
from shipmate.analysis.traffic_delta import Side
from shipmate.analysis.window import Window
from shipmate.engine.monitor import Clock, run_window
from shipmate.engine.monitor_sources import RouterSource
from shipmate.model import Phase
from shipmate.traffic import Backend
from tests.engine.fake_router import FakeTrafficRouter

NEW = "127.0.0.1:5002"


class FakeTime:
    """A clock whose sleep advances time; ``freeze(at, for_s)`` stalls the loop once, like SIGSTOP."""

    def __init__(self, start: float = 1000.0) -> None:
        self.t = start
        self.sleeps: list[float] = []
        self._freeze: tuple[float, float] | None = None

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds
        if self._freeze and self.t >= self._freeze[0]:
            self.t += self._freeze[1]
            self._freeze = None

    def freeze(self, at: float, for_s: float) -> None:
        self._freeze = (at, for_s)

    def clock(self) -> Clock:
        return Clock(now=self.now, sleep=self.sleep)


class HealthyProbes:
    """Stands in for the probe source: /health keeps answering 200 whatever real users get."""

    name = "probes"

    def observe(self, window: Window, at: float) -> None:
        window.probes.append(ProbeSample(at, True, 3.0))


def _traffic(time: FakeTime, router: FakeTrafficRouter, *, rate: float, bad_from: float | None,
             bad_share: float) -> dict[str, float]:
    """Users send ``rate`` req/s; from ``bad_from`` on, ``bad_share`` of them get a 500."""
    state = {"last": time.now(), "first_bad": -1.0, "carry": 0.0, "bad_carry": 0.0}

    def feed() -> None:
        now = time.now()
        span = now - state["last"]
        state["last"] = now
        state["carry"] += rate * span
        requests = int(state["carry"])
        state["carry"] -= requests
        bad = 0
        if bad_from is not None and now > bad_from:
            bad_span = min(span, now - bad_from)
            state["bad_carry"] += rate * bad_span * bad_share
            bad = min(requests, int(state["bad_carry"]))
            state["bad_carry"] -= bad
            if state["first_bad"] < 0:
                state["first_bad"] = bad_from
        router.serve(NEW, requests, status_5xx=bad)

    router.before_stats = feed
    return state


def _setup(time: FakeTime, **traffic: Any) -> tuple[list[Any], dict[str, float]]:
    router = FakeTrafficRouter(8080)
    router.add(Backend("127.0.0.1", 5002, version="2", instance_id="new"))
    state = _traffic(time, router, **traffic)
    source = RouterSource(router.stats, 8080, Side("2", frozenset({"new"})))
    assert source.open()
    return [source, HealthyProbes()], state


def test_forty_percent_500s_behind_a_healthy_health_check_fail_within_one_interval_and_a_second() -> None:
    time = FakeTime()
    start = time.now()
    for bad_after in (0.05, 2.5, 7.3, 14.9):
        time = FakeTime(start)
        sources, state = _setup(time, rate=50, bad_from=start + bad_after, bad_share=0.4)
        rules = Rules(duration_s=30, interval_s=1.0, error_rate=0.05, min_requests=20)
        verdict = run_window(sources, rules, time.clock(), lambda *_: None)
        assert verdict.phase is Phase.FAIL and verdict.decided_by == "router.error_rate", verdict.reasons
        took = time.now() - state["first_bad"]
        assert took <= rules.interval_s + 1.0, (bad_after, took)


def test_ten_percent_500s_under_a_five_percent_limit_are_caught_before_the_window_ends() -> None:
    time = FakeTime()
    sources, _ = _setup(time, rate=100, bad_from=time.now() + 3.0, bad_share=0.1)
    rules = Rules(duration_s=20, interval_s=1.0, error_rate=0.05)
    verdict = run_window(sources, rules, time.clock(), lambda *_: None)
    assert verdict.phase is Phase.FAIL and time.now() - 1000.0 < 20


def test_a_healthy_release_runs_the_whole_window_and_passes_with_full_coverage() -> None:
    time = FakeTime()
    sources, _ = _setup(time, rate=50, bad_from=None, bad_share=0.0)
    rules = Rules(duration_s=10, interval_s=1.0, error_rate=0.05)
    verdict = run_window(sources, rules, time.clock(), lambda *_: None)
    assert verdict.phase is Phase.PASS, verdict.reasons
    assert 9.9 <= time.now() - 1000.0 <= 10.1
    assert verdict.evidence["coverage"]["status"] == "pass"
    assert verdict.evidence["sources"]["router"]["requests"] >= 450


def test_a_loop_frozen_for_most_of_its_window_is_inconclusive_not_a_pass() -> None:
    time = FakeTime()
    sources, _ = _setup(time, rate=50, bad_from=None, bad_share=0.0)
    time.freeze(at=1002.0, for_s=15.0)  # like SIGSTOP on the deploying process
    rules = Rules(duration_s=20, interval_s=1.0, error_rate=0.05)
    verdict = run_window(sources, rules, time.clock(), lambda *_: None)
    assert verdict.phase is Phase.INCONCLUSIVE
    assert verdict.decided_by in ("coverage.min_coverage", "coverage.max_gap_s")
    assert "not really watched" in verdict.reasons[0] or "stalled" in verdict.reasons[0]


def test_a_short_freeze_that_leaves_enough_ticks_is_still_caught_as_a_gap() -> None:
    time = FakeTime()
    sources, _ = _setup(time, rate=50, bad_from=None, bad_share=0.0)
    time.freeze(at=1010.0, for_s=4.5)
    rules = Rules(duration_s=60, interval_s=1.0, error_rate=0.05)
    verdict = run_window(sources, rules, time.clock(), lambda *_: None)
    assert verdict.phase is Phase.INCONCLUSIVE and verdict.decided_by == "coverage.max_gap_s"


def test_progress_is_reported_at_least_every_two_seconds_even_with_a_long_interval() -> None:
    time = FakeTime()
    sources, _ = _setup(time, rate=50, bad_from=None, bad_share=0.0)
    seen: list[tuple[float, dict[str, Any]]] = []
    rules = Rules(duration_s=20, interval_s=5.0, error_rate=0.05, min_samples=3)
    verdict = run_window(sources, rules, time.clock(), lambda msg, data: seen.append((time.now(), data)))
    assert verdict.phase is Phase.PASS, verdict.reasons
    moments = [1000.0] + [at for at, _ in seen] + [time.now()]
    assert max(b - a for a, b in itertools.pairwise(moments)) <= 2.0 + 1e-9
    assert {"samples", "errors", "requests", "failed_requests", "remaining_s"} <= set(seen[-1][1])
    assert seen[-1][1]["requests"] > 0
