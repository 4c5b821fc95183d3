"""The shipmate.yaml spec as pydantic models: pure data and rules, no I/O.

Every model forbids unknown keys and is frozen. Durations are float seconds once loaded.
To add a target kind, write its model with ``kind: Literal["..."]`` and add it to ``Target``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator
from pydantic_core import PydanticCustomError

from shipmate.spec.argv_template import ARGV_HINT, argv_problem
from shipmate.spec.checks import Check, HttpCheck, TcpCheck
from shipmate.spec.durations import DurationRange, default_duration
from shipmate.spec.env_rules import EnvVars
from shipmate.spec.field_types import (
    DnsLabel,
    FloatRange,
    IntRange,
    NonEmptyText,
    Port,
    SpecModel,
    UrlPath,
    VersionText,
)
from shipmate.spec.quoting import quoted

STRATEGIES = ("blue-green", "recreate")


def _check_argv_arg(value: str) -> str:
    problem = argv_problem(value)
    if problem is not None:
        raise PydanticCustomError("argv_template", "{problem} in {got}", {"problem": problem, "got": quoted(value),
                                                                          "hint": ARGV_HINT})
    return value


# One argv element; ${PORT} and ${SHIPMATE_*} are filled in when an instance starts.
ArgvArg = Annotated[NonEmptyText, AfterValidator(_check_argv_arg)]


class ProcessTarget(SpecModel):
    """Run the service as a local child process that listens on $PORT."""

    kind: Literal["process"] = Field(description="Target kind: process (docker and others come later).")
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


# A discriminated union on `kind`: add DockerTarget etc. here.
Target = Annotated[ProcessTarget, Field(discriminator="kind")]


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

    @field_validator("checks")
    @classmethod
    def _default_to_tcp(cls, checks: tuple[Check, ...]) -> tuple[Check, ...]:
        return checks or (Check(tcp=TcpCheck()),)

    def first_http(self) -> HttpCheck | None:
        return next((check.http for check in self.checks if check.http is not None), None)


class RollbackIf(SpecModel):
    """Thresholds over the monitor window; crossing one rolls back."""

    error_rate: Annotated[float, FloatRange(0, 1)] = Field(
        0.05, description="Fraction of failed probe requests (0..1)."
    )
    p95_ms: Annotated[float, FloatRange(1, 600000)] = Field(
        1000, description="95th percentile latency of probe requests, in milliseconds."
    )


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
        5, description="Fewer samples than this make the verdict inconclusive."
    )
    on_inconclusive: Literal["rollback", "keep"] = Field(
        "rollback", description="What to do when the verdict is inconclusive."
    )
    path: UrlPath | None = Field(
        None, description="Path of probe traffic through the public port; default: the first http check's path."
    )


class EnvOverlay(SpecModel):
    """Per-environment changes applied on top of the base spec."""

    port: Annotated[int, IntRange(1, 65535)] | None = Field(None, description="Public port in this environment.")
    env: EnvVars = Field(default_factory=dict, description="Merged over target.env.")


class Spec(SpecModel):
    """shipmate.yaml: what to run, how to prove it healthy, how to switch and watch it."""

    service: DnsLabel = Field(description="Service name (a DNS label).")
    version: VersionText | None = Field(
        None, description='Release version; "git" = from `git describe --tags --always --dirty`; --version overrides.'
    )
    port: Port = Field(description="Public port; the router listens on 127.0.0.1:port.")
    target: Target = Field(description="What to run; `kind` picks the target type.")
    health: Health = Field(
        default_factory=lambda: Health.model_validate({}), description="How a new instance proves it is healthy."
    )
    strategy: Literal["blue-green", "recreate"] = Field(
        "blue-green", description="blue-green (zero downtime) or recreate (stop old, then start new)."
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

    def probe_path(self) -> str | None:
        """Where monitor traffic goes: monitor.path, else the first http check, else None (TCP)."""
        if self.monitor.path is not None:
            return self.monitor.path
        first = self.health.first_http()
        return first.path if first is not None else None
