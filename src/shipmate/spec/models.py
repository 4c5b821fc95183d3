"""The shipmate.yaml spec as pydantic models: pure data and rules, no I/O.

Every model forbids unknown keys and is frozen. Durations are float seconds once loaded.
To add a target kind, write its model with ``kind: Literal["..."]`` and add it to ``TargetSpec``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from shipmate.spec.approval_spec import ApprovalSpec
from shipmate.spec.argv_template import ARGV_HINT, argv_problem
from shipmate.spec.backup_spec import BackupSpec
from shipmate.spec.checks import Check, HttpCheck, TcpCheck
from shipmate.spec.docker_target import DockerTargetSpec, writable_volumes_in
from shipmate.spec.durations import DurationRange, default_duration, format_duration
from shipmate.spec.env_rules import EnvVars
from shipmate.spec.field_types import (
    DnsLabel,
    FloatRange,
    IntRange,
    NonEmptyText,
    Port,
    SpecModel,
    TextRule,
    UrlPath,
    VersionText,
)
from shipmate.spec.files_target import FilesTargetSpec
from shipmate.spec.health_levels import HealthLevels
from shipmate.spec.hooks_spec import ConfidenceSpec, Hooks, Notify
from shipmate.spec.policy_spec import PolicySpec, check_policy_envs
from shipmate.spec.quoting import quoted
from shipmate.spec.release_spec import ReleaseSpec
from shipmate.spec.reports_spec import ReportsSpec
from shipmate.spec.secrets import Secrets, check_unique
from shipmate.spec.snapshot_spec import ReleaseFilesSpec
from shipmate.spec.strategy_settings import (
    Canary,
    Replicas,
    Rolling,
    check_one_copy,
    check_strategy_settings,
    fill_strategy_section,
)
from shipmate.spec.supervise_spec import SuperviseSpec
from shipmate.spec.swarm_target import SwarmTargetSpec, check_swarm_fits, default_swarm_strategy
from shipmate.spec.uptime_spec import SloSpec, UptimeSpec
from shipmate.strategies.names import DEFAULT_STRATEGY, RECREATE, StrategyName
from shipmate.traffic import DEFAULT_HOLD_S


def _check_argv_arg(value: str) -> str:
    problem = argv_problem(value)
    if problem is not None:
        raise PydanticCustomError("argv_template", "{problem} in {got}", {"problem": problem, "got": quoted(value),
                                                                          "hint": ARGV_HINT})
    return value


# One argv element; ${PORT} and ${SHIPMATE_*} are filled in when an instance starts.
ArgvArg = Annotated[NonEmptyText, AfterValidator(_check_argv_arg)]


class ProcessTargetSpec(ReleaseFilesSpec):
    """Run the service as a local child process that listens on $PORT."""

    kind: Literal["process"] = Field(description="Target kind: process (local child processes).")
    command: Annotated[tuple[ArgvArg, ...], Field(min_length=1, max_length=256)] = Field(
        description='The argv list to start one instance, e.g. ["python3", "app.py"]; never run through a shell. '
        "${PORT} and ${SHIPMATE_SERVICE|VERSION|ENVIRONMENT|DEPLOYMENT_ID} are filled in; $$ is a literal $."
    )
    cwd: NonEmptyText = Field(".", description="Working directory, relative to the spec file.")
    env: EnvVars = Field(
        default_factory=dict, description="Extra environment variables (PORT and SHIPMATE_* are set by shipmate)."
    )
    stop_grace: Annotated[float, DurationRange("0s", "10m")] = default_duration(
        "10s", "Time between SIGTERM and SIGKILL when stopping an instance."
    )
    log_max_bytes: Annotated[int, IntRange(1024, 1073741824)] = Field(
        10485760, description="Rotate an instance's log file when it reaches this size."
    )
    log_backups: Annotated[int, IntRange(0, 100)] = Field(3, description="How many rotated log files to keep.")

    def settings(self, project: str) -> dict[str, Any]:
        """Beyond argv, cwd and env: how the release's files are kept (spec/snapshot_spec.py)."""
        return self.release_files()


# A discriminated union on `kind`: a new target kind adds its model here.
TargetSpec = Annotated[ProcessTargetSpec | DockerTargetSpec | SwarmTargetSpec | FilesTargetSpec,
                       Field(discriminator="kind")]


class Health(SpecModel):
    """How a new instance proves it is healthy before it gets traffic."""

    start_period: Annotated[float, DurationRange("0s", "1h")] = default_duration(
        "0s", "Grace time after start during which failed probes do not count."
    )
    interval: Annotated[float, DurationRange("50ms", "1m")] = default_duration("1s", "Time between probe rounds.")
    timeout: Annotated[float, DurationRange("50ms", "1m")] = default_duration("2s", "Time limit of one probe.")
    deadline: Annotated[float, DurationRange("1s", "1h")] = default_duration(
        "30s", "Not healthy by then: the deployment fails and rolls back."
    )
    checks: Annotated[tuple[Check, ...], Field(max_length=20)] = Field(
        (), description="All must pass; empty means one tcp check."
    )
    levels: HealthLevels | None = Field(None, description="The health hierarchy (levels 1-5); default: from checks.")

    @field_validator("checks")
    @classmethod
    def _default_to_tcp(cls, checks: tuple[Check, ...]) -> tuple[Check, ...]:
        return checks or (Check(tcp=TcpCheck()),)

    def first_http(self) -> HttpCheck | None:
        return next((check.http for check in self.checks if check.http is not None), None)


class RollbackIf(SpecModel):
    """Thresholds over the monitor window; crossing one rolls back. A threshold set to null is not checked."""

    error_rate: Annotated[float, FloatRange(0, 1)] | None = Field(
        0.05, description="Fraction of failed requests (0..1): the router's 5xx and connection errors of real "
        "traffic to the new version, and failed probe ticks; either source over it fails the window."
    )
    p95_ms: Annotated[float, FloatRange(1, 600000)] | None = Field(
        1000, description="95th percentile latency in milliseconds (real traffic to the new version, and probes)."
    )
    p99_ms: Annotated[float, FloatRange(1, 600000)] | None = Field(
        None, description="99th percentile latency in milliseconds (real traffic, and probes)."
    )
    cpu_percent: Annotated[float, FloatRange(1, 100000)] | None = Field(
        None, description="Mean CPU of one instance's process tree over the window, in % of one core."
    )
    memory_mb: Annotated[float, FloatRange(1, 10000000)] | None = Field(
        None, description="Peak resident memory (RSS) of one instance's process tree, in MB; fails at once."
    )
    consecutive_failures: Annotated[int, IntRange(1, 100000)] | None = Field(
        None, description="This many failed probe ticks in a row fail the window at once."
    )
    max_error_rate_increase: Annotated[float, FloatRange(0, 1)] | None = Field(
        None, description="Canary only: the new version's error rate minus the stable version's, measured over "
        "the same ticks (0..1)."
    )
    mcp_error_rate: Annotated[float, FloatRange(0, 1)] | None = Field(
        None, description="With health.levels.mcp: failed MCP tools/list samples of the new version (0..1).")
    mcp_p95_ms: Annotated[float, FloatRange(1, 600000)] | None = Field(
        None, description="With health.levels.mcp: 95th percentile of connect + tools/list, in milliseconds.")


METRIC_NAME = Annotated[str, TextRule(r"^[a-zA-Z_:][a-zA-Z0-9_:]{0,199}$", "a Prometheus metric name",
                                      "e.g. http_requests_total or process_open_fds")]


class MetricRuleSpec(SpecModel):
    """One rule on the app's Prometheus text; samples with this name whose labels include ``labels`` are summed."""

    metric: METRIC_NAME = Field(description="Sample name as exposed, e.g. app_errors_total or queue_depth.")
    labels: dict[Annotated[str, TextRule(r"^[a-zA-Z_][a-zA-Z0-9_]{0,99}$", "a label name")], str] = Field(
        default_factory=dict, description="Label values a sample must have, e.g. {code: \"500\"}."
    )
    max: float | None = Field(None, description="Gauge: the value at any scrape in the window may not exceed this.")
    increase_max: Annotated[float, FloatRange(0, 1e18)] | None = Field(
        None, description="Counter: its increase over the window (restarts tolerated) may not exceed this."
    )

    @field_validator("increase_max")
    @classmethod
    def _one_limit(cls, value: float | None, info: ValidationInfo) -> float | None:
        if value is None and info.data.get("max") is None:
            raise PydanticCustomError("metric_rule_limit", "give max or increase_max (or both)",
                                      {"hint": "e.g. {metric: app_errors_total, increase_max: 10}"})
        return value


class PrometheusSource(SpecModel):
    """Scrape the app's Prometheus text endpoint on each new instance at every tick."""

    path: UrlPath = Field("/metrics", description="Path of the metrics endpoint on the instance's own port.")
    rules: Annotated[tuple[MetricRuleSpec, ...], Field(max_length=50)] = Field(
        description="Rules on the scraped metrics (at least one)."
    )

    @field_validator("rules")
    @classmethod
    def _some_rules(cls, rules: tuple[MetricRuleSpec, ...]) -> tuple[MetricRuleSpec, ...]:
        if not rules:
            raise PydanticCustomError("no_metric_rules", "needs at least one rule",
                                      {"hint": "e.g. rules: [{metric: app_errors_total, increase_max: 10}]"})
        return rules


class MonitorSources(SpecModel):
    """Where the monitor's evidence comes from; each source is optional."""

    router: bool = Field(
        True, description="Real requests the router counts per version (used when the route is http)."
    )
    probes: bool = Field(
        True, description="Probe each new instance and the public port at every tick (judges idle services too)."
    )
    process: bool = Field(True, description="CPU and memory of each new instance's process tree (psutil); "
                          "sampled when rollback_if sets cpu_percent or memory_mb.")
    prometheus: PrometheusSource | None = Field(None, description="The app's Prometheus text endpoint.")


class Monitor(SpecModel):
    """The window after the switch in which the new release is watched."""

    duration: Annotated[float, DurationRange("0s", "1h")] = default_duration(
        "10s", "Length of the window; 0s disables monitoring."
    )
    interval: Annotated[float, DurationRange("50ms", "1m")] = default_duration("1s", "Time between samples.")
    rollback_if: RollbackIf = Field(
        default_factory=lambda: RollbackIf.model_validate({}), description="Thresholds that roll back."
    )
    min_samples: Annotated[int, IntRange(1, 100000)] = Field(
        5, description="Probe ticks needed for the probe source to count (at most the window's tick count)."
    )
    min_requests: Annotated[int, IntRange(1, 10000000)] = Field(
        20, description="Real requests needed for the router source to count; fewer leave it to the probes."
    )
    min_coverage: Annotated[float, FloatRange(0, 1)] = Field(
        0.8, description="Share of the expected ticks that must have run; less (or a gap over 3 intervals) "
        "makes the verdict inconclusive."
    )
    on_inconclusive: Literal["rollback", "keep"] = Field(
        "rollback", description="What to do when the verdict is inconclusive."
    )
    path: UrlPath | None = Field(
        None, description="Path of probe traffic through the public port; default: the first http check's path."
    )
    sources: MonitorSources = Field(
        default_factory=lambda: MonitorSources.model_validate({}), description="Where evidence comes from."
    )

    @field_validator("interval")
    @classmethod
    def _fits_the_window(cls, interval: float, info: ValidationInfo) -> float:
        duration = info.data.get("duration")
        if isinstance(duration, float) and duration > 0 and interval > duration:
            raise PydanticCustomError(
                "interval_over_duration",
                "{interval} is longer than the whole window (monitor.duration: {duration}); it could never pass",
                {"interval": format_duration(interval), "duration": format_duration(duration),
                 "hint": "make monitor.interval at most monitor.duration, e.g. interval: 1s"},
            )
        return interval


class Router(SpecModel):
    """How the built-in router on 127.0.0.1:port passes traffic to the instances."""

    mode: Literal["http", "tcp"] | None = Field(
        None,
        description="http: each request goes to the instance current at that moment, with per-version "
        "metrics that the monitor judges; tcp: connections are spliced (non-HTTP services). "
        "Default: http when any health check is http, else tcp.",
    )
    hold: Annotated[float, DurationRange("0s", "5m")] = default_duration(
        f"{DEFAULT_HOLD_S:g}s",
        "http mode: while no instance is ready (recreate, a restart), requests wait this long, then 503.",
    )


class EnvOverlay(SpecModel):
    """Per-environment changes applied on top of the base spec."""

    port: Annotated[int, IntRange(1, 65535)] | None = Field(None, description="Public port in this environment.")
    replicas: Replicas | None = Field(None, description="Instances per release in this environment.")
    env: EnvVars = Field(default_factory=dict, description="Merged over target.env.")
    protected: bool = Field(False, description="Agents (MCP) may not deploy, roll back or take it down.")
    approval: ApprovalSpec | None = Field(None, description="none | required | {auto_if_confidence: 0.9}; "
                                          "default: required when protected.")
    policy: PolicySpec | None = Field(None, description="Gates before deploying here: require_passed_in, freeze, "
                                  "allow_dirty.")
    backup_before_deploy: bool | None = Field(None, description="Take a backup before each deploy changes "
                                              "anything (default: true when protected).")
    monitor: Monitor | None = Field(None, description="Merged key by key over the base monitor: only the keys "
                                    "written here change, e.g. a longer duration in production.")


class Spec(SpecModel):
    """shipmate.yaml: what to run, how to prove it healthy, how to switch and watch it."""

    # Editors see the rule _strategy_settings_fit enforces: port is required unless target.kind is files.
    model_config = ConfigDict(**SpecModel.model_config, json_schema_extra={"allOf": [{
        "if": {"properties": {"target": {"properties": {"kind": {"const": "files"}}}}},
        "else": {"required": ["port"]}}]})

    service: DnsLabel = Field(description="Service name (a DNS label).")
    version: VersionText | None = Field(
        None, description='Release version; "git" = from `git describe --tags --always --dirty` (with a release: '
        'section, a clean release tag at HEAD gives its version: v1.2.3 -> 1.2.3); --version overrides.'
    )
    port: Port | None = Field(None, description="Public port; the router listens on 127.0.0.1:port (required "
                              "unless target.kind is files, which serves nothing).")
    target: TargetSpec = Field(description="What to run; `kind` picks the target type.")
    health: Health = Field(
        default_factory=lambda: Health.model_validate({}), description="How a new instance proves it is healthy."
    )
    replicas: Replicas = Field(1, description="How many instances run each release (1-32).")
    strategy: StrategyName = Field(
        DEFAULT_STRATEGY, description="blue-green (zero downtime), recreate (stop old, then start new), canary "
        "(growing shares of traffic, each judged) or rolling (a few instances at a time)."
    )
    canary: Canary | None = Field(None, description="strategy: canary only; default steps 10% then 50%, 30s each.")
    rolling: Rolling | None = Field(None, description="strategy: rolling only; default max_unavailable/surge 1.")
    router: Router = Field(
        default_factory=lambda: Router.model_validate({}), description="The built-in traffic switch."
    )
    drain: Annotated[float, DurationRange("0s", "1h")] = default_duration(
        "30s", "How long the old instance may keep its open connections after the switch."
    )
    monitor: Monitor = Field(
        default_factory=lambda: Monitor.model_validate({}), description="The watch window after the switch."
    )
    environments: dict[DnsLabel, EnvOverlay] = Field(
        default_factory=dict, description="Named environments (first is the default) with their overlays."
    )
    secrets: Secrets = Field((), description="Secrets the service needs: names (API_KEY) or {name, pattern, "
                             "min_length}; each instance gets NAME_FILE, never the value.")
    hooks: Hooks = Field(default_factory=lambda: Hooks.model_validate({}),
                         description="Commands run before/after a deploy or rollback (argv, with a timeout).")
    notify: Notify | None = Field(None, description="Apprise URLs told about deployment events.")
    confidence: ConfidenceSpec | None = Field(None, description="Weights of the confidence score.")
    backup: BackupSpec | None = Field(None, description="What `shipmate backup` archives, where to, how long.")
    supervise: SuperviseSpec = Field(default_factory=lambda: SuperviseSpec.model_validate({}),
                                     description="How `shipmate serve` restarts, checks and rolls back the release.")
    reports: ReportsSpec | None = Field(None, description="Daily/weekly reports `shipmate serve` sends through "
                                                          "notify: (`shipmate report` prints them on demand).")
    release: ReleaseSpec | None = Field(None, description="`shipmate version` / `release`: version files, tag "
                                        "format, changelog, release steps.")
    uptime: UptimeSpec = Field(default_factory=lambda: UptimeSpec.model_validate({}),
                               description="How `shipmate serve` probes the service from outside (public port).")
    slo: SloSpec | None = Field(None, description="Service level objective: {target: 99.9, window: 30d | month}.")

    @field_validator("secrets")
    @classmethod
    def _unique_secrets(cls, secrets: Secrets) -> Secrets:
        return check_unique(secrets)

    @model_validator(mode="before")
    @classmethod
    def _default_strategy_section(cls, data: Any) -> Any:
        if isinstance(data, dict) and "strategy" not in data and writable_volumes_in(data.get("target")):
            data = {**data, "strategy": RECREATE}     # state is safe by default: one copy at a time
        return fill_strategy_section(default_swarm_strategy(data))

    @model_validator(mode="after")
    def _strategy_settings_fit(self) -> Spec:
        if self.port is None and not isinstance(self.target, FilesTargetSpec):
            raise PydanticCustomError("port_required", "is required for target.kind {kind}",
                                      {"at": ("port",), "kind": self.target.kind, "hint": "e.g. port: 8080"})
        overlays = {name: overlay.replicas for name, overlay in self.environments.items()}
        check_strategy_settings(self.strategy, self.replicas, self.canary, self.rolling, overlays)
        check_policy_envs({name: overlay.policy for name, overlay in self.environments.items()})
        if self.smoke_gate() and self.monitor.duration == 0:
            raise PydanticCustomError(
                "smoke_gate_needs_window", "the smoke gate runs inside the monitor window, and monitor.duration is 0s",
                {"at": ("health", "levels", "smoke", "gate"), "hint": "set monitor.duration, e.g. 10s, or gate: false"})
        if isinstance(self.target, DockerTargetSpec) and not self.target.shared_volume_ok:
            check_one_copy(self.target.writable_volumes(), self.strategy, self.replicas, overlays)
        if isinstance(self.target, SwarmTargetSpec):
            check_swarm_fits(self.target, self.strategy, self.replicas, overlays)
        return self

    def smoke_gate(self) -> bool:
        levels = self.health.levels
        return levels is not None and levels.smoke is not None and levels.smoke.gate

    def router_mode(self) -> Literal["http", "tcp"]:
        """router.mode, else http when the service proves itself over HTTP, else tcp."""
        if self.router.mode is not None:
            return self.router.mode
        return "http" if self.health.first_http() is not None else "tcp"

    def probe_path(self) -> str | None:
        """Where monitor traffic goes: monitor.path, else the first http check, else None (TCP)."""
        if self.monitor.path is not None:
            return self.monitor.path
        first = self.health.first_http()
        return first.path if first is not None else None
