"""The MCP face in memory: tools/list and its annotations, each read tool on a deployed service, errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from shipmate import ops
from shipmate.mcp.catalog import TOOLS
from tests import mcp_servers
from tests.e2e.cli_project import Project
from tests.mcp.face import body, connected, mcp_events
from tests.mcp_servers import RunningServer

pytestmark = pytest.mark.anyio
http_server = mcp_servers.http_server

READ_TOOLS = {"status", "history", "events", "check", "logs", "lock_status", "secrets_list", "probe", "approvals",
              "explain", "backups", "doctor", "inbox_status", "memory_search", "version", "uptime", "report"}
MUTATING = {"deploy", "rollback", "down", "promote", "backup_create", "secrets_set", "secrets_rotate"}
DECISIONS = {"approve", "reject", "withdraw"}   # an approval's decisions, and its requester's withdrawal
QUEUEING = {"inbox_submit", "inbox_process"}   # a checked task file, and the pass acting on it as its requester
TEACHING = {"memory_add"}   # writes knowledge only, never a service: no dry run


async def test_tools_list_offers_one_tool_per_operation_with_truthful_annotations(project: Project) -> None:
    spec = project.spec("1.0.0")
    async with connected(spec) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    assert set(tools) == READ_TOOLS | MUTATING | DECISIONS | QUEUEING | TEACHING
    for name, tool in tools.items():
        assert tool.annotations is not None and tool.annotations.read_only_hint is (name in READ_TOOLS)
        if name in MUTATING:
            assert "dry_run" in tool.input_schema["properties"], name
    assert tools["down"].annotations.destructive_hint is True
    assert tools["deploy"].annotations.idempotent_hint is False
    assert tools["status"].annotations.idempotent_hint is True


_MOMENTARY = ("uptime_s", "cpu_percent", "memory_mb")   # measured at each look: two looks differ


def _settled(environments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A status's environments without what is measured at the moment of the look."""
    return [{**env, "instances": [{k: v for k, v in ins.items() if k not in _MOMENTARY}
                                  for ins in env.get("instances", [])]} for env in environments]


async def test_each_read_tool_returns_the_cli_json_object_of_a_deployed_service(project: Project) -> None:
    spec = project.spec("1.0.0")
    deployed = ops.deploy(str(spec))
    assert deployed["state"] == "succeeded"
    async with connected(spec) as client:
        status = body(await client.call_tool("status", {}))
        assert status["ok"] is True and status["command"] == "status"
        assert status["environments"][0]["current"]["version"] == "1.0.0"
        assert status["environments"][0]["serving"] is True
        history = body(await client.call_tool("history", {"limit": 5}))
        assert history["deployments"][0]["deployment_id"] == deployed["deployment_id"]
        events = body(await client.call_tool("events", {"deployment": deployed["deployment_id"]}))
        assert any(e["event_type"] == "deployment.succeeded" for e in events["events"])
        check = body(await client.call_tool("check", {}))
        assert check["healthy"] is True and check["version"] == "1.0.0"
        logs = body(await client.call_tool("logs", {"lines": 20}))
        assert logs["instances"] and logs["environment"] == "default"
        locks = body(await client.call_tool("lock_status", {}))
        assert locks["service"] == "hello"
        secrets = body(await client.call_tool("secrets_list", {}))
        assert secrets == {"ok": True, "command": "secrets list", "secrets": []}
    assert _settled(status["environments"]) == _settled(ops.as_json(ops.status(str(spec)))["environments"])
    audited = mcp_events(spec)
    assert [e["notes"] for e in audited] == ["status", "history", "events", "check", "logs", "lock_status",
                                            "secrets_list"]
    assert {e["deployed_by"] for e in audited} == {"mcp:test-agent"}
    assert all(e["data"]["face"] == "mcp" and e["status"] == "ok" for e in audited)


async def test_an_ops_error_is_an_is_error_result_with_code_hint_and_exit_code(project: Project) -> None:
    spec = project.spec("1.0.0")
    async with connected(spec) as client:
        result = await client.call_tool("check", {})
        unknown_env = await client.call_tool("status", {"env": "nowhere"})
        rollback = await client.call_tool("rollback", {})
    assert result.is_error
    error = body(result)["error"]
    assert (error["code"], error["exit_code"]) == ("health_check_failed", 3) and error["hint"]
    assert body(unknown_env)["error"]["exit_code"] == 2 and "nowhere" in body(unknown_env)["error"]["message"]
    assert body(rollback)["error"]["code"] == "not_found"
    assert [e["status"] for e in mcp_events(spec)] == ["error", "error", "error"]


async def test_malformed_arguments_and_unknown_tools_are_refused_and_audited_without_running(
        project: Project) -> None:
    spec = project.spec("1.0.0")
    async with connected(spec) as client:
        bad = await client.call_tool("deploy", {"dry_run": {"nested": 1}})
        unknown = await client.call_tool("format_disk", {})
    assert body(bad)["error"]["code"] == "invalid_input" and "dry_run" in body(bad)["error"]["message"]
    assert body(unknown)["error"]["exit_code"] == 2
    refusals = mcp_events(spec)
    assert [(e["event_type"], e["notes"]) for e in refusals] == [("mcp.refused", "deploy"),
                                                                   ("mcp.refused", "format_disk")]
    assert ops.history(str(spec))["deployments"] == []


async def test_a_dry_run_deploy_returns_the_plan_and_starts_nothing(project: Project) -> None:
    spec = project.spec("1.0.0")
    async with connected(spec) as client:
        plan = body(await client.call_tool("deploy", {"dry_run": True}))
    assert plan["dry_run"] is True and plan["plan"]["steps"]
    assert ops.history(str(spec))["deployments"] == [] and not project.our_processes()


def test_every_tool_is_described_in_the_catalog() -> None:
    assert {tool.name for tool in TOOLS} == READ_TOOLS | MUTATING | DECISIONS | QUEUEING | TEACHING


async def test_a_missing_spec_file_is_an_invalid_input_error_not_a_crash(tmp_path: Path) -> None:
    async with connected(tmp_path / "absent.yaml") as client:
        result = await client.call_tool("status", {})
    error = body(result)["error"]
    assert result.is_error and error["exit_code"] == 2 and error["hint"]


async def test_a_secret_value_never_reaches_a_result_or_the_audit_trail(project: Project) -> None:
    canary = "canary-Secret-7f3a9c1e5b"
    spec = project.spec("1.0.0")
    ops.secrets_set(str(spec), "API_KEY", canary)
    async with connected(spec) as client:
        listed = await client.call_tool("secrets_list", {})
        planned = await client.call_tool("deploy", {"version": canary, "dry_run": True, "token": canary})
    assert body(listed)["secrets"][0]["name"] == "API_KEY"
    trail = json.dumps(mcp_events(spec))
    for text in (json.dumps(body(listed)), json.dumps(body(planned)), trail):
        assert canary not in text
    assert "***" in trail and body(planned)["version"] == "***"


async def test_the_probe_tool_measures_an_mcp_server_by_url_and_refuses_a_command(
        project: Project, http_server: RunningServer) -> None:
    spec = project.spec("1.0.0")
    async with connected(spec) as client:
        probed = body(await client.call_tool("probe", {"url": http_server.url("/mcp"), "calls": 5}))
        refused = await client.call_tool("probe", {"url": "stdio:touch /tmp/should-not-exist"})
    assert probed["ok"] is True and probed["command"] == "probe mcp", probed
    assert "add" in json.dumps(probed) and probed["calls"] == 5, probed
    assert refused.is_error and body(refused)["error"]["exit_code"] == 2, body(refused)
    assert not Path("/tmp/should-not-exist").exists()
