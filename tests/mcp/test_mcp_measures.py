"""The read-only `uptime` and `report` tools over `shipmate mcp --http` (a real MCP client, a real server
process), with real uptime samples from a real `shipmate serve` probing the deployed service: the same JSON
objects as `shipmate uptime --json` and `shipmate report --format json`; a bad period is a tool error."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from typing import Any

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp_types import Implementation

from shipmate.mcp.policy import ToolPolicy
from tests.e2e.cli_project import Project
from tests.e2e.serve_support import Serve
from tests.mcp.face import body, connected, mcp_events
from tests.waiting import free_port, port_open, wait_until

UPTIME = """supervise: {interval: 1h}
uptime: {interval: 5s}
slo: {target: 99.5, window: 30d}
"""


def _day(result: dict[str, Any]) -> dict[str, Any]:
    return next(w for w in result["environments"][0]["windows"] if w["window"] == "24h")


@pytest.fixture
def measured(project: Project) -> Iterator[tuple[Project, int]]:
    """1.0.0 deployed, probed by serve every 5 s (two samples in), and `shipmate mcp --http` on its own port."""
    project.spec("1.0.0", extra=UPTIME)
    project.json("deploy")
    serve = Serve(project).start()
    port = free_port()
    proc = project.spawn("mcp", "--http", "--port", str(port))
    try:
        wait_until(lambda: port_open(port) or proc.poll() is not None, 30, "shipmate mcp --http to listen")
        assert proc.poll() is None, proc.communicate()
        wait_until(lambda: _day(project.json("uptime"))["checks"] >= 2, 60, "two outside checks")
        yield project, port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        if serve.proc is not None and serve.proc.poll() is None:
            serve.kill()


async def _call(port: int, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    async with httpx2.AsyncClient(timeout=60) as http, Client(
            streamable_http_client(f"http://127.0.0.1:{port}/mcp", http_client=http), mode="legacy", cache=None,
            client_info=Implementation(name="measuring-agent", version="1")) as client:
        return body(await client.call_tool(tool, arguments))


def _bare(result: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in result.items() if k not in ("ok", "command")}


@pytest.mark.anyio
async def test_uptime_and_report_tools_return_the_cli_json_and_a_bad_period_is_a_tool_error(
        measured: tuple[Project, int]) -> None:
    project, port = measured
    uptime = await _call(port, "uptime", {})
    assert uptime["ok"] is True and uptime["command"] == "uptime" and uptime["service"] == "hello"
    assert _day(uptime)["uptime_percent"] == 100.0 and _day(uptime)["checks"] >= 2
    assert uptime["environments"][0]["slo"]["target_percent"] == 99.5
    # serve keeps probing: both read between the same two checks sooner or later
    last: dict[str, Any] = {}

    async def same() -> bool:
        last["mcp"], last["cli"] = _bare(await _call(port, "uptime", {})), _bare(project.json("uptime"))
        return last["mcp"] == last["cli"]

    deadline = time.monotonic() + 30
    while not await same():
        assert time.monotonic() < deadline, last

    today = time.strftime("%Y-%m-%d", time.gmtime())
    report = await _call(port, "report", {"period": "day", "since": today})
    cli = project.json("report", "--period", "day", "--since", today, "--format", "json")
    assert report["ok"] is True and report["command"] == "report"
    for key in ("period", "environment", "services", "definitions", "bands", "minimum_count"):
        assert report[key] == cli[key], key
    assert report["current"]["dora"] == cli["current"]["dora"]
    assert report["current"]["success_rate"] == {"percent": 100.0, "count": 1, "of": 1}
    assert report["current"]["uptime"][0]["service"] == "hello"

    bad = await _call(port, "report", {"period": "year"})
    assert bad["ok"] is False and bad["error"]["exit_code"] == 2 and "period" in bad["error"]["message"]
    since = await _call(port, "report", {"since": "yesterday"})
    assert since["ok"] is False and "since" in since["error"]["message"] and since["error"]["hint"]
    audited = [(e["notes"], e["status"]) for e in mcp_events(project.root / "shipmate.yaml")]
    assert ("uptime", "ok") in audited and ("report", "ok") in audited and ("report", "refused") in audited


@pytest.mark.anyio
async def test_a_read_only_server_still_offers_uptime_and_report(project: Project) -> None:
    spec = project.spec("1.0.0")
    async with connected(spec, ToolPolicy(read_only=True)) as client:
        names = {tool.name for tool in (await client.list_tools()).tools}
        never = body(await client.call_tool("uptime", {}))
    assert {"uptime", "report"} <= names
    assert never["ok"] is True and never["never_deployed"] is True and never["environments"] == []
