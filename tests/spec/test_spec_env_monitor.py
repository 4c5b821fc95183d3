"""A per-environment `monitor:` is merged key by key over the base one: production watches longer than staging."""

from __future__ import annotations

from pathlib import Path

import pytest
from spec_cases import MINIMAL_SPEC, write_spec

from shipmate.errors import SpecError
from shipmate.spec.loader import load_spec

ENVIRONMENTS = """monitor: {duration: 20s, interval: 2s, rollback_if: {p95_ms: 300}}
environments:
  staging: {}
  production:
    monitor: {duration: 10m, rollback_if: {error_rate: 0.001}}
"""


def test_production_watches_longer_and_keeps_the_base_keys_it_did_not_write(tmp_path: Path) -> None:
    path = write_spec(tmp_path, MINIMAL_SPEC + ENVIRONMENTS)
    staging = load_spec(path, environment="staging").spec.monitor
    production = load_spec(path, environment="production").spec.monitor
    assert (staging.duration, staging.interval) == (20.0, 2.0)
    assert (production.duration, production.interval) == (600.0, 2.0)
    assert production.rollback_if.error_rate == 0.001
    assert production.rollback_if.p95_ms == staging.rollback_if.p95_ms == 300


def test_an_overlay_that_leaves_the_window_shorter_than_its_interval_is_refused_naming_the_path(
        tmp_path: Path) -> None:
    text = MINIMAL_SPEC + "monitor: {interval: 5s}\nenvironments:\n  production: {monitor: {duration: 2s}}\n"
    with pytest.raises(SpecError) as caught:
        load_spec(write_spec(tmp_path, text), environment="production")
    assert caught.value.path.startswith("environments.production.monitor")
    assert "longer than the whole window" in caught.value.message


def test_an_unknown_monitor_key_in_an_overlay_is_refused_at_its_path(tmp_path: Path) -> None:
    text = MINIMAL_SPEC + "environments:\n  production: {monitor: {durration: 1m}}\n"
    with pytest.raises(SpecError) as caught:
        load_spec(write_spec(tmp_path, text))
    assert caught.value.path == "environments.production.monitor", caught.value.message


SMOKE_GATE = "health:\n  levels:\n    smoke: {http: [{path: /}], gate: true}\n"


def test_a_smoke_gate_without_a_monitor_window_is_refused_naming_the_gate(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as caught:
        load_spec(write_spec(tmp_path, MINIMAL_SPEC + SMOKE_GATE + "monitor: {duration: 0s}\n"))
    assert caught.value.path == "health.levels.smoke.gate", caught.value.message
    text = MINIMAL_SPEC + SMOKE_GATE + "environments:\n  staging: {}\n  production: {monitor: {duration: 0s}}\n"
    assert load_spec(write_spec(tmp_path, text), environment="staging").spec.smoke_gate()
    with pytest.raises(SpecError) as overlay:
        load_spec(write_spec(tmp_path, text), environment="production")
    assert overlay.value.path == "environments.production.monitor.duration"
