"""The shipmate.yaml spec as pydantic models: pure data and rules, no I/O.

Every model forbids unknown keys and is frozen. Durations are float seconds once loaded.
To add a target kind, write its model with ``kind: Literal["..."]`` and add it to ``TargetSpec``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from shipmate.spec.approval_spec import ApprovalSpec
from shipmate.spec.backup_spec import BackupSpec
from shipmate.spec.checks import Check, HttpCheck, TcpCheck
from shipmate.spec.docker_target import DockerTargetSpec, writable_volumes_in
from shipmate.spec.durations import DurationRange, default_duration
from shipmate.spec.env_rules import EnvVars
from shipmate.spec.field_types import DnsLabel, IntRange, Port, SpecModel, VersionText
from shipmate.spec.files_target import FilesTargetSpec
from shipmate.spec.health_levels import HealthLevels
from shipmate.spec.hooks_spec import ConfidenceSpec, Hooks, Notify
from shipmate.spec.monitor_spec import MetricRuleSpec as MetricRuleSpec
from shipmate.spec.monitor_spec import Monitor as Monitor
from shipmate.spec.monitor_spec import MonitorSources as MonitorSources
from shipmate.spec.monitor_spec import PrometheusSource as PrometheusSource
from shipmate.spec.monitor_spec import RollbackIf as RollbackIf
from shipmate.spec.policy_spec import PolicySpec, check_policy_envs
from shipmate.spec.process_target import ProcessTargetSpec as ProcessTargetSpec
from shipmate.spec.release_spec import ReleaseSpec
from shipmate.spec.reports_spec import ReportsSpec
from shipmate.spec.secrets import Secrets, check_unique
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
