"""Policy on the server: read-only and no-destructive filter tools/list and refuse calls; protected
environments refuse deploy, rollback and down with exit 6; each refusal is audited and runs nothing."""

from __future__ import annotations

import json

import pytest

from shipmate import ops
from shipmate.mcp.policy import ToolPolicy
from tests.e2e.cli_project import Project
from tests.mcp.face import body, connected, mcp_events

pytestmark = pytest.mark.anyio

PROTECTED = "environments:\n  staging: {}\n  production: {protected: true}\n"


async def test_read_only_lists_only_read_tools_and_refuses_a_mutating_call(project: Project) -> None:
    spec = project.spec("1.0.0")
    async with connected(spec, ToolPolicy(read_only=True)) as client:
        names = {tool.name for tool in (await client.list_tools()).tools}
        refused = await client.call_tool("deploy", {"confirm": True})
    assert names == {"status", "history", "events", "check", "logs", "lock_status", "secrets_list", "probe",
                     "approvals", "explain", "backups", "doctor",
                     "inbox_status", "memory_search", "version", "uptime", "report"}
    error = body(refused)["error"]
    assert refused.is_error and error["code"] == "refused" and "read-only" in error["message"]
    assert ops.history(str(spec))["deployments"] == [] and not project.our_processes()
    [event] = mcp_events(spec)
    assert (event["event_type"], event["notes"], event["deployed_by"]) == ("mcp.refused", "deploy", "mcp:test-agent")
    assert event["data"]["arguments"] == {"confirm": True}


async def test_no_destructive_hides_and_refuses_down_but_keeps_deploy(project: Project) -> None:
    spec = project.spec("1.0.0")
    async with connected(spec, ToolPolicy(no_destructive=True)) as client:
        names = {tool.name for tool in (await client.list_tools()).tools}
        refused = await client.call_tool("down", {})
    assert "down" not in names and {"deploy", "rollback"} <= names
    assert body(refused)["error"]["code"] == "refused"


async def test_a_protected_environment_answers_deploy_and_down_with_exit_6_and_a_pending_approval(
        project: Project) -> None:
    spec = project.spec("1.0.0", extra=PROTECTED)
    async with connected(spec) as client:
        refused = await client.call_tool("deploy", {"env": "production", "confirm": True})
        plan = await client.call_tool("deploy", {"env": "production", "dry_run": True})
    error = body(refused)["error"]
    assert refused.is_error and (error["code"], error["exit_code"]) == ("approval_required", 6)
    assert error["details"]["approval_id"].startswith("apr_") and error["hint"]
    assert not plan.is_error and body(plan)["environment"] == "production"
    assert body(plan)["approval"]["required"] is True and body(plan)["approval"]["face"] == "mcp"
    assert ops.history(str(spec), environment="production")["deployments"] == [] and not project.our_processes()
    events = mcp_events(spec)
    assert [(e["event_type"], e["notes"], e["environment"]) for e in events] == [
        ("mcp.call", "deploy", "production"), ("mcp.call", "deploy", "production")]
    assert events[0]["data"]["error"] == {"code": "approval_required", "exit_code": 6}


async def test_the_first_environment_is_protected_when_env_is_omitted(project: Project) -> None:
    spec = project.spec("1.0.0", extra="environments:\n  production: {protected: true}\n  staging: {}\n")
    async with connected(spec) as client:
        refused = await client.call_tool("deploy", {})
    assert body(refused)["error"]["exit_code"] == 6


def test_protected_is_a_valid_key_of_an_environment_overlay(project: Project) -> None:
    plain = ops.validate(str(project.spec("1.0.0", extra="environments:\n  production: {}\n")))
    marked = ops.validate(str(project.spec("1.0.0", extra=PROTECTED)))
    assert plain["valid"] and marked["valid"]


@pytest.mark.anyio
async def test_a_refused_secrets_set_never_records_the_value_in_the_audit(project: Project) -> None:
    spec = project.spec("1.0.0")
    canary = "policy-canary-4e1f9a7b"
    async with connected(spec, ToolPolicy(read_only=True)) as client:
        refused = await client.call_tool("secrets_set", {"name": "API_KEY", "value": canary})
    assert refused.is_error and body(refused)["error"]["code"] == "refused"
    [event] = mcp_events(spec)
    assert event["data"]["arguments"] == {"name": "API_KEY", "value": "***"}
    assert canary not in json.dumps(ops.as_json(ops.events(str(spec), limit=100)))
    assert not (project.home() / "secrets").exists()
