"""`health.levels` in shipmate.yaml: defaults, what a release stores, and bad keys refused with their key path."""

from __future__ import annotations

from pathlib import Path

import pytest
from spec_cases import MINIMAL_SPEC, write_spec

from shipmate.errors import SpecError
from shipmate.ops.common.releases import config_from
from shipmate.spec.loader import load_spec


def _load(tmp_path: Path, health: str, extra: str = "") -> object:
    return load_spec(write_spec(tmp_path, MINIMAL_SPEC + "health:\n" + health + extra))


def test_no_levels_section_stores_nothing_and_the_levels_are_derived(tmp_path: Path) -> None:
    loaded = load_spec(write_spec(tmp_path, MINIMAL_SPEC))
    assert loaded.spec.health.levels is None and config_from(loaded).health.levels == {}


def test_the_mcp_level_has_defaults_and_is_stored_with_the_release(tmp_path: Path) -> None:
    loaded = load_spec(write_spec(tmp_path, MINIMAL_SPEC + "health:\n  levels:\n    mcp: {required_tools: [a]}\n"))
    stored = config_from(loaded).health.levels
    assert stored["mcp"] == {"path": "/mcp", "min_tools": 0, "required_tools": ["a"], "schema_change": "warn",
                             "timeout": 5.0}
    assert stored["endpoint"] is True and stored["application"] is True


def test_smoke_sse_and_monitor_rules_load(tmp_path: Path) -> None:
    text = MINIMAL_SPEC + """health:
  levels:
    mcp: {sse: /sse, schema_change: fail}
    smoke: {mcp_call: {tool: echo, arguments: {text: hi}, expect: {is_error: false, text: hi}}, timeout: 3s}
monitor:
  rollback_if: {mcp_error_rate: 0.1, mcp_p95_ms: 200}
"""
    config = config_from(load_spec(write_spec(tmp_path, text)))
    assert config.health.levels["mcp"]["sse"] == "/sse" and config.health.levels["smoke"]["timeout"] == 3.0
    assert (config.monitor.mcp_error_rate, config.monitor.mcp_p95_ms) == (0.1, 200)


@pytest.mark.parametrize(("levels", "path", "message"), [
    ("mcp: {requried_tools: [a]}", "health.levels.mcp", "unknown key 'requried_tools'"),
    ("mcp: {path: /mcp, sse: /sse}", "health.levels.mcp", "give path (streamable HTTP) or sse"),
    ("mcp: {schema_change: maybe}", "health.levels.mcp.schema_change", ""),
    ("mcp: {min_tools: -1}", "health.levels.mcp.min_tools", "must be between 0 and 100000"),
    ("smoke: {}", "health.levels.smoke", "exactly one of command, http, mcp_call"),
    ("smoke: {mcp_call: {tool: x}}", "health.levels", "smoke.mcp_call needs the mcp level"),
    ("smoke: {http: [{path: /x, expect_status: 99}]}", "health.levels.smoke.http[0].expect_status", ""),
    ("smoke: {http: [{method: FETCH, path: /x}]}", "health.levels.smoke.http[0].method", ""),
    ("levle: 3", "health.levels", "unknown key 'levle'"),
])
def test_bad_levels_keys_are_refused_with_their_key_path(tmp_path: Path, levels: str, path: str,
                                                         message: str) -> None:
    with pytest.raises(SpecError) as caught:
        load_spec(write_spec(tmp_path, MINIMAL_SPEC + "health:\n  levels:\n    " + levels + "\n"))
    assert caught.value.path == path, caught.value.message
    assert message in caught.value.message


def test_an_mcp_monitor_rule_out_of_range_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as caught:
        load_spec(write_spec(tmp_path, MINIMAL_SPEC + "monitor: {rollback_if: {mcp_error_rate: 2}}\n"))
    assert caught.value.path == "monitor.rollback_if.mcp_error_rate"
