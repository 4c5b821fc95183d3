"""The thresholds a monitor window is judged by, and one rule's finding (observed vs threshold).

A threshold left as None is not checked. Every finding says whether it is *decisive*: a fail that
no later sample could undo, which ends the window early.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil, sqrt

from shipmate.model import Phase

# One-sided z for "certainly above": the ~99.87 % lower confidence bound of an observed rate.
# High, because an early fail is checked at every tick (repeated looks) and costs a rollback.
DECISIVE_Z = 3.0
# A gap between ticks longer than this many intervals means nobody watched (e.g. SIGSTOP).
GAP_INTERVALS = 3.0
MIN_GAP_S = 1.0                  # ... but never less: a loaded machine may stall a 50 ms loop briefly


@dataclass(frozen=True)
class MetricRule:
    """A rule on the app's Prometheus text: every sample named ``metric`` whose labels include ``labels``,
    summed. ``max``: the value at any scrape may not exceed it (a gauge's peak). ``increase_max``: the
    counter's increase over the window (restarts tolerated) may not exceed it."""

    metric: str
    labels: tuple[tuple[str, str], ...] = ()
    max: float | None = None
    increase_max: float | None = None

    @property
    def name(self) -> str:
        inner = ",".join(f'{k}="{v}"' for k, v in self.labels)
        return f"{self.metric}{{{inner}}}" if inner else self.metric


@dataclass(frozen=True)
class Rules:
    duration_s: float
    interval_s: float
    error_rate: float | None = 0.05
    p95_ms: float | None = 1000.0
    p99_ms: float | None = None
    cpu_percent: float | None = None          # mean over the window; 100 = one core busy
    memory_mb: float | None = None            # peak RSS of one instance's process tree
    consecutive_failures: int | None = None   # probe ticks failing in a row
    max_error_rate_increase: float | None = None  # new side's error rate minus the stable side's
    min_samples: int = 5                      # probe ticks needed for the probe source to count
    min_requests: int = 20                    # router requests needed for the router source to count
    min_coverage: float = 0.8                 # share of the expected ticks that must have happened
    metric_rules: tuple[MetricRule, ...] = ()
    compare_required: bool = True             # the spec set max_error_rate_increase: too little data is no pass
    mcp_error_rate: float | None = None       # failed MCP tools/list samples of the new version
    mcp_p95_ms: float | None = None           # their connect + list latency

    @property
    def expected_ticks(self) -> int:
        return max(1, ceil(self.duration_s / self.interval_s - 1e-9))

    @property
    def max_gap_s(self) -> float:
        return max(GAP_INTERVALS * self.interval_s, MIN_GAP_S)


@dataclass(frozen=True)
class Finding:
    """One rule on one source: what was observed against what was allowed."""

    source: str                  # probes | router | canary | process | prometheus | coverage
    rule: str
    phase: Phase                 # PASS, FAIL, or INCONCLUSIVE (not enough data for this rule)
    observed: float | None
    threshold: float | None
    samples: int
    detail: str = ""
    decisive: bool = False       # a FAIL that cannot be undone: the window may end now

    @property
    def key(self) -> str:
        return f"{self.source}.{self.rule}"

    def as_dict(self) -> dict[str, object]:
        return {"source": self.source, "rule": self.rule, "status": self.phase.value,
                "observed": _round(self.observed), "threshold": _round(self.threshold),
                "samples": self.samples, "detail": self.detail}


def _round(value: float | None) -> float | None:
    if value is None:
        return None
    return value if value in (float("inf"), float("-inf")) else round(value, 4)


def _bound(hits: int, n: int, z: float, sign: float) -> float:
    if n <= 0:
        return 0.0 if sign < 0 else 1.0
    p = hits / n
    z2 = z * z
    centre = p + z2 / (2 * n)
    margin = z * sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    bound = (centre + sign * margin) / (1 + z2 / n)
    bound = min(bound, p) if sign < 0 else max(bound, p)   # true in exact arithmetic; floats may drift
    return min(1.0, max(0.0, bound))


def lower_bound(hits: int, n: int, z: float = DECISIVE_Z) -> float:
    """Wilson score lower bound of a rate: the true rate is above this with ~99.87 % confidence."""
    return _bound(hits, n, z, -1.0)


def upper_bound(hits: int, n: int, z: float = DECISIVE_Z) -> float:
    return _bound(hits, n, z, 1.0)
