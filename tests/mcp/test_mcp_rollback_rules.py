"""The MCP rollback tool carries the rollback rules: force and monitor, with the same exit codes as the CLI."""

from __future__ import annotations

import anyio.to_thread
import pytest

from shipmate import ops
from shipmate.errors import DeploymentFailedError
from tests.e2e.cli_project import Project
from tests.mcp.face import body, connected

pytestmark = pytest.mark.anyio


async def test_rollback_tool_refuses_a_failed_release_unless_forced_and_can_skip_the_window(project: Project) -> None:
    spec = project.spec("1.0.0")
    await anyio.to_thread.run_sync(lambda: ops.deploy(str(spec)))
    project.spec("2.0.0", app_env={"HELLO_FAIL_HEALTH": "1"}, deadline="2s")
    with pytest.raises(DeploymentFailedError):
        await anyio.to_thread.run_sync(lambda: ops.deploy(str(spec)))
    project.spec("3.0.0")
    await anyio.to_thread.run_sync(lambda: ops.deploy(str(spec)))

    async with connected(spec) as agent:
        refused = await agent.call_tool("rollback", {"to_version": "2.0.0"})
        error = body(refused)["error"]
        assert refused.is_error and (error["code"], error["exit_code"]) == ("invalid_input", 2)
        assert "refusing to roll back to 2.0.0" in error["message"] and "--force" in error["hint"]
        assert project.serves("3.0.0")

        forced = await agent.call_tool("rollback", {"to_version": "2.0.0", "force": True})
        error = body(forced)["error"]      # forced, and it fails again: exit 1, 3.0.0 serving again
        assert forced.is_error and error["exit_code"] == 1, error
        assert project.serves("3.0.0")

        unwatched = body(await agent.call_tool("rollback", {"to_version": "1.0.0", "monitor": False}))
        assert unwatched["state"] == "succeeded" and unwatched["version"] == "1.0.0"
        assert "monitor" not in [step["name"] for step in unwatched["steps"]]
    events = ops.events(str(spec), limit=500)["events"]
    assert any(e["event_type"] == "rollback.forced" and e["version"] == "2.0.0" for e in events)
