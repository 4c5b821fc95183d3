"""What `probe mcp` returns: the server's identity and tool listing, and the latency of the timed calls."""

from __future__ import annotations

from dataclasses import dataclass

from shipmate.ops.results.json_result import JsonResult


@dataclass(frozen=True)
class McpProbeResult(JsonResult):
    target: str
    transport: str
    handshake: str                  # "legacy" or "auto"
    server: str | None
    protocol_version: str | None
    tools: int
    tool_names: list[str]
    schema_hash: str
    operation: str                  # "tools/list" or "tools/call NAME"
    calls: int
    connect_ms: float
    p50_ms: float | None            # None when no call succeeded (unknown, not zero)
    p95_ms: float | None
    p99_ms: float | None
    max_ms: float | None
    errors: int
    first_error: str | None
