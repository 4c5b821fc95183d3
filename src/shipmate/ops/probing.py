"""`probe mcp`: prove a target speaks MCP and time it; the figures come back as one dict for every face."""

from __future__ import annotations

import json
from typing import Any

from shipmate.errors import InvalidInputError
from shipmate.ops.results.probes import McpProbeResult


def probe_mcp(target: str, *, calls: int = 20, tool: str | None = None, arguments: str | None = None,
              timeout_s: float = 10.0, legacy_init: bool = True) -> McpProbeResult:
    """Connect, list every tool, then time ``calls`` tools/list (or ``tool`` calls); exit 3 if any call failed."""
    from shipmate.analysis.stats import summarize
    from shipmate.probes.mcp import McpProbeError, parse_target
    from shipmate.probes.mcp_calls import measure

    if timeout_s <= 0:
        raise InvalidInputError(f"--timeout must be positive, got {timeout_s:g}", hint="e.g. --timeout 10")
    if arguments is not None and tool is None:
        raise InvalidInputError("--args needs --tool", hint="e.g. --tool add --args '{\"a\": 1, \"b\": 2}'")
    parsed = parse_target(target)
    latency = measure(parsed, calls=calls, tool=tool, arguments=_arguments(arguments), timeout_s=timeout_s,
                      legacy_init=legacy_init)
    listing = latency.listing
    stats = summarize(latency.samples_ms)
    result = McpProbeResult(
        target=parsed.describe(), transport=parsed.kind, handshake="legacy" if legacy_init else "auto",
        server=listing.server_name, protocol_version=listing.protocol_version,
        tools=len(listing.tools), tool_names=list(listing.names), schema_hash=listing.schema_hash,
        operation=latency.operation, calls=stats.count, connect_ms=round(latency.connect_ms, 2),
        p50_ms=_ms(stats.p50), p95_ms=_ms(stats.p95), p99_ms=_ms(stats.p99), max_ms=_ms(stats.max),
        errors=latency.errors, first_error=latency.first_error or None)
    if latency.errors:
        raise McpProbeError(f"{latency.errors} of {calls} {latency.operation} calls to {parsed.describe()} "
                            f"failed: {latency.first_error}", cause=latency.first_error,
                            hint="the server answers, but not reliably: see its logs",
                            details={"probe": result.to_json()})
    return result



def _ms(value: float | None) -> float | None:
    """As the stats' as_dict() gives it: two decimals, None when nothing was timed (unknown, not zero)."""
    return None if value is None else round(value, 2)


def _arguments(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInputError(f"--args is not JSON: {exc.msg} at column {exc.colno}",
                                hint="give a JSON object, e.g. --args '{\"a\": 1}'") from exc
    if not isinstance(value, dict):
        raise InvalidInputError(f"--args must be a JSON object, got {type(value).__name__}",
                                hint="e.g. --args '{\"a\": 1}'")
    return value
