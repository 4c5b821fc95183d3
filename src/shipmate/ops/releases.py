"""From a validated spec to the frozen config a release runs with, and back to a plan."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shipmate.plan import Plan, PlanInput
from shipmate.release_config import HealthConfig, MonitorConfig, ReleaseConfig
from shipmate.strategies import build_plan

if TYPE_CHECKING:
    from shipmate.spec.loader import LoadedSpec


def config_from(loaded: LoadedSpec) -> ReleaseConfig:
    spec = loaded.spec
    target, health, mon = spec.target, spec.health, spec.monitor
    checks: list[dict[str, Any]] = []
    for check in health.checks:
        checks.append({check.kind: check.settings.model_dump(mode="json", by_alias=True, exclude_none=True)})
    return ReleaseConfig(
        service=spec.service, environment=loaded.environment, version=loaded.version, digest=loaded.digest,
        target_kind=target.kind, port=spec.port, argv=tuple(target.command), cwd=str(loaded.cwd),
        env=dict(target.env), stop_grace_s=float(target.stop_grace), log_max_bytes=target.log_max_bytes,
        log_backups=target.log_backups, strategy=spec.strategy, drain_s=float(spec.drain),
        health=HealthConfig(float(health.start_period), float(health.interval), float(health.timeout),
                            float(health.deadline), tuple(checks)),
        monitor=MonitorConfig(float(mon.duration), float(mon.interval), float(mon.rollback_if.error_rate),
                              float(mon.rollback_if.p95_ms), int(mon.min_samples), str(mon.on_inconclusive),
                              spec.probe_path()),
        router_mode=spec.router_mode(), router_hold_s=float(spec.router.hold),
    )


def plan_for(config: ReleaseConfig, *, kind: str, previous: ReleaseConfig | None, previous_running: bool,
             monitor: bool = True, previous_instance_id: str | None = None) -> Plan:
    given = PlanInput(
        service=config.service, environment=config.environment, version=config.version, kind=kind,
        port=config.port, drain_s=config.drain_s, stop_grace_s=config.stop_grace_s,
        health_deadline_s=config.health.deadline_s, monitor_s=config.monitor.duration_s if monitor else 0.0,
        previous_version=previous.version if previous else None, previous_running=previous_running,
        previous_instance_id=previous_instance_id if previous_running else None, router_mode=config.router_mode)
    return build_plan(config.strategy, given)
