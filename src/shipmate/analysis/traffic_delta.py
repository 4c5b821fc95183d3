"""From the router's cumulative per-backend counters to per-tick increments for one release's side.

The router's counters only grow while a backend stays in its table; a backend that is removed and
re-added starts again from zero. Increments are therefore taken per backend against its last
snapshot, a counter that went down counts as a restart, and a backend first seen mid-window counts
everything it has (it joined after the window opened).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from shipmate.analysis import histogram
from shipmate.analysis.observations import Traffic
from shipmate.traffic import BackendStats, RouteStats


@dataclass(frozen=True)
class Side:
    """Which backends belong to a side: its instances when the router knows them, else its version."""

    version: str
    instance_ids: frozenset[str] = frozenset()

    def holds(self, backend: BackendStats) -> bool:
        if backend.instance_id and self.instance_ids:
            return backend.instance_id in self.instance_ids
        return bool(self.version) and backend.version == self.version


def increment(now: BackendStats, before: BackendStats | None) -> Traffic:
    """What one backend counted between two snapshots (all of ``now`` after a restart or on first sight)."""
    restarted = before is not None and (
        now.requests < before.requests or now.status_5xx < before.status_5xx or now.errors < before.errors
        or len(now.latency_counts) != len(before.latency_counts)
        or any(a < b for a, b in zip(now.latency_counts, before.latency_counts, strict=False)))
    if before is None or restarted:
        return Traffic(now.requests, now.status_5xx, now.errors, tuple(now.latency_counts))
    return Traffic(now.requests - before.requests, now.status_5xx - before.status_5xx, now.errors - before.errors,
                   histogram.subtract(now.latency_counts, before.latency_counts))


class TrafficDeltas:
    """Remembers the last snapshot of every backend and hands out what each side counted since."""

    def __init__(self, new: Side, stable: Side | None = None) -> None:
        self.new = new
        self.stable = stable
        self._last: dict[str, BackendStats] = {}

    def prime(self, stats: RouteStats | None) -> None:
        """The window opens now: what was counted before does not belong to it."""
        for backend in stats.backends if stats else ():
            self._last[backend.address] = backend

    def advance(self, stats: RouteStats | None) -> tuple[Traffic, Traffic | None]:
        """(new side, stable side or None) counted since the previous call; no stats counts nothing."""
        new, stable = Traffic(), Traffic() if self.stable else None
        for backend in stats.backends if stats else ():
            step = increment(backend, self._last.get(backend.address))
            self._last[backend.address] = backend
            if self.new.holds(backend):
                new = new.plus(step)
            elif self.stable is not None and stable is not None and self.stable.holds(backend):
                stable = stable.plus(step)
        return new, stable


def total(parts: Iterable[Traffic]) -> Traffic:
    out = Traffic()
    for part in parts:
        out = out.plus(part)
    return out
