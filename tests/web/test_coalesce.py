"""The kept read many clients poll (web/coalesce.py FreshRead): renewal in the background, earlier when reads are
slow, and the staleness bound. Pure orchestration: a fake clock and plain functions (the real reads are tested
through serve in test_web_kept_status.py)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from shipmate.web.coalesce import FreshRead
from tests.waiting import wait_until


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _reads(clock: Clock, takes: float) -> tuple[list[int], Callable[[], int]]:
    """A read that takes ``takes`` seconds of the fake clock; returns (calls, compute)."""
    calls: list[int] = []
    lock = threading.Lock()

    def compute() -> int:
        with lock:
            calls.append(len(calls) + 1)
            clock.now += takes
            return len(calls)
    return calls, compute


def test_a_fast_read_is_kept_until_refresh_after_then_renewed_in_the_background() -> None:
    clock = Clock()
    kept: FreshRead[int] = FreshRead(refresh_after=0.25, max_age=1.0, clock=clock)
    calls, compute = _reads(clock, 0.01)
    assert kept.peek("k", compute) is None                   # nothing kept yet: the caller reads
    assert kept.read("k", compute)[1] == 1
    clock.now += 0.2
    assert kept.peek("k", compute) == (100.0, 1) and calls == [1]   # young: no renewal
    clock.now += 0.1
    assert kept.peek("k", compute) == (100.0, 1)             # answered at once, a renewal starts
    wait_until(lambda: kept.read("k", compute)[1] == 2, 10, "the background renewal")
    assert calls == [1, 2]


def test_while_a_slow_renewal_runs_the_last_read_still_answers_up_to_hard_max_age() -> None:
    clock = Clock()
    kept: FreshRead[int] = FreshRead(refresh_after=0.25, max_age=1.0, hard_max_age=5.0, clock=clock)
    started, finish = threading.Event(), threading.Event()
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        if len(calls) > 1:          # the renewal: hangs until the test lets it end
            started.set()
            finish.wait(10)
        return len(calls)
    kept.read("k", compute)
    clock.now += 0.5
    assert kept.peek("k", compute) == (100.0, 1)             # starts the renewal
    assert started.wait(10)
    clock.now += 2.0
    assert kept.peek("k", compute) == (100.0, 1)             # 2.5 s old, but a renewal runs: answered
    clock.now += 3.0
    assert kept.peek("k", compute) is None                   # 5.5 s: past hard_max_age, the caller reads
    finish.set()


def test_nothing_older_than_max_age_is_answered_unless_a_renewal_runs() -> None:
    clock = Clock()
    kept: FreshRead[int] = FreshRead(refresh_after=0.25, max_age=1.0, hard_max_age=5.0, clock=clock)
    calls, compute = _reads(clock, 0.0)
    kept.read("k", compute)
    clock.now += 1.0
    assert kept.peek("k", compute) is None                   # 1 s old and nothing renews: the caller reads
    assert kept.read("k", compute) == (101.0, 2) and calls == [1, 2]
    kept.forget()
    assert kept.peek("k", compute) is None                   # a change through the API drops every kept read


def test_keys_past_max_keys_drop_every_kept_read_so_client_chosen_keys_cannot_grow_it() -> None:
    clock = Clock()
    kept: FreshRead[int] = FreshRead(refresh_after=1.0, max_age=2.0, max_keys=3, clock=clock)
    for key in ("a", "b", "c"):
        kept.read(key, lambda: 1)
    assert kept.peek("a", lambda: 1) is not None
    kept.read("d", lambda: 1)                                 # a fourth key: the three kept reads go
    assert [kept.peek(key, lambda: 1) is None for key in ("a", "b", "c")] == [True, True, True]
    assert kept.peek("d", lambda: 1) is not None
