"""The inbox over MCP, for an agent without a shell: inbox_submit queues a checked task atomically, inbox_status
reads the folders; the deploy itself happens once, when a pass runs (here `inbox process` through ops)."""

from __future__ import annotations

import pytest

from shipmate import ops
from shipmate.mcp.policy import ToolPolicy
from tests.e2e.cli_project import Project
from tests.mcp.face import body, connected

pytestmark = pytest.mark.anyio


def _task(trace: str, **over: object) -> dict[str, object]:
    task: dict[str, object] = {"trace_id": trace, "environment": "default", "version": "1.0.0",
                               "scope": {"services": ["hello"]}, "requested_by": "mcp-agent",
                               "verification": [{"healthy_within": {"seconds": 30}}]}
    task.update(over)
    return task


async def test_an_agent_submits_a_task_and_reads_its_outcome_without_a_shell(project: Project) -> None:
    spec = project.spec("1.0.0")
    async with connected(spec) as client:
        refused = await client.call_tool("inbox_submit", {"task": _task("bad id", environment="prod", x=1)})
        assert refused.is_error
        error = body(refused)["error"]
        assert error["code"] == "invalid_input" and error["exit_code"] == 2
        assert {p["pointer"] for p in error["details"]["problems"]} == {"/trace_id", "/environment", "/x"}
        queued = body(await client.call_tool("inbox_submit", {"task": _task("MCP-1")}))
        assert queued["file"] == "incoming/MCP-1.json" and queued["trace_id"] == "MCP-1"
        status = body(await client.call_tool("inbox_status", {}))
        assert status["folders"]["incoming"] == 1 and status["folders"]["rejected"] == 0
        assert not list((project.root / "inbox" / "tmp").iterdir())   # written there, renamed in
        done = ops.inbox_process(str(spec)).to_json()
        assert done["by_status"] == {"completed": 1} and project.serves("1.0.0")
        status = body(await client.call_tool("inbox_status", {}))
    assert status["folders"]["completed"] == 1 and status["folders"]["incoming"] == 0
    [recent] = status["recent"]
    assert recent["trace_id"] == "MCP-1" and recent["deployment_id"] == done["tasks"][0]["deployment_id"]


async def test_a_read_only_server_offers_inbox_status_but_not_inbox_submit(project: Project) -> None:
    spec = project.spec("1.0.0")
    async with connected(spec, ToolPolicy(read_only=True)) as client:
        names = {tool.name for tool in (await client.list_tools()).tools}
    assert "inbox_status" in names and "inbox_submit" not in names
