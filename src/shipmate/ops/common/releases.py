"""From a validated spec to the frozen config a release runs with, and back to a plan."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from shipmate.plan import Plan, PlanInput
from shipmate.release_config import CanaryStepConfig, HealthConfig, MetricRuleConfig, MonitorConfig, ReleaseConfig
from shipmate.spec.health_levels import levels_config
from shipmate.strategies import build_plan

if TYPE_CHECKING:
    from shipmate.spec.loader import LoadedSpec


def config_from(loaded: LoadedSpec) -> ReleaseConfig:
    from shipmate.spec.config_hash import config_fingerprint

    spec = loaded.spec
    config_hash, config_keys = config_fingerprint(loaded.base or spec)
    target, health = spec.target, spec.health
    if target.kind == "files" or spec.port is None:
        from shipmate.ops.common.files_release import files_config

        return files_config(loaded, config_hash, config_keys, monitor_config(loaded))
    checks: list[dict[str, Any]] = []
    for check in health.checks:
        checks.append({check.kind: check.settings.model_dump(mode="json", by_alias=True, exclude_none=True)})
    return ReleaseConfig(
        service=spec.service, environment=loaded.environment, version=loaded.version, digest=loaded.digest,
        target_kind=target.kind, port=spec.port, argv=tuple(target.command), cwd=str(loaded.cwd),
        env=dict(target.env), stop_grace_s=float(target.stop_grace), log_max_bytes=target.log_max_bytes,
        log_backups=target.log_backups, strategy=spec.strategy, drain_s=float(spec.drain),
        health=HealthConfig(float(health.start_period), float(health.interval), float(health.timeout),
                            float(health.deadline), tuple(checks), levels_config(health.levels)),
        monitor=monitor_config(loaded),
        router_mode=spec.router_mode(), router_hold_s=float(spec.router.hold),
        replicas=spec.replicas, canary_steps=canary_steps(loaded),
        canary_sticky=spec.canary.sticky if spec.canary is not None else False,
        rolling_max_unavailable=spec.rolling.max_unavailable if spec.rolling is not None else 1,
        rolling_max_surge=spec.rolling.max_surge if spec.rolling is not None else 1,
        target_settings=target.settings(str(loaded.cwd)),
        config_hash=config_hash, config_keys=config_keys,
    )


def canary_steps(loaded: LoadedSpec) -> tuple[CanaryStepConfig, ...]:
    """The canary's steps (the spec fills the default ones); none unless the strategy is canary."""
    canary = loaded.spec.canary
    return tuple(CanaryStepConfig(step.weight, float(step.pause)) for step in canary.steps) if canary else ()


def monitor_config(loaded: LoadedSpec) -> MonitorConfig:
    spec = loaded.spec
    mon, limits, prometheus = spec.monitor, spec.monitor.rollback_if, spec.monitor.sources.prometheus
    return MonitorConfig(
        duration_s=float(mon.duration), interval_s=float(mon.interval), error_rate=limits.error_rate,
        p95_ms=limits.p95_ms, min_samples=mon.min_samples, on_inconclusive=str(mon.on_inconclusive),
        path=spec.probe_path(), p99_ms=limits.p99_ms, cpu_percent=limits.cpu_percent, memory_mb=limits.memory_mb,
        consecutive_failures=limits.consecutive_failures, max_error_rate_increase=limits.max_error_rate_increase,
        min_requests=mon.min_requests, min_coverage=float(mon.min_coverage), router_traffic=mon.sources.router,
        probes=mon.sources.probes, process_stats=mon.sources.process,
        prometheus_path=prometheus.path if prometheus else None,
        metric_rules=tuple(MetricRuleConfig(rule.metric, dict(rule.labels), rule.max, rule.increase_max)
                           for rule in (prometheus.rules if prometheus else ())),
        mcp_error_rate=limits.mcp_error_rate, mcp_p95_ms=limits.mcp_p95_ms,
    )


def plan_for(config: ReleaseConfig, *, kind: str, previous: ReleaseConfig | None,
             previous_ids: tuple[str, ...] = (), monitor: bool = True, fast_rollback: bool = False) -> Plan:
    """``previous_ids``: the live instances of the current release (the plan names them to retire)."""
    given = PlanInput(
        service=config.service, environment=config.environment, version=config.version, kind=kind,
        port=config.port, drain_s=config.drain_s, stop_grace_s=config.stop_grace_s,
        health_deadline_s=config.health.deadline_s, monitor_s=config.monitor.duration_s if monitor else 0.0,
        previous_version=previous.version if previous else None, previous_running=bool(previous_ids),
        previous_instance_ids=previous_ids, router_mode=config.router_mode,
        replicas=config.replicas, previous_replicas=previous.replicas if previous else 1,
        canary_steps=tuple((step.weight, step.pause_s) for step in config.canary_steps),
        max_surge=config.rolling_max_surge, max_unavailable=config.rolling_max_unavailable,
        fast_rollback=fast_rollback, native=_native(config),
        converge_s=float(config.target_settings.get("converge_timeout_s") or 300.0))
    plan = build_plan(config.strategy, given)
    return with_prune(plan, config) if kind in ("deploy", "rollback") else plan


def _native(config: ReleaseConfig) -> bool:
    from shipmate.targets.registry import capabilities_of

    can = capabilities_of(config.target_kind)
    return bool(can and can.native_rollout)


def with_prune(plan: Plan, config: ReleaseConfig) -> Plan:
    """A target that keeps stopped instances and images, or a process release with snapshots, gets a last cleanup
    step that prunes old releases."""
    from shipmate.engine.retention import DEFAULT_KEEP_RELEASES, prune_step
    from shipmate.targets.registry import capabilities_of

    can = capabilities_of(config.target_kind)
    snapshots = bool(can and can.file_artifact and config.target_settings.get("snapshots"))
    if can is None or not (can.keeps_artifacts or snapshots):
        return plan
    keep = int(config.target_settings.get("keep_releases") or DEFAULT_KEEP_RELEASES)
    return dataclasses.replace(plan, steps=(*plan.steps, prune_step(keep, snapshots=snapshots)))
