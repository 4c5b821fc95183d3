"""The MCP face's check tool takes `level`, as `shipmate check --level N` does."""

from __future__ import annotations

import pytest

from shipmate import ops
from tests.e2e.cli_project import Project
from tests.mcp.face import body, connected

pytestmark = pytest.mark.anyio


async def test_the_check_tool_runs_levels_up_to_the_given_one_and_names_a_failing_level(project: Project) -> None:
    spec = project.spec("1.0.0", monitor="0s")
    assert ops.deploy(str(spec))["state"] == "succeeded"
    async with connected(spec) as client:
        two = body(await client.call_tool("check", {"level": 2}))
        assert [lv["level"] for lv in two["levels"]] == [1, 2] and two["healthy"] is True, two
        project.steer("1.0.0", {"fail_health": True})
        failed = await client.call_tool("check", {})
        assert failed.is_error
        error = body(failed)["error"]
        assert error["exit_code"] == 3 and error["details"]["level"] == 3, error
        assert "level 3 (application)" in error["message"]
