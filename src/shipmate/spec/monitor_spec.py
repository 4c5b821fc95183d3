"""The monitor section of shipmate.yaml: the window after the switch, its rollback thresholds and its sources."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from shipmate.spec.durations import DurationRange, default_duration, format_duration
from shipmate.spec.field_types import FloatRange, IntRange, SpecModel, TextRule, UrlPath


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
