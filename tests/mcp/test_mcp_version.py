"""The read-only `version` tool: current and next version, and the version-file check, over the MCP face."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.mcp.face import body, connected, mcp_events
from tests.versioning.git_project import GitProject

pytestmark = pytest.mark.anyio


async def test_the_version_tool_reads_the_tag_and_the_next_version_and_checks_the_files(tmp_path: Path) -> None:
    repo = GitProject.create(tmp_path, release="release: {version_files: [VERSION]}\n")
    repo.write("VERSION", "0.9.0\n")
    repo.init()
    repo.tag("v0.9.0")
    repo.commit("feat!: a new spec format")
    spec = repo.root / "shipmate.yaml"
    async with connected(spec) as client:
        shown = body(await client.call_tool("version", {}))
        checked = body(await client.call_tool("version", {"check": True}))
        repo.write("VERSION", "0.8.0\n")
        mismatch = await client.call_tool("version", {"check": True})
    # Below 1.0 a breaking change is a minor bump unless release.major_on_zero says otherwise.
    assert (shown["version"], shown["next_version"], shown["bump"]) == ("0.9.0", "0.10.0", "minor")
    assert checked["files"] == [{"path": "VERSION", "kind": "text", "version": "0.9.0", "agrees": True}]
    error = body(mismatch)["error"]
    assert mismatch.is_error and error["exit_code"] == 2
    assert error["details"]["mismatches"][0]["version"] == "0.8.0"
    assert repo.git("tag") == "v0.9.0" and repo.git("log", "-1", "--format=%s") == "feat!: a new spec format"
    assert [e["notes"] for e in mcp_events(spec)] == ["version", "version", "version"]
