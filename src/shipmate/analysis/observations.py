"""What the monitor's sources observed, as plain data stamped with the (monotonic) time of the tick.

Sources (in ``engine/monitor_sources.py``) do the I/O and produce these; the rules only read them,
so a window can be replayed from a table in tests.
"""

from __future__ import annotations

from dataclasses import dataclass

from shipmate.analysis import histogram


@dataclass(frozen=True)
class ProbeSample:
    """One probe tick: every new instance probed directly, plus one request through the public port."""

    at: float
    ok: bool
    latency_ms: float
    detail: str = ""
    fatal: bool = False          # an instance is gone: no later sample can redeem the window


@dataclass(frozen=True)
class Traffic:
    """Real requests the router counted for one side (new or stable) over some span."""

    requests: int = 0
    status_5xx: int = 0
    errors: int = 0              # connect refused, resets, a backend that died mid-response
    latency_counts: tuple[int, ...] = ()

    @property
    def failures(self) -> int:
        return min(self.requests, self.status_5xx + self.errors)

    @property
    def error_rate(self) -> float:
        return self.failures / self.requests if self.requests else 0.0

    def plus(self, other: Traffic) -> Traffic:
        return Traffic(self.requests + other.requests, self.status_5xx + other.status_5xx,
                       self.errors + other.errors, histogram.merge(self.latency_counts, other.latency_counts))

    def as_dict(self) -> dict[str, object]:
        return {"requests": self.requests, "status_5xx": self.status_5xx, "errors": self.errors}


@dataclass(frozen=True)
class TrafficSample:
    """What the router counted since the previous tick; ``stable`` is None when no stable side is compared."""

    at: float
    new: Traffic
    stable: Traffic | None = None


@dataclass(frozen=True)
class ProcessSample:
    """One instance's process tree at one tick (the app under the log pump, children included)."""

    at: float
    instance_id: str
    alive: bool
    cpu_s: float = 0.0           # CPU seconds the tree used since this instance's previous sample
    rss_mb: float = 0.0          # resident memory of the whole tree now


@dataclass(frozen=True)
class McpSample:
    """One MCP connect + tools/list on one instance of one version (the health level 4 endpoint)."""

    at: float
    instance_id: str
    version: str
    ok: bool
    latency_ms: float
    detail: str = ""


@dataclass(frozen=True)
class SmokeSample:
    """One run of the level-5 smoke test through the public port (the smoke gate)."""

    at: float
    ok: bool
    what: str              # "http step 2/3 POST /orders", "command ./smoke.sh"
    output: str = ""       # the smoke's own words when it failed: status, excerpt, cause


@dataclass(frozen=True)
class MetricSample:
    """One scrape of the app's Prometheus text: per metric rule (same order), the matched value.

    A value is None when the scrape failed or no sample matched the rule's name and labels.
    """

    at: float
    values: tuple[float | None, ...]
    detail: str = ""             # why the scrape gave nothing (unreachable, not parseable)
    instance_id: str = ""
