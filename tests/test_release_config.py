"""The replicas, canary and rolling settings frozen into a release: from the spec, through JSON, from older rows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from shipmate.ops.common.releases import config_from
from shipmate.release_config import CanaryStepConfig, ReleaseConfig
from shipmate.spec.loader import load_spec

# A release as shipmate stored it before issue 6 (no replicas, canary or rolling keys).
OLD_STORED: dict[str, Any] = {
    "service": "hello", "environment": "default", "version": "1.0.0", "digest": "ab" * 32,
    "target_kind": "process", "port": 8080, "argv": ["python3", "app.py"], "cwd": "/srv/hello",
    "env": {"GREETING": "hi"}, "stop_grace_s": 10.0, "log_max_bytes": 10485760, "log_backups": 3,
    "strategy": "blue-green", "drain_s": 30.0,
    "health": {"start_period_s": 0.0, "interval_s": 1.0, "timeout_s": 2.0, "deadline_s": 30.0,
               "checks": [{"http": {"path": "/health", "status": 200}}]},
    "monitor": {"duration_s": 10.0, "interval_s": 1.0, "error_rate": 0.05, "p95_ms": 1000.0, "min_samples": 5,
                "on_inconclusive": "rollback", "path": "/health"},
    "extra": {}, "router_mode": "http", "router_hold_s": 10.0,
}

CANARY_SPEC = """\
service: web
version: "2.0.0"
port: 8080
target: {kind: process, command: [python3, app.py]}
replicas: 3
strategy: canary
canary: {steps: [{weight: 10, pause: 5s}, {weight: 50, pause: 1500ms}], sticky: true}
"""


def test_a_release_stored_before_replicas_loads_as_one_instance_without_canary_steps() -> None:
    config = ReleaseConfig.from_dict(json.loads(json.dumps(OLD_STORED)))
    assert config.replicas == 1
    assert config.canary_steps == () and config.canary_sticky is False
    assert (config.rolling_max_unavailable, config.rolling_max_surge) == (1, 1)


def test_canary_settings_are_frozen_into_the_release_and_survive_json(tmp_path: Path) -> None:
    (tmp_path / "shipmate.yaml").write_text(CANARY_SPEC)
    config = config_from(load_spec(tmp_path / "shipmate.yaml"))
    assert config.replicas == 3 and config.strategy == "canary" and config.canary_sticky is True
    assert config.canary_steps == (CanaryStepConfig(10, 5.0), CanaryStepConfig(50, 1.5))
    again = ReleaseConfig.from_dict(json.loads(json.dumps(config.to_dict())))
    assert again == config
    assert isinstance(again.canary_steps, tuple) and isinstance(again.canary_steps[0], CanaryStepConfig)


def test_rolling_settings_are_frozen_into_the_release_and_survive_json(tmp_path: Path) -> None:
    text = CANARY_SPEC.replace("strategy: canary", "strategy: rolling").replace(
        "canary: {steps: [{weight: 10, pause: 5s}, {weight: 50, pause: 1500ms}], sticky: true}",
        "rolling: {max_unavailable: 0, max_surge: 2}")
    (tmp_path / "shipmate.yaml").write_text(text)
    config = config_from(load_spec(tmp_path / "shipmate.yaml"))
    assert (config.rolling_max_unavailable, config.rolling_max_surge, config.canary_steps) == (0, 2, ())
    assert ReleaseConfig.from_dict(json.loads(json.dumps(config.to_dict()))) == config
