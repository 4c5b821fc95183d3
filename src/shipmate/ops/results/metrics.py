"""What `/metrics` shows, read from the stores on each scrape (ops/reading_metrics.py); the web face names them."""

from __future__ import annotations

from dataclasses import dataclass, field

from shipmate.ops.results.json_result import JsonResult

# Deployments take seconds to an hour: buckets sized for that, not for requests.
DEPLOYMENT_BUCKETS_S: tuple[float, ...] = (1, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600)


@dataclass(frozen=True)
class LabeledValue(JsonResult):
    labels: dict[str, str]
    value: float


@dataclass(frozen=True)
class LabeledHistogram(JsonResult):
    labels: dict[str, str]
    buckets: list[tuple[float, int]]   # (upper bound, cumulative count), the last one +Inf
    count: int
    sum: float


@dataclass(frozen=True)
class MetricsSnapshot(JsonResult):
    deployments: list[LabeledValue] = field(default_factory=list)            # service, environment, outcome
    deployment_seconds: list[LabeledHistogram] = field(default_factory=list)  # service, environment
    rollbacks: list[LabeledValue] = field(default_factory=list)              # service, environment, reason
    restarts: list[LabeledValue] = field(default_factory=list)               # service, environment
    releases: list[LabeledValue] = field(default_factory=list)               # service, environment, version, artifact
    probe_latency: list[LabeledHistogram] = field(default_factory=list)      # the last hour's outside checks
    uptime_30d: list[LabeledValue] = field(default_factory=list)
    slo_target: list[LabeledValue] = field(default_factory=list)
    error_budget_left_seconds: list[LabeledValue] = field(default_factory=list)
    service_up: list[LabeledValue] = field(default_factory=list)
    approvals_pending: list[LabeledValue] = field(default_factory=list)
    locks_held: list[LabeledValue] = field(default_factory=list)             # lock, holder
    unreadable_homes: int = 0
