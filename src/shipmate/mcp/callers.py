"""Who is calling: the client's claimed name (for the audit log and approvals) and its HTTP headers."""

from __future__ import annotations

from collections.abc import Mapping

from mcp.server.mcpserver import Context


def actor_of(ctx: Context | None) -> str:
    """`mcp:<client name>` from the client's initialize; the name is the client's claim, not an identity."""
    name = "unknown"
    try:
        params = ctx.session.client_params if ctx is not None else None
        if params is not None and params.client_info.name:
            name = params.client_info.name
    except (AttributeError, ValueError):
        pass
    return f"mcp:{name[:60]}"


def headers_of(ctx: Context | None) -> Mapping[str, str] | None:
    try:
        return ctx.headers if ctx is not None else None
    except (AttributeError, ValueError):
        return None
