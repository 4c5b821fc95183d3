"""Tool results in the CLI's own shapes: `--json`'s object becomes structured output, an error isError.

This is the MCP face's one edge where a ShipmateError is mapped (code, message, hint, exit code).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from mcp_types import CallToolResult, TextContent

from shipmate.errors import CommandInterruptedError, InvalidInputError, ShipmateError
from shipmate.ops import as_json, redact, redact_tree


def ok_result(command: str, result: Mapping[str, Any]) -> CallToolResult:
    """What `shipmate COMMAND --json` prints, as structured content and as its JSON text."""
    body: dict[str, Any] = redact_tree({"ok": True, "command": command, **as_json(result)})
    return CallToolResult(content=[TextContent(type="text", text=redact(json.dumps(body, default=str)))],
                          structured_content=body)


def error_result(command: str, exc: ShipmateError) -> CallToolResult:
    """isError with the CLI's error object: {code, message, hint, exit_code, details}."""
    exc.message, exc.hint, exc.details = redact(exc.message), exc.hint and redact(exc.hint), redact_tree(exc.details)
    fixes = exc.details.get("known_fixes")
    # Known fixes first (also kept in error.details): the first thing an agent reads is what to try.
    body = {**({"known_fixes": fixes} if fixes else {}), "ok": False, "command": command, "error": exc.to_dict()}
    text = json.dumps(body, default=str)
    return CallToolResult(content=[TextContent(type="text", text=text)], structured_content=json.loads(text),
                          is_error=True)


def as_shipmate_error(exc: BaseException) -> ShipmateError:
    """Whatever escaped an ops call, as the error the CLI would have printed for it."""
    if isinstance(exc, ShipmateError):
        return exc
    if isinstance(exc, KeyboardInterrupt):
        return CommandInterruptedError("interrupted before anything changed",
                                       hint="call the status tool to see where it stopped")
    if os.environ.get("SHIPMATE_DEBUG"):
        raise exc
    return ShipmateError(f"internal error: {type(exc).__name__}: {exc}",
                         hint="rerun with SHIPMATE_DEBUG=1 for the traceback, and report it")


def bad_arguments(tool: str, fields: list[str]) -> InvalidInputError:
    named = ", ".join(fields) if fields else "arguments"
    return InvalidInputError(f"invalid arguments for {tool}: {named}",
                             hint=f"see the input schema of {tool} in tools/list")


def error_of(result: CallToolResult) -> dict[str, Any] | None:
    """The error object an isError result carries (for the audit trail)."""
    if not result.is_error or not isinstance(result.structured_content, dict):
        return None
    error = result.structured_content.get("error")
    return error if isinstance(error, dict) else None
