"""Single flight: concurrent identical reads share one computation instead of queueing one each.

Under 64 clients polling `status`, each answer would otherwise wait for every read queued before it. A request
that arrives while the same read is in flight waits for that one and gets its answer: never older than the
moment the request arrived minus one read's duration, and nothing is kept after it is done (no cache)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


class _Flight(Generic[T]):
    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: T | None = None
        self.error: BaseException | None = None


class SingleFlight(Generic[T]):
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._flights: dict[Hashable, _Flight[T]] = {}

    def run(self, key: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            flight = self._flights.get(key)
            leader = flight is None
            if flight is None:
                flight = self._flights[key] = _Flight()
        if leader:
            try:
                flight.value = compute()
            except BaseException as exc:
                flight.error = exc
            finally:
                with self._lock:
                    del self._flights[key]
                flight.done.set()
        else:
            flight.done.wait()
        if flight.error is not None:
            raise flight.error
        return flight.value  # type: ignore[return-value]


class FreshRead(Generic[T]):
    """A read many clients poll (status): answered from the last read while it is younger than ``max_age``
    (or, while a renewal is already running, ``hard_max_age``); once older than ``refresh_after`` one
    background read renews it. The face sends the age as the Age header; a change made through this API
    drops every kept read."""

    def __init__(self, *, refresh_after: float = 0.25, max_age: float = 1.0, hard_max_age: float = 5.0,
                 max_keys: int | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        """``max_keys``: when the keys come from clients (tokens), more than this many drops every kept read."""
        self.clock = clock
        self.refresh_after = refresh_after
        self.max_age = max_age
        self.hard_max_age = hard_max_age
        self.max_keys = max_keys
        self._flight: SingleFlight[tuple[float, T]] = SingleFlight()
        self._last: dict[Hashable, tuple[float, T]] = {}
        self._renewing: set[Hashable] = set()
        self._lock = threading.Lock()

    def peek(self, key: Hashable, compute: Callable[[], T]) -> tuple[float, T] | None:
        """(taken at, value) if fresh enough to answer now; starts a renewal when it is getting old."""
        now = self.clock()
        with self._lock:
            hit = self._last.get(key)
            limit = self.hard_max_age if key in self._renewing else self.max_age
            if hit is None or now - hit[0] >= limit:
                return None
            renew = now - hit[0] >= self.refresh_after and key not in self._renewing
            if renew:
                self._renewing.add(key)
        if renew:
            threading.Thread(target=self._renew_in_background, args=(key, compute), daemon=True).start()
        return hit

    def read(self, key: Hashable, compute: Callable[[], T]) -> tuple[float, T]:
        """The kept read if one came in meanwhile (requests queued behind a read get its answer), else a new
        read shared with any read of the same key in flight."""
        with self._lock:
            hit = self._last.get(key)
        if hit is not None and self.clock() - hit[0] < self.max_age:
            return hit
        return self._renew(key, compute)

    def forget(self) -> None:
        with self._lock:
            self._last.clear()

    def _renew_in_background(self, key: Hashable, compute: Callable[[], T]) -> None:
        try:
            self._renew(key, compute)
        except Exception:   # the next request reads for itself and gets the error then
            with self._lock:
                self._last.pop(key, None)
        finally:
            with self._lock:
                self._renewing.discard(key)

    def _renew(self, key: Hashable, compute: Callable[[], T]) -> tuple[float, T]:
        def timed() -> tuple[float, T]:
            taken = self.clock()
            return taken, compute()
        fresh = self._flight.run(key, timed)
        with self._lock:
            if self.max_keys is not None and len(self._last) >= self.max_keys and key not in self._last:
                self._last.clear()
            if key not in self._last or self._last[key][0] < fresh[0]:
                self._last[key] = fresh
        return fresh
