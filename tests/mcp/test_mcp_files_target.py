"""An agent deploys a `files` target over MCP and gets the per-file result; a protected environment still
needs a person's approval, as for any release."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.mcp.face import body, connected
from tests.ops.files_project import FilesProject

pytestmark = pytest.mark.anyio


async def test_the_deploy_tool_returns_what_happened_to_each_file(tmp_path: Path) -> None:
    project = FilesProject(tmp_path)
    project.spec("1.0.0")
    project.agent("reviewer")
    spec = tmp_path / "shipmate.yaml"
    async with connected(spec) as client:
        first = await client.call_tool("deploy", {})
        again = await client.call_tool("deploy", {})
    assert not first.is_error, body(first)
    assert body(first)["deployed"] == ["reviewer.md"] and body(first)["target"] == "files"
    assert body(again)["noop"] is True and body(again)["skipped"] == ["reviewer.md"]
    assert (project.dest / "reviewer.md").read_text().startswith("---\nname: reviewer\n")


async def test_an_agent_cannot_deploy_files_to_a_protected_environment_alone(tmp_path: Path) -> None:
    project = FilesProject(tmp_path)
    project.spec("1.0.0", extra="environments:\n  production: {protected: true}\n")
    project.agent("reviewer")
    async with connected(tmp_path / "shipmate.yaml") as client:
        asked = await client.call_tool("deploy", {"env": "production"})
    assert asked.is_error and body(asked)["error"]["code"] == "approval_required"
    assert not project.dest.exists()
