"""An agent operating a service through MCP alone (no shell): deploy, a broken deploy that rolls back by
itself, rollback and status, over stdio against a real `shipmate mcp`; and a cancelled deploy rolls back."""

from __future__ import annotations

import os

import anyio
import anyio.to_thread
import pytest
from mcp import Client, StdioServerParameters
from mcp_types import Implementation

from shipmate import ops
from tests.e2e.cli_project import SHIPMATE, Project
from tests.mcp.face import body, connected, mcp_events
from tests.waiting import wait_until

pytestmark = pytest.mark.anyio


async def test_an_agent_deploys_survives_a_broken_release_and_rolls_back_through_mcp_alone(project: Project) -> None:
    spec = project.spec("1.0.0")
    params = StdioServerParameters(command=SHIPMATE, args=["mcp", "-f", str(spec)], cwd=str(project.root),
                                   env={k: v for k, v in os.environ.items() if isinstance(v, str)})
    progress: list[str] = []

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        progress.append(message or "")

    async with Client(params, mode="legacy", cache=None, read_timeout_seconds=120,
                      client_info=Implementation(name="agent-script", version="1")) as agent:
        first = body(await agent.call_tool("deploy", {}, progress_callback=on_progress))
        assert first["ok"] and first["state"] == "succeeded" and first["version"] == "1.0.0"

        project.spec("2.0.0", app_env={"HELLO_FAIL_HEALTH": "1"}, deadline="2s")   # a developer's bad change
        broken = await agent.call_tool("deploy", {})
        error = body(broken)["error"]
        assert broken.is_error and (error["code"], error["exit_code"]) == ("deployment_failed", 1)
        assert error["details"]["state"] == "rolled_back"
        status = body(await agent.call_tool("status", {}))
        assert status["environments"][0]["current"]["version"] == "1.0.0"

        project.spec("3.0.0")
        third = body(await agent.call_tool("deploy", {}))
        assert third["state"] == "succeeded" and third["previous_version"] == "1.0.0"
        back = body(await agent.call_tool("rollback", {}))
        assert back["kind"] == "rollback" and back["version"] == "1.0.0" and back["state"] == "succeeded"
        status = body(await agent.call_tool("status", {}))
    assert status["environments"][0]["current"]["version"] == "1.0.0" and status["environments"][0]["serving"]
    assert project.serves("1.0.0")
    assert progress, "deploy sent no progress notifications"
    history = ops.history(str(spec))["deployments"]
    assert [(d["kind"], d["version"], d["state"]) for d in history] == [
        ("rollback", "1.0.0", "succeeded"), ("deploy", "3.0.0", "succeeded"), ("deploy", "2.0.0", "rolled_back"),
        ("deploy", "1.0.0", "succeeded")]
    assert {d["actor"] for d in history} == {"mcp:agent-script"}
    assert [(e["notes"], e["status"]) for e in mcp_events(spec)] == [
        ("deploy", "ok"), ("deploy", "error"), ("status", "ok"), ("deploy", "ok"), ("rollback", "ok"),
        ("status", "ok")]


async def test_a_cancelled_deploy_rolls_back_as_ctrl_c_does(project: Project) -> None:
    spec = project.spec("1.0.0")
    ops.deploy(str(spec))
    project.spec("2.0.0", monitor="60s")
    async with connected(spec) as agent:
        with anyio.CancelScope() as scope:
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(agent.call_tool, "deploy", {})
                await anyio.to_thread.run_sync(lambda: wait_until(lambda: project.serves("2.0.0"), 60,
                                                                  "2.0.0 to serve (monitor window)"))
                scope.cancel()
        await anyio.to_thread.run_sync(lambda: wait_until(
            lambda: ops.history(str(spec))["deployments"][0]["state"] in ("rolled_back", "failed"), 60,
            "the cancelled deployment to end"))
    latest = ops.history(str(spec))["deployments"][0]
    assert (latest["version"], latest["state"]) == ("2.0.0", "rolled_back")
    assert "MCP cancellation" in (latest["error"] or "")
    assert ops.status(str(spec))["environments"][0]["current"]["version"] == "1.0.0"
    assert project.serves("1.0.0")
    assert [e["status"] for e in mcp_events(spec)] == ["cancelled"]

