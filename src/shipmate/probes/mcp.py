"""MCP protocol probe: what it aims at (a target) and what it brings back (listing, call, latency), its errors.

The probing itself is in mcp_calls.py. Imports no `mcp` (it costs ~0.85 s).
"""

from __future__ import annotations

import hashlib
import json
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

from shipmate.errors import HealthCheckFailedError, InvalidInputError, PrerequisiteMissingError

TransportKind = Literal["stdio", "http", "sse"]

TARGET_HELP = ("give http://HOST:PORT/mcp (streamable HTTP), http://HOST:PORT/sse (legacy SSE) "
               "or stdio:COMMAND ARGS (e.g. 'stdio:mcp-server-time --local-timezone UTC')")


class McpProbeError(HealthCheckFailedError):
    """The target did not behave as an MCP server (exit 3); ``cause`` is the first real error, for evidence."""

    code = "mcp_probe_failed"

    def __init__(self, message: str, *, cause: str = "", hint: str | None = None,
                 details: dict[str, Any] | None = None) -> None:
        super().__init__(message, hint=hint, details={**({"cause": cause} if cause else {}), **(details or {})})
        self.cause = cause


class McpServerUnreachableError(McpProbeError, PrerequisiteMissingError):
    """Nothing to talk to: connection refused, unknown host, or a stdio command that is not found (exit 7)."""

    exit_code = 7
    code = "mcp_unreachable"


@dataclass(frozen=True)
class McpTarget:
    """Where an MCP server is: an argv to spawn (stdio) or a URL (streamable HTTP or legacy SSE)."""

    kind: TransportKind
    argv: tuple[str, ...] = ()
    url: str = ""
    env: Mapping[str, str] = field(default_factory=dict)
    cwd: str | None = None

    def describe(self) -> str:
        return f"stdio:{shlex.join(self.argv)}" if self.kind == "stdio" else self.url


@dataclass(frozen=True)
class ToolsListing:
    """Every tool (all pages) with the hash the health levels compare between releases."""

    tools: tuple[dict[str, Any], ...]   # {"name", "input_schema"}
    schema_hash: str
    connect_ms: float
    list_ms: float
    server_name: str
    protocol_version: str

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(t["name"] for t in self.tools)


@dataclass(frozen=True)
class ToolCall:
    """One tools/call: an isError result is data here, not an exception."""

    name: str
    is_error: bool
    structured: Any
    text: str
    ms: float


@dataclass(frozen=True)
class Latency:
    """connect once, then ``calls`` timed requests over the same session (tools/list, or ``tool``)."""

    operation: str
    connect_ms: float
    samples_ms: tuple[float, ...]
    errors: int
    first_error: str
    listing: ToolsListing


def parse_target(text: str | Sequence[str]) -> McpTarget:
    """"http(s)://…/mcp" → streamable HTTP, a URL whose path ends in /sse → SSE, "stdio:CMD ARGS" or an argv list."""
    if not isinstance(text, str):
        argv = tuple(text)
        if not argv or not argv[0]:
            raise InvalidInputError("empty MCP stdio command", hint=TARGET_HELP)
        return McpTarget(kind="stdio", argv=argv)
    text = text.strip()
    if text.startswith("stdio:"):
        try:
            argv = tuple(shlex.split(text.removeprefix("stdio:")))
        except ValueError as exc:
            raise InvalidInputError(f"cannot split the stdio command {text!r}: {exc}", hint=TARGET_HELP) from exc
        return parse_target(argv) if argv else parse_target(())
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInputError(f"not an MCP target: {text!r}", hint=TARGET_HELP)
    try:
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError as exc:
        raise InvalidInputError(f"bad port in {text!r}", hint=TARGET_HELP) from exc
    kind: TransportKind = "sse" if parts.path.rstrip("/").endswith("/sse") else "http"
    return McpTarget(kind=kind, url=text)


def schema_hash(tools: Sequence[Mapping[str, Any]]) -> str:
    """sha256 over the sorted tool names and their canonical JSON input schemas (order of listing ignored)."""
    canonical = [[t["name"], t.get("input_schema") or {}] for t in sorted(tools, key=lambda t: str(t["name"]))]
    blob = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return "sha256:" + hashlib.sha256(blob.encode()).hexdigest()
