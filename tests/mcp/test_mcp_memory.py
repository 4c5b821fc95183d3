"""The failure memory through MCP alone: a failing tool call leads with its known fixes (also kept in
error.details), memory_add teaches a fix for that failure, memory_search (read-only) finds it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.cli_project import Project
from tests.mcp.face import body, connected

pytestmark = pytest.mark.anyio


def _broken_health_path(project: Project) -> Path:
    path = project.spec("1.0.0", deadline="3s")
    path.write_text(path.read_text().replace("path: /health,", "path: /healthz,"))
    return path



async def test_mcp_errors_lead_with_known_fixes_and_memory_tools_search_and_teach(project: Project) -> None:
    spec = _broken_health_path(project)
    async with connected(spec) as client:
        failed = await client.call_tool("deploy", {})
        taught = await client.call_tool("memory_add", {
            "symptom": "health answers 404", "solution": "use /health", "root_cause": "typo in the spec",
            "from_deployment": body(failed)["error"]["details"]["deployment_id"]})
        found = await client.call_tool("memory_search", {"text": "typo health spec"})
    out = body(failed)
    assert failed.is_error and next(iter(out)) == "known_fixes"
    assert out["known_fixes"][0]["id"] == "fix_starter_health_path" == out["error"]["details"]["known_fixes"][0]["id"]
    assert not taught.is_error and body(taught)["fix"]["signature_id"] == out["error"]["details"]["memory"]["signature"]
    assert body(found)["fixes"][0]["id"] == body(taught)["fix"]["id"]
