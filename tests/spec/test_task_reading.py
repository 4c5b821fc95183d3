"""The inbox task reader: every problem of a bad task with its JSON pointer; the exported schema agrees."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest

from shipmate.spec.task_reading import MAX_TASK_BYTES, read_task
from shipmate.spec.task_spec import task_json_schema

ENVS = ["staging", "production"]


def _task(**over: Any) -> dict[str, Any]:
    task: dict[str, Any] = {
        "trace_id": "CHORA-DEPLOY-2025-001", "category": "deployment", "environment": "production",
        "version": "v1.9.1", "urgency": "high",
        "scope": {"services": ["web"], "estimated_downtime_seconds": 0},
        "verification": [{"mcp_tools": {"at_least": 24}}, {"probe_p95": {"below_ms": 50}},
                         {"healthy_within": {"seconds": 30}}],
        "rollback_conditions": {"health_check_failures": 3, "error_rate_threshold": 0.2},
        "requested_by": "agent-ci",
    }
    task.update(over)
    return task


def _pointers(raw: bytes) -> dict[str, str]:
    reading = read_task(raw, service="web", environments=ENVS)
    assert reading.task is None
    return {p.pointer: p.message for p in reading.problems}


def test_the_seeds_task_reads_into_typed_checks_and_its_approval_fields_are_ignored() -> None:
    raw = json.dumps(_task(approved_by="someone", auto_approve=True)).encode()
    reading = read_task(raw, service="web", environments=ENVS)
    assert reading.problems == [] and reading.task is not None
    assert [v.kind for v in reading.task.verification] == ["mcp_tools", "probe_p95", "healthy_within"]
    assert reading.ignored == ["approved_by", "auto_approve"]
    assert reading.data is not None and "approved_by" not in reading.data


def test_every_problem_is_listed_with_its_pointer_not_just_the_first() -> None:
    raw = json.dumps(_task(trace_id="has space", environment="prod", urgency="asap", extra=1,
                           scope={"services": ["api", "web"], "size": 2},
                           verification=[{"probe_p95": {"below_ms": "50"}}, {}],
                           rollback_conditions={"error_rate_threshold": 2})).encode()
    problems = _pointers(raw)
    assert set(problems) == {"/trace_id", "/environment", "/urgency", "/extra", "/scope/services/0", "/scope/size",
                             "/verification/0/probe_p95/below_ms", "/verification/1",
                             "/rollback_conditions/error_rate_threshold"}
    assert problems["/extra"] == "unknown field"
    assert problems["/environment"] == "unknown environment 'prod'"
    assert problems["/scope/services/0"] == "unknown service 'api'"


def test_duplicate_keys_and_non_finite_numbers_are_errors_where_json_loads_would_pass_them() -> None:
    raw = (b'{"trace_id": "a", "trace_id": "b", "environment": "staging", "scope": {"services": ["web"]},'
           b' "requested_by": "x", "verification": [{"probe_p95": {"below_ms": NaN}}],'
           b' "rollback_conditions": {"error_rate_threshold": 1e999}}')
    problems = _pointers(raw)
    assert problems["/trace_id"] == "duplicate key 'trace_id'"
    assert "NaN" in problems["/verification/0/probe_p95/below_ms"]
    assert "1e999" in problems["/rollback_conditions/error_rate_threshold"]


@pytest.mark.parametrize(("raw", "needle"), [
    (b"{not json", "not JSON"),
    (b"\xff\xfe{}", "not UTF-8"),
    (b"[1, 2]", "must be a JSON object"),
    (b"[" * 100_000 + b"]" * 100_000, "deeper"),
    (b'{"a": ' * 40 + b"1" + b"}" * 40, "deeper"),
    (b" " * (MAX_TASK_BYTES + 1) + b"{}", "1 MiB"),
])
def test_unreadable_documents_are_one_problem_at_the_root(raw: bytes, needle: str) -> None:
    reading = read_task(raw, service="web", environments=ENVS)
    assert reading.task is None and needle in reading.problems[0].message


def test_the_exported_schema_is_draft_2020_12_and_agrees_with_the_reader() -> None:
    schema = task_json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    assert list(validator.iter_errors(_task(approved_by="x"))) == []
    assert list(validator.iter_errors(_task(surprise=True)))            # extra fields: both refuse
    assert list(validator.iter_errors(_task(verification=[{"probe_p95": {"below_ms": "5"}}])))
