"""The MCP face over a stack file (`shipmate mcp -f shipmate.stack.yaml`): deploy and status take the stack, as the
CLI does, and return the same JSON objects (real processes: the sample app and `python -m http.server`)."""

from __future__ import annotations

import pytest

from tests.e2e.stack_project import StackProject, stack
from tests.mcp.face import body, connected

__all__ = ["stack"]   # the fixture
pytestmark = pytest.mark.anyio


async def test_deploy_and_status_tools_take_a_stack_file(stack: StackProject) -> None:
    path = stack.write({"api": "1.0.0", "web": "1.0.0"})
    async with connected(path) as client:
        plan = body(await client.call_tool("deploy", {"dry_run": True}))
        assert plan["order"] == ["api", "web"] and plan["dry_run"] is True
        done = body(await client.call_tool("deploy", {}))
        assert done["stack"] == "shop" and done["state"] == "succeeded"
        status = body(await client.call_tool("status", {}))
        assert [m["status"]["environments"][0]["current"]["version"] for m in status["members"]] == ["1.0.0"] * 2
    assert stack.serving() == {"api": "1.0.0", "web": "1.0.0"}
