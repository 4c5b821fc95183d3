"""The one place shipmate talks to the `mcp` SDK as a client: bounded sessions, and failures mapped once.

Facts of mcp 2.3 this relies on: `cache=None` (or repeated tools/list are served from the client cache),
`mode="legacy"` (the default "auto" sends server/discover first, slow through some bridges), failures
arrive inside ExceptionGroups, and a stdio child's stderr goes to `errlog`.
"""

from __future__ import annotations

import errno
import logging
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from shipmate.probes.mcp import (
    Latency,
    McpProbeError,
    McpServerUnreachableError,
    McpTarget,
    ToolCall,
    ToolsListing,
    schema_hash,
)

T = TypeVar("T")
MAX_PAGES = 1000   # a paginator that never ends must not hang a probe
CLIENT_NAME = "shipmate-probe"
HTTP_STAND_INS = ("Not Found", "Server returned an error response")


@dataclass
class Stage:
    """Where the probe is, so a timeout or a closed connection says during what."""

    name: str = "connect"
    garbage: Exception | None = None   # the first line the transport could not parse (the SDK skips it)

    async def note(self, message: Any) -> None:
        """The session's message handler: remember a transport-level parse error, ignore notifications."""
        if isinstance(message, Exception) and self.garbage is None:
            self.garbage = message


@dataclass
class Connected:
    """An initialized session, and what the handshake told us."""

    client: Any            # mcp.Client (typed Any: the SDK is imported lazily)
    connect_ms: float
    server_name: str
    protocol_version: str
    stage: Stage


def run_bounded(target: McpTarget, timeout_s: float, body: Callable[[Connected], Awaitable[T]], *,
                legacy_init: bool = True, connect_timeout_s: float | None = None) -> T:
    """Connect, run ``body`` on the session, close; all within ``timeout_s``; failures become McpProbeError."""
    import anyio

    stage = Stage()

    async def main() -> T:
        with anyio.fail_after(timeout_s):
            async with _session(target, connect_timeout_s or timeout_s, legacy_init, stage) as connected:
                stage.name = "tools/list"
                result = await body(connected)
                stage.name = "close"
                return result

    sdk_log = logging.getLogger("mcp")   # the SDK logs parse errors with tracebacks: the error below says it
    level = sdk_log.level
    sdk_log.setLevel(logging.CRITICAL + 1)
    try:
        return _run_sync(main)
    except Exception as exc:
        cause = first_cause(exc)
        if isinstance(cause, McpProbeError):
            raise cause from None
        garbage = stage.garbage
        if garbage is not None and (isinstance(cause, TimeoutError | OSError) or _is_closed(cause)):
            cause = garbage   # it never answered because what it wrote was not JSON-RPC
        raise failure(target, cause, stage.name, timeout_s) from exc
    finally:
        sdk_log.setLevel(level)


def _run_sync(main: Callable[[], Awaitable[T]]) -> T:
    """anyio.run here, or in a worker thread when the caller already runs an event loop (an MCP tool handler)."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    import anyio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return anyio.run(main)
    with ThreadPoolExecutor(1, thread_name_prefix="mcp-probe") as pool:
        return pool.submit(anyio.run, main).result()


@asynccontextmanager
async def _session(target: McpTarget, timeout_s: float, legacy_init: bool, stage: Stage) -> AsyncIterator[Connected]:
    from mcp import Client
    from mcp_types import Implementation

    started = time.perf_counter()
    with open(os.devnull, "w") as errlog:
        client = Client(_transport(target, timeout_s, errlog), mode="legacy" if legacy_init else "auto",
                        cache=None, read_timeout_seconds=timeout_s, message_handler=stage.note,
                        client_info=Implementation(name=CLIENT_NAME, version="1"))
        stage.name = "initialize"
        async with client:
            info = client.server_info
            yield Connected(client=client, connect_ms=(time.perf_counter() - started) * 1000.0,
                            server_name=info.name if info is not None else "",
                            protocol_version=str(client.protocol_version), stage=stage)


def _transport(target: McpTarget, timeout_s: float, errlog: Any) -> Any:
    if target.kind == "stdio":
        from mcp.client.stdio import StdioServerParameters, stdio_client

        params = StdioServerParameters(command=target.argv[0], args=list(target.argv[1:]),
                                       env=dict(target.env) or None, cwd=target.cwd)
        return stdio_client(params, errlog=errlog)
    if target.kind == "sse":
        from mcp.client.sse import sse_client

        return sse_client(target.url, timeout=timeout_s, sse_read_timeout=timeout_s)
    from mcp.client.streamable_http import streamable_http_client

    return streamable_http_client(target.url)


async def listing_of(connected: Connected) -> ToolsListing:
    """Every page of tools/list (the SDK cache is off, so each call reaches the server)."""
    started = time.perf_counter()
    tools = await _all_tools(connected.client)
    return ToolsListing(tools=tools, schema_hash=schema_hash(tools), connect_ms=connected.connect_ms,
                        list_ms=(time.perf_counter() - started) * 1000.0, server_name=connected.server_name,
                        protocol_version=connected.protocol_version)


async def _all_tools(client: Any) -> tuple[dict[str, Any], ...]:
    tools: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        page = await client.list_tools(cursor=cursor)
        tools.extend({"name": t.name, "input_schema": t.input_schema} for t in page.tools)
        cursor = page.next_cursor
        if cursor is None:
            return tuple(tools)
    raise McpProbeError(f"tools/list did not end after {MAX_PAGES} pages", cause="endless pagination",
                        hint="the server keeps returning a next cursor: a bug in its pagination")


async def call_of(connected: Connected, name: str, arguments: dict[str, Any]) -> ToolCall:
    started = time.perf_counter()
    result = await connected.client.call_tool(name, arguments)
    texts = [getattr(item, "text", "") for item in result.content]
    return ToolCall(name=name, is_error=bool(result.is_error), structured=result.structured_content,
                    text="\n".join(t for t in texts if t), ms=(time.perf_counter() - started) * 1000.0)


async def latency_of(connected: Connected, *, calls: int, tool: str | None, arguments: dict[str, Any],
                     per_call_s: float) -> Latency:
    """Time ``calls`` requests on one session; a failed or isError call counts as an error, not an exception."""
    import anyio

    listing = await listing_of(connected)
    if tool is not None and tool not in listing.names:
        raise McpProbeError(f"the server has no tool {tool!r}", cause="unknown tool",
                            hint=f"its tools: {', '.join(listing.names) or 'none'}")
    samples: list[float] = []
    errors, first_error = 0, ""
    connected.stage.name = f"tools/call {tool}" if tool else "tools/list"
    for _ in range(calls):
        started = time.perf_counter()
        try:
            with anyio.fail_after(per_call_s):
                if tool is None:
                    await _all_tools(connected.client)
                    problem = ""
                else:
                    result = await call_of(connected, tool, arguments)
                    problem = f"isError: {_first_line(result.text)}" if result.is_error else ""
        except Exception as exc:
            problem = describe(first_cause(exc), per_call_s)
        samples.append((time.perf_counter() - started) * 1000.0)
        if problem:
            errors += 1
            first_error = first_error or problem
    return Latency(operation=f"tools/call {tool}" if tool else "tools/list", connect_ms=connected.connect_ms,
                   samples_ms=tuple(samples), errors=errors, first_error=first_error, listing=listing)


def _is_closed(exc: BaseException) -> bool:
    from mcp.shared.exceptions import MCPError
    from mcp_types import CONNECTION_CLOSED

    return isinstance(exc, MCPError) and exc.code == CONNECTION_CLOSED


def first_cause(exc: BaseException) -> BaseException:
    """The first real error inside (nested) ExceptionGroups, skipping cancellations."""
    while isinstance(exc, BaseExceptionGroup):
        inner = [e for e in exc.exceptions if not _is_cancellation(e)] or list(exc.exceptions)
        exc = inner[0]
    return exc


def _is_cancellation(exc: BaseException) -> bool:
    import asyncio

    return isinstance(exc, asyncio.CancelledError)   # anyio.run uses the asyncio backend


def describe(exc: BaseException, timeout_s: float) -> str:
    """One line for a per-call failure (the same words `failure` uses)."""
    if isinstance(exc, TimeoutError):
        return f"no answer within {timeout_s:g}s"
    return f"{type(exc).__name__}: {_short(exc)}" if str(exc) else type(exc).__name__


def failure(target: McpTarget, exc: BaseException, stage: str, timeout_s: float) -> McpProbeError:
    """Map one foreign exception to the shipmate error a user can act on (the only mapping)."""
    import httpx2
    from mcp.shared.exceptions import MCPError
    from mcp_types import CONNECTION_CLOSED, PARSE_ERROR, REQUEST_TIMEOUT
    from pydantic import ValidationError

    where = target.describe()
    cause = describe(exc, timeout_s)
    if isinstance(exc, FileNotFoundError | PermissionError) and target.kind == "stdio":
        return McpServerUnreachableError(f"cannot start {target.argv[0]!r}: {exc.strerror or exc}", cause=cause,
                                         hint="install the MCP server or give its full path after 'stdio:'")
    if isinstance(exc, httpx2.ConnectError | httpx2.ConnectTimeout) or (
            isinstance(exc, OSError) and exc.errno in (errno.ECONNREFUSED, errno.EHOSTUNREACH)):
        return McpServerUnreachableError(f"nothing answers at {where}: {_short(exc)}", cause=cause,
                                         hint="is the MCP server running, on this host and port?")
    if isinstance(exc, TimeoutError) or (isinstance(exc, MCPError) and exc.code == REQUEST_TIMEOUT) \
            or isinstance(exc, httpx2.TimeoutException):
        return McpProbeError(f"{where} gave no answer to {stage} within {timeout_s:g}s", cause=cause,
                             hint="the server hangs (or is very slow to start): check its logs, or raise --timeout")
    if isinstance(exc, httpx2.HTTPStatusError):
        status = exc.response.status_code
        return McpProbeError(f"{where} answered HTTP {status} {exc.response.reason_phrase} to {stage}: "
                             "not an MCP endpoint", cause=cause,
                             hint="check the URL path: /mcp for streamable HTTP, /sse for legacy SSE")
    if isinstance(exc, MCPError) and exc.message in HTTP_STAND_INS and target.kind != "stdio":
        # the streamable HTTP client turns a 4xx/5xx without a JSON-RPC body into these (the status is lost)
        return McpProbeError(f"{where} answered {stage} with an HTTP error ({exc.message}): not an MCP endpoint",
                             cause=cause, hint="check the URL path: /mcp for streamable HTTP, /sse for legacy SSE")
    if isinstance(exc, MCPError) and exc.code == CONNECTION_CLOSED:
        hint = ("the command exited or wrote something that is not JSON-RPC on stdout: run it by hand to see"
                if target.kind == "stdio" else "the server closed the connection: is it an MCP server?")
        return McpProbeError(f"{where} closed the connection during {stage}", cause=cause, hint=hint)
    malformed = isinstance(exc, MCPError) and exc.code == PARSE_ERROR
    if malformed or isinstance(exc, ValidationError | ValueError | httpx2.DecodingError):
        hint = ("it writes something other than JSON-RPC on stdout (logs belong on stderr), or is not an MCP server"
                if target.kind == "stdio" else "it is not an MCP server, or not one this SDK version understands")
        return McpProbeError(f"{where} sent malformed JSON-RPC during {stage}", cause=cause, hint=hint)
    if isinstance(exc, MCPError):
        return McpProbeError(f"{where} refused {stage}: {_short(exc)} (code {exc.code})", cause=cause,
                             hint="the server answered with a JSON-RPC error: see its logs")
    return McpProbeError(f"{where} failed during {stage}: {cause}", cause=cause,
                         hint="run with --json for the cause; is it an MCP server?")


def _short(exc: BaseException) -> str:
    return _first_line(str(exc) or type(exc).__name__)


def _first_line(text: str) -> str:
    return (text.strip().splitlines() or [""])[0][:200]
