"""The monitor settings frozen into a release: from the spec, through JSON, and from older stored releases."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from shipmate.engine.monitor import rules_of
from shipmate.ops.common.releases import config_from
from shipmate.release_config import MetricRuleConfig, MonitorConfig, ReleaseConfig
from shipmate.spec.loader import load_spec

# A release as the previous shipmate stored it (before router traffic, process and Prometheus rules).
OLD_STORED: dict[str, Any] = {
    "service": "hello", "environment": "default", "version": "1.0.0", "digest": "ab" * 32,
    "target_kind": "process", "port": 8080, "argv": ["python3", "app.py"], "cwd": "/srv/hello",
    "env": {"GREETING": "hi"}, "stop_grace_s": 10.0, "log_max_bytes": 10485760, "log_backups": 3,
    "strategy": "blue-green", "drain_s": 30.0,
    "health": {"start_period_s": 0.0, "interval_s": 1.0, "timeout_s": 2.0, "deadline_s": 30.0,
               "checks": [{"http": {"path": "/health", "status": 200}}]},
    "monitor": {"duration_s": 10.0, "interval_s": 1.0, "error_rate": 0.05, "p95_ms": 1000.0, "min_samples": 5,
                "on_inconclusive": "rollback", "path": "/health"},
    "extra": {},
}

SPEC = """\
service: web
version: "2.0.0"
port: 8080
target: {kind: process, command: [python3, app.py]}
health: {checks: [{http: {path: /health}}]}
monitor:
  duration: 20s
  interval: 500ms
  min_requests: 40
  min_coverage: 0.9
  rollback_if: {error_rate: 0.02, p95_ms: null, p99_ms: 900, cpu_percent: 200, memory_mb: 256,
                consecutive_failures: 4, max_error_rate_increase: 0.01}
  sources:
    probes: false
    prometheus:
      rules: [{metric: app_errors_total, labels: {code: "500"}, increase_max: 5}, {metric: queue_depth, max: 9}]
"""


def test_a_release_stored_by_an_older_shipmate_still_loads_and_is_judged_as_before() -> None:
    config = ReleaseConfig.from_dict(json.loads(json.dumps(OLD_STORED)))
    mon = config.monitor
    assert (mon.error_rate, mon.p95_ms, mon.min_samples, mon.path) == (0.05, 1000.0, 5, "/health")
    assert mon.min_requests == 20 and mon.min_coverage == 0.8 and mon.metric_rules == ()
    assert mon.router_traffic and mon.probes and mon.process_stats and mon.prometheus_path is None
    rules = rules_of(mon, 10.0)
    assert (rules.p99_ms, rules.cpu_percent, rules.memory_mb, rules.consecutive_failures) == (None,) * 4
    assert rules.expected_ticks == 10


def test_the_spec_monitor_settings_are_frozen_into_the_release_and_survive_json(tmp_path: Path) -> None:
    (tmp_path / "shipmate.yaml").write_text(SPEC)
    config = config_from(load_spec(tmp_path / "shipmate.yaml"))
    assert config.monitor == MonitorConfig(
        duration_s=20.0, interval_s=0.5, error_rate=0.02, p95_ms=None, min_samples=5, on_inconclusive="rollback",
        path="/health", p99_ms=900.0, cpu_percent=200.0, memory_mb=256.0, consecutive_failures=4,
        max_error_rate_increase=0.01, min_requests=40, min_coverage=0.9, router_traffic=True, probes=False,
        process_stats=True, prometheus_path="/metrics",
        metric_rules=(MetricRuleConfig("app_errors_total", {"code": "500"}, None, 5.0),
                      MetricRuleConfig("queue_depth", {}, 9.0, None)))
    again = ReleaseConfig.from_dict(json.loads(json.dumps(config.to_dict())))
    assert again == config
    rules = rules_of(again.monitor, 20.0)
    assert [r.name for r in rules.metric_rules] == ['app_errors_total{code="500"}', "queue_depth"]
    assert rules.expected_ticks == 40


def test_a_window_without_a_stable_side_compares_nothing_and_a_canary_step_always_compares() -> None:
    from shipmate.engine.monitor import CANARY_MAX_INCREASE, compared_rules
    from tests.engine.fake_world import release

    mon = release("1.0.0", port=8080).monitor
    assert compared_rules(mon, 5, None).max_error_rate_increase is None
    default = compared_rules(mon, 5, "0.9.0")
    assert default.max_error_rate_increase == CANARY_MAX_INCREASE and not default.compare_required
    explicit = compared_rules(replace(mon, max_error_rate_increase=0.02), 5, "0.9.0")
    assert explicit.max_error_rate_increase == 0.02 and explicit.compare_required
    assert compared_rules(replace(mon, max_error_rate_increase=0.02), 5, None).max_error_rate_increase is None
