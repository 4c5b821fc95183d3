"""What it takes to run one release again, frozen at deploy time and stored with the release.

Rollback starts the previous release from this snapshot, never from today's shipmate.yaml,
so "put the last good version back" really means the version *and* the config that passed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from shipmate.traffic import DEFAULT_HOLD_S


@dataclass(frozen=True)
class HealthConfig:
    start_period_s: float
    interval_s: float
    timeout_s: float
    deadline_s: float
    checks: tuple[dict[str, Any], ...]     # [{"http": {...}}, {"tcp": {}}, ...]
    levels: dict[str, Any] = field(default_factory=dict)   # health.levels as configured; {}: from the checks


@dataclass(frozen=True)
class MetricRuleConfig:
    metric: str
    labels: dict[str, str] = field(default_factory=dict)
    max: float | None = None
    increase_max: float | None = None


@dataclass(frozen=True)
class MonitorConfig:
    """The window's rules. Fields after ``path`` came later: they have defaults so that releases
    stored by an older shipmate still load (and are judged as they were: probes, error rate, p95)."""

    duration_s: float
    interval_s: float
    error_rate: float | None
    p95_ms: float | None
    min_samples: int
    on_inconclusive: str                  # rollback | keep
    path: str | None                      # probe-traffic path, resolved by the spec (None = TCP)
    p99_ms: float | None = None
    cpu_percent: float | None = None
    memory_mb: float | None = None
    consecutive_failures: int | None = None
    max_error_rate_increase: float | None = None
    min_requests: int = 20
    min_coverage: float = 0.8
    router_traffic: bool = True           # judge real requests when the route is http
    probes: bool = True
    process_stats: bool = True
    prometheus_path: str | None = None    # None: no Prometheus source
    metric_rules: tuple[MetricRuleConfig, ...] = ()
    mcp_error_rate: float | None = None   # the MCP source (health.levels.mcp sampled every tick)
    mcp_p95_ms: float | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MonitorConfig:
        d = dict(data)
        d["metric_rules"] = tuple(MetricRuleConfig(**rule) for rule in d.get("metric_rules", ()))
        return cls(**d)


@dataclass(frozen=True)
class CanaryStepConfig:
    weight: int                           # percent of requests to the new release, 1..99
    pause_s: float                        # the step's analysis window


@dataclass(frozen=True)
class ReleaseConfig:
    service: str
    environment: str
    version: str
    digest: str
    target_kind: str
    port: int
    argv: tuple[str, ...]
    cwd: str
    env: dict[str, str]
    stop_grace_s: float
    log_max_bytes: int
    log_backups: int
    strategy: str
    drain_s: float
    health: HealthConfig
    monitor: MonitorConfig
    extra: dict[str, Any] = field(default_factory=dict)
    router_mode: str = "http"             # http | tcp (releases stored before it existed: derived below)
    router_hold_s: float = DEFAULT_HOLD_S
    # Many instances (issue 6); the defaults are what releases stored before them ran with.
    replicas: int = 1
    canary_steps: tuple[CanaryStepConfig, ...] = ()   # empty unless strategy is canary
    canary_sticky: bool = False
    rolling_max_unavailable: int = 1
    rolling_max_surge: int = 1
    # What only the target reads (docker: image, container_port, volumes...; prepare adds image_id).
    target_settings: dict[str, Any] = field(default_factory=dict)
    # Secret name -> the version this release runs with (values stay in the state folder's files).
    secrets: dict[str, int] = field(default_factory=dict)
    # Issue 9 (promotion): the base config's hash and per-key hashes (no overlay, no version), and the
    # process target's artifact {"sha256", "files", "source", "manifest"} (ops/artifacts.py); docker's is image_id.
    config_hash: str = ""
    config_keys: dict[str, str] = field(default_factory=dict)
    artifact: dict[str, Any] = field(default_factory=dict)

    @property
    def run_cwd(self) -> str:
        """Where the release's instances run: its own snapshot (a process release's bytes), else target.cwd."""
        return str(self.target_settings.get("snapshot_dir") or self.cwd)

    @property
    def has_http_check(self) -> bool:
        return any("http" in check for check in self.health.checks)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReleaseConfig:
        d = dict(data)
        health = dict(d.pop("health"))
        health["checks"] = tuple(health["checks"])
        d["argv"] = tuple(d["argv"])
        d["canary_steps"] = tuple(CanaryStepConfig(**step) for step in d.get("canary_steps", ()))
        if "router_mode" not in d:
            d["router_mode"] = "http" if any("http" in check for check in health["checks"]) else "tcp"
        return cls(health=HealthConfig(**health), monitor=MonitorConfig.from_dict(d.pop("monitor")), **d)
