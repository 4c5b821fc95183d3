"""The pure level evaluator: probe levels, MCP tool needs and schema changes, smoke answers, MCP monitor rules."""

from __future__ import annotations

from typing import Any

import pytest

from shipmate.analysis.health_levels import (
    call_problem,
    configured,
    facts_of,
    first_failure,
    http_step_problem,
    judge_mcp,
    judge_probes,
    schema_change,
)
from shipmate.analysis.mcp_rules import mcp_evidence, mcp_findings
from shipmate.analysis.observations import McpSample
from shipmate.analysis.rules import Rules
from shipmate.model import Phase, ProbeResult
from shipmate.probes.mcp import schema_hash

ECHO = {"name": "echo", "input_schema": {"type": "object", "properties": {"text": {"type": "string"}}}}
ECHO_V2 = {"name": "echo", "input_schema": {"type": "object", "properties": {"text": {"type": "string"},
                                                                             "times": {"type": "integer"}}}}
PING = {"name": "ping", "input_schema": {"type": "object"}}


def facts(*tools: dict[str, Any]) -> dict[str, Any]:
    return facts_of(tools, schema_hash(tools))


@pytest.mark.parametrize(("levels", "checks", "docker", "expected"), [
    ({}, [{"tcp": {}}], False, [1, 2]),
    ({}, [{"http": {"path": "/h"}}], False, [1, 2, 3]),
    ({}, [{"tcp": {}}], True, [1, 2, 3]),
    ({"endpoint": False}, [{"command": {"argv": ["x"]}}], False, [1, 3]),
    ({"mcp": {"path": "/mcp"}, "smoke": {"command": ["x"]}}, [], False, [1, 2, 4, 5]),
    ({"application": False}, [{"http": {"path": "/h"}}], False, [1, 2]),
])
def test_configured_levels_are_derived_from_the_checks_and_the_levels_section(
        levels: dict[str, Any], checks: list[dict[str, Any]], docker: bool, expected: list[int]) -> None:
    assert configured(levels, checks, docker_health=docker) == expected


def test_a_probe_level_fails_with_the_first_failing_probe_as_evidence_and_a_hint() -> None:
    result = judge_probes(3, [ProbeResult("http /a", Phase.PASS, 1.0, "GET /a -> 200"),
                              ProbeResult("http /health", Phase.FAIL, 2.0, "GET /health -> 500")])
    assert result.phase is Phase.FAIL and result.name == "application"
    assert result.evidence.status == "HTTP 500" and result.evidence.cause == "http /health"
    assert result.hint and len(result.checks) == 2
    assert result.describe().startswith("level 3 (application) fail: http /health: GET /health -> 500")
    ok = judge_probes(2, [ProbeResult("tcp", Phase.PASS, 1.0, "connected")])
    assert ok.phase is Phase.PASS and first_failure([ok, result]) is result and first_failure([ok]) is None


def test_mcp_level_needs_the_required_tools_and_min_tools() -> None:
    seen = facts(ECHO, PING)
    assert judge_mcp({"required_tools": ["echo"]}, "u", facts=seen).phase is Phase.PASS
    missing = judge_mcp({"required_tools": ["echo", "nope"]}, "u", facts=seen)
    assert missing.phase is Phase.FAIL and "required tool missing: nope" in missing.evidence.excerpt
    assert judge_mcp({"min_tools": 3}, "u", facts=seen).evidence.cause == "min_tools"
    down = judge_mcp({}, "u", error=("nothing answers at u: refused", "ConnectError", "is it running?"))
    assert down.phase is Phase.FAIL and down.evidence.status == "unreachable" and down.hint == "is it running?"


def test_a_removed_tool_or_changed_schema_warns_by_default_and_fails_with_schema_change_fail() -> None:
    old, new = facts(ECHO, PING), facts(ECHO_V2)
    change = schema_change(old, new, since="1")
    assert change is not None and change.removed == ("ping",) and change.changed == ("echo",) and change.breaking
    warned = judge_mcp({}, "u", facts=new, change=change)
    assert warned.phase is Phase.PASS and warned.warnings == (
        "MCP tools changed since 1: removed ping; input schema changed echo",)
    failed = judge_mcp({"schema_change": "fail"}, "u", facts=new, change=change)
    assert failed.phase is Phase.FAIL and failed.evidence.cause == "schema_change"


def test_an_added_tool_is_no_break_and_the_same_tools_are_no_change() -> None:
    assert schema_change(facts(ECHO), facts(ECHO)) is None
    assert schema_change({}, facts(ECHO)) is None      # nothing stored: nothing to compare
    added = schema_change(facts(ECHO), facts(ECHO, PING))
    assert added is not None and added.added == ("ping",) and not added.breaking
    assert judge_mcp({"schema_change": "fail"}, "u", facts=facts(ECHO, PING), change=added).phase is Phase.PASS


def test_listing_order_does_not_change_the_hash_or_the_facts() -> None:
    assert facts(ECHO, PING) == facts(PING, ECHO)


@pytest.mark.parametrize(("expect", "is_error", "structured", "text", "problem"), [
    ({"is_error": False}, False, None, "ok", None),
    ({"isError": False}, True, None, "boom", "isError is true: boom"),
    ({"text": "hi"}, False, {"text": "hi"}, "", None),
    ({"items.0.name": "a"}, False, None, '{"items": [{"name": "a"}]}', None),
    ({"text": "x"}, False, {"text": "hi"}, "", "text='hi', expected 'x'"),
    ({"missing": 1}, False, {"text": "hi"}, "", "no 'missing' in the answer"),
])
def test_an_mcp_call_answer_is_matched_on_is_error_and_json_paths(
        expect: dict[str, Any], is_error: bool, structured: Any, text: str, problem: str | None) -> None:
    assert call_problem(expect, is_error, structured, text) == problem


def test_an_http_step_is_matched_on_status_and_json() -> None:
    step = {"expect_status": 201, "expect_json": {"created": "b"}}
    assert http_step_problem(step, 201, '{"created": "b"}') is None
    assert http_step_problem(step, 500, "oops") == "status 500, expected 201: oops"
    assert http_step_problem(step, 201, "<html>") == "body is not JSON: <html>"


def _samples(oks: list[bool], latency: float = 5.0) -> list[McpSample]:
    return [McpSample(float(i), "ins_a", "2", ok, latency if ok else 0.0, "" if ok else "HTTP 503")
            for i, ok in enumerate(oks)]


def test_the_mcp_error_rate_fails_decisively_once_the_window_cannot_recover() -> None:
    rules = Rules(duration_s=1.0, interval_s=0.1, mcp_error_rate=0.1, min_samples=3)
    early = mcp_findings(_samples([True, True, False, True]), rules, final=False)   # 1 of 10 may fail
    assert [(f.rule, f.phase, f.decisive) for f in early] == [("error_rate", Phase.PASS, False)]
    bad = mcp_findings(_samples([True, False, False]), rules, final=False)          # 2 of 10: certain
    assert bad[0].phase is Phase.FAIL and bad[0].decisive and "HTTP 503" in bad[0].detail


def test_the_mcp_p95_is_judged_at_the_end_and_evidence_is_per_version() -> None:
    rules = Rules(duration_s=1.0, interval_s=0.1, mcp_p95_ms=10.0, min_samples=3)
    assert mcp_findings(_samples([True] * 5, latency=50.0), rules, final=False) == []
    slow = mcp_findings(_samples([True] * 5, latency=50.0), rules, final=True)
    assert slow[0].phase is Phase.FAIL and slow[0].observed == 50.0
    assert mcp_evidence(_samples([True, False])) == {"2": {"samples": 2, "errors": 1, "p95_ms": 5.0,
                                                          "last_error": "HTTP 503"}}
