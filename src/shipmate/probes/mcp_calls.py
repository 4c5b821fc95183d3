"""MCP protocol probe: connect, list every tool, time calls; what `probe mcp` and the health levels use.

Imports no `mcp` itself (it costs ~0.85 s): the SDK is loaded by `mcp_client` on the first real probe.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shipmate.errors import InvalidInputError
from shipmate.probes.mcp import Latency, McpTarget, ToolCall, ToolsListing


def list_tools(target: McpTarget, *, timeout_s: float, legacy_init: bool = True) -> ToolsListing:
    """Connect, initialize, and list every tool page; raises McpProbeError (or McpServerUnreachableError)."""
    from shipmate.probes import mcp_client

    return mcp_client.run_bounded(target, timeout_s, lambda c: mcp_client.listing_of(c), legacy_init=legacy_init)


def call_tool(target: McpTarget, name: str, arguments: Mapping[str, Any] | None, *, timeout_s: float) -> ToolCall:
    """Connect and call one tool; the tool's own isError is reported in the result."""
    from shipmate.probes import mcp_client

    return mcp_client.run_bounded(target, timeout_s, lambda c: mcp_client.call_of(c, name, dict(arguments or {})))


def measure(target: McpTarget, *, calls: int, tool: str | None = None, arguments: Mapping[str, Any] | None = None,
            timeout_s: float = 10.0, legacy_init: bool = True) -> Latency:
    """Connect once, list the tools, then time ``calls`` tools/list (or ``tool`` calls), each within timeout_s."""
    from shipmate.probes import mcp_client

    if calls < 1:
        raise InvalidInputError(f"--calls must be at least 1, got {calls}", hint="e.g. --calls 100")
    # the whole run's bound: one timeout per call, the connection, and closing (a stdio child gets ~4 s to exit)
    budget = timeout_s * (calls + 2) + 10.0
    return mcp_client.run_bounded(
        target, budget,
        lambda c: mcp_client.latency_of(c, calls=calls, tool=tool, arguments=dict(arguments or {}),
                                        per_call_s=timeout_s),
        legacy_init=legacy_init, connect_timeout_s=timeout_s)
