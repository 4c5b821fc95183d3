"""Level 5: one real use of the service through its public port: a command, an HTTP sequence or an MCP call.

The I/O only; whether an answer is the expected one is judged in analysis/health_levels.py.
"""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Mapping
from typing import Any

from shipmate.analysis.health_levels import LevelResult, call_problem, http_step_problem, smoke_result
from shipmate.probes.base import Stopwatch, describe_os_error
from shipmate.probes.command import CommandProbe
from shipmate.probes.mcp import McpProbeError, McpTarget
from shipmate.probes.mcp_calls import call_tool
from shipmate.probes.mcp_level import endpoint_url

MAX_BODY = 1024 * 1024


def run_smoke(smoke: Mapping[str, Any], mcp: Mapping[str, Any], host: str, port: int, *, cwd: str,
              env: Mapping[str, str]) -> LevelResult:
    timeout = float(smoke.get("timeout", 10.0))
    if smoke.get("command"):
        argv = [str(a) for a in smoke["command"]]
        seen = CommandProbe(argv, cwd=cwd, env={**env, "PORT": str(port)}, timeout=timeout).run()
        problem = None if seen.phase.value == "pass" else seen.detail
        return smoke_result(problem, f"command {' '.join(argv)}", status=problem.split(":")[0] if problem else "",
                            latency_ms=seen.latency_ms)
    if smoke.get("http"):
        return _http_sequence(list(smoke["http"]), host, port, timeout)
    return _mcp_call(dict(smoke["mcp_call"]), mcp, host, port, timeout)


def _http_sequence(steps: list[Mapping[str, Any]], host: str, port: int, timeout: float) -> LevelResult:
    watch = Stopwatch()
    deadline = time.monotonic() + timeout
    for index, step in enumerate(steps, 1):
        what = f"http step {index}/{len(steps)} {step.get('method', 'GET')} {step['path']}"
        left = deadline - time.monotonic()
        if left <= 0:
            return smoke_result(f"the sequence took longer than {timeout:g}s", what, status="timeout",
                                latency_ms=watch.ms())
        try:
            status, body = _request(host, port, step, left)
        except (OSError, http.client.HTTPException) as exc:
            cause = describe_os_error(exc) if isinstance(exc, OSError) else type(exc).__name__
            return smoke_result(cause, what, status="error", cause=cause, latency_ms=watch.ms())
        problem = http_step_problem(step, status, body)
        if problem is not None:
            return smoke_result(problem, what, status=f"HTTP {status}", latency_ms=watch.ms())
    return smoke_result(None, f"http sequence of {len(steps)} requests", latency_ms=watch.ms())


def _request(host: str, port: int, step: Mapping[str, Any], timeout: float) -> tuple[int, str]:
    body = step.get("body")
    headers = {"Connection": "close", "User-Agent": "shipmate-smoke"}
    payload: bytes | None = None
    if body is not None:
        payload = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        headers["Content-Type"] = "text/plain" if isinstance(body, str) else "application/json"
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request(str(step.get("method", "GET")), str(step["path"]), body=payload, headers=headers)
        response = conn.getresponse()
        return response.status, response.read(MAX_BODY).decode("utf-8", errors="replace")
    finally:
        conn.close()


def _mcp_call(call: dict[str, Any], mcp: Mapping[str, Any], host: str, port: int, timeout: float) -> LevelResult:
    kind, url = endpoint_url(mcp, host, port)
    what = f"mcp call {call['tool']} at {url}"
    watch = Stopwatch()
    try:
        answer = call_tool(McpTarget(kind="sse" if kind == "sse" else "http", url=url), str(call["tool"]),
                           call.get("arguments") or {}, timeout_s=timeout)
    except McpProbeError as exc:
        return smoke_result(exc.message, what, status="error", cause=exc.cause, latency_ms=watch.ms())
    expect = call.get("expect") or {"is_error": False}
    problem = call_problem(expect, answer.is_error, answer.structured, answer.text)
    return smoke_result(problem, what, status="isError" if answer.is_error else "", latency_ms=answer.ms)

