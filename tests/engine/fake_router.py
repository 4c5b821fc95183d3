"""A small in-memory TrafficRouter for the monitor's pure orchestration tests (the real router has its own)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from shipmate.analysis.histogram import BOUNDS_MS, LatencyHistogram
from shipmate.traffic import Backend, BackendStats, DrainResult, RouterMode, RouteSpec, RouteStats, TrafficRouter


@dataclass
class Counters:
    backend: Backend
    requests: int = 0
    status_5xx: int = 0
    errors: int = 0
    latency: LatencyHistogram = field(default_factory=LatencyHistogram)

    def stats(self) -> BackendStats:
        b = self.backend
        return BackendStats(address=b.address, version=b.version, instance_id=b.instance_id, weight=b.weight,
                            role=b.role, member=True, in_flight=0, open_connections=0, requests=self.requests,
                            status_5xx=self.status_5xx, errors=self.errors, latency_bounds_ms=BOUNDS_MS,
                            latency_counts=self.latency.snapshot())


class FakeTrafficRouter:
    """Counts what tests tell it to; ``before_stats`` lets a test generate traffic up to "now"."""

    def __init__(self, port: int, mode: RouterMode = "http") -> None:
        self.port = port
        self.mode: RouterMode = mode
        self.counters: dict[str, Counters] = {}
        self.before_stats: Callable[[], None] = lambda: None
        self.stats_calls = 0

    def add(self, backend: Backend) -> None:
        self.counters[backend.address] = Counters(backend)

    def serve(self, address: str, requests: int, *, status_5xx: int = 0, errors: int = 0, ms: float = 5.0) -> None:
        c = self.counters[address]
        c.requests += requests
        c.status_5xx += status_5xx
        c.errors += errors
        for _ in range(requests):
            c.latency.record(ms)

    # --- TrafficRouter ---
    def ensure_running(self) -> None:
        pass

    def is_running(self) -> bool:
        return True

    def set_backends(self, route: RouteSpec, backends: Sequence[Backend], *, fencing: int) -> None:
        self.counters = {b.address: self.counters.get(b.address) or Counters(b) for b in backends}

    def remove(self, port: int, *, fencing: int, close_connections: bool = False) -> None:
        self.counters.clear()

    def drain(self, port: int, address: str, timeout_s: float) -> DrainResult:
        return DrainResult(True, 0, 0.0)

    def stats(self, port: int) -> RouteStats | None:
        self.stats_calls += 1
        if port != self.port:
            return None
        self.before_stats()
        return RouteStats(port=port, mode=self.mode, backends=tuple(c.stats() for c in self.counters.values()))

    def routes(self) -> list[dict[str, Any]]:
        return []

    def daemon_pid(self) -> int | None:
        return None

    def shutdown_if_idle(self) -> bool:
        return False


def _conforms(router: FakeTrafficRouter) -> TrafficRouter:
    return router  # mypy checks the fake against the Protocol the engine is typed to
