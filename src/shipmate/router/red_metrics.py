"""Per-backend RED counters (rate, errors, duration) counted from real traffic.

Plain attributes and one histogram: the proxy's hot path only increments; the daemon turns a
snapshot into the dict that ``shipmate.traffic.BackendStats.from_dict`` reads.
"""

from __future__ import annotations

from typing import Any

from shipmate.analysis.histogram import BOUNDS_MS, LatencyHistogram
from shipmate.traffic import Backend


class BackendMetrics:
    """Cumulative counters of one backend since it joined a route."""

    __slots__ = ("errors", "in_flight", "latency", "open_connections", "requests", "status_5xx")

    def __init__(self) -> None:
        self.in_flight = 0          # http: requests sent, not yet answered (+ tunnels); tcp: connections
        self.open_connections = 0   # pooled + busy + tunnels (http); open connections (tcp)
        self.requests = 0           # http: responses completed or failed; tcp: connections accepted
        self.status_5xx = 0
        self.errors = 0
        self.latency = LatencyHistogram()

    def record_response(self, status: int, latency_ms: float) -> None:
        if status >= 500:
            self.status_5xx += 1
        self.latency.record(latency_ms)

    def to_dict(self, entry: Backend, member: bool) -> dict[str, Any]:
        return {
            "address": entry.address, "version": entry.version, "instance_id": entry.instance_id,
            "weight": entry.weight, "role": entry.role, "member": member,
            "in_flight": self.in_flight, "open_connections": self.open_connections,
            "requests": self.requests, "status_5xx": self.status_5xx, "errors": self.errors,
            "latency_bounds_ms": list(BOUNDS_MS), "latency_counts": list(self.latency.snapshot()),
        }
