"""Helpers for driving the MCP face in tests: an in-memory client, and the JSON of a tool result."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from mcp import Client
from mcp_types import CallToolResult, Implementation

from shipmate.mcp.policy import ToolPolicy
from shipmate.mcp.server import build_server


@asynccontextmanager
async def connected(spec: Path, policy: ToolPolicy | None = None, name: str = "test-agent") -> AsyncIterator[Client]:
    server = build_server(str(spec), policy)
    async with Client(server, mode="legacy", cache=None, client_info=Implementation(name=name, version="1")) as client:
        yield client


def body(result: CallToolResult) -> dict[str, Any]:
    assert isinstance(result.structured_content, dict), result
    return result.structured_content


def mcp_events(spec: Path) -> list[dict[str, Any]]:
    """The audit trail's MCP entries, read through ops as `shipmate events` does."""
    from shipmate import ops

    return [e for e in ops.events(str(spec), limit=1000)["events"] if e["event_type"].startswith("mcp.")]
