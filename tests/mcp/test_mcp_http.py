"""`shipmate mcp --http` on a real uvicorn on 127.0.0.1: Host/Origin allowlists, and the bearer token that
every state-changing tool needs (reads work without it)."""

from __future__ import annotations

import http.client
import json
import os
import socket
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp_types import Implementation

from tests.e2e.cli_project import Project
from tests.mcp.face import body, mcp_events
from tests.waiting import free_port, wait_until

TOKEN = "test-token-0123456789abcdef"


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


@pytest.fixture
def served(project: Project) -> Iterator[tuple[Project, int]]:
    project.spec("1.0.0")
    port = free_port()
    proc = project.spawn("mcp", "--http", "--port", str(port), env={"SHIPMATE_MCP_TOKEN": TOKEN})
    wait_until(lambda: _listening(port) or proc.poll() is not None, 30, "shipmate mcp --http to listen")
    assert proc.poll() is None, proc.communicate()
    yield project, port
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def _post(port: int, headers: dict[str, str], path: str = "/mcp") -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    payload = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    conn.request("POST", path, body=json.dumps(payload), headers={
        "Content-Type": "application/json", "Accept": "application/json, text/event-stream", **headers})
    status = conn.getresponse().status
    conn.close()
    return status


def test_a_bad_host_gets_421_and_a_bad_origin_gets_403(served: tuple[Project, int]) -> None:
    _, port = served
    assert _post(port, {"Host": "evil.example"}) == 421
    assert _post(port, {"Host": f"127.0.0.1:{port}", "Origin": "http://evil.example"}) == 403
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.request("GET", "/sse", headers={"Host": "evil.example"})
    assert conn.getresponse().status == 421
    conn.close()


async def _call(port: int, tool: str, arguments: dict[str, Any], token: str | None) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    async with httpx2.AsyncClient(headers=headers, timeout=30) as http, Client(
            streamable_http_client(f"http://127.0.0.1:{port}/mcp", http_client=http), mode="legacy", cache=None,
            client_info=Implementation(name="http-agent", version="1")) as client:
        return body(await client.call_tool(tool, arguments))


@pytest.mark.anyio
async def test_a_mutating_tool_needs_the_bearer_token_and_reads_do_not(served: tuple[Project, int]) -> None:
    project, port = served
    spec = project.root / "shipmate.yaml"
    status = await _call(port, "status", {}, token=None)
    missing = await _call(port, "deploy", {"dry_run": True}, token=None)
    wrong = await _call(port, "deploy", {"dry_run": True}, token="not-the-token")
    granted = await _call(port, "deploy", {"dry_run": True}, token=TOKEN)
    assert status["ok"] is True and status["service"] == "hello"
    for refused in (missing, wrong):
        assert refused["ok"] is False and refused["error"]["code"] == "refused"
        assert "bearer token" in refused["error"]["message"]
    assert granted["ok"] is True and granted["dry_run"] is True
    assert [(e["event_type"], e["status"]) for e in mcp_events(spec)] == [
        ("mcp.call", "ok"), ("mcp.refused", "refused"), ("mcp.refused", "refused"), ("mcp.call", "ok")]
    assert {e["deployed_by"] for e in mcp_events(spec)} == {"mcp:http-agent"}
    assert TOKEN not in json.dumps(mcp_events(spec))


@pytest.mark.anyio
async def test_legacy_sse_clients_are_served_with_the_same_token_rule(served: tuple[Project, int]) -> None:
    from mcp.client.sse import sse_client

    _, port = served
    url = f"http://127.0.0.1:{port}/sse"
    async with Client(sse_client(url), mode="legacy", cache=None) as client:
        status = body(await client.call_tool("status", {}))
        refused = body(await client.call_tool("down", {"dry_run": True}))
    async with Client(sse_client(url, headers={"Authorization": f"Bearer {TOKEN}"}), mode="legacy",
                      cache=None) as client:
        granted = body(await client.call_tool("down", {"dry_run": True}))
    assert status["ok"] is True
    assert refused["error"]["code"] == "refused"
    assert granted["ok"] is True or granted["error"]["code"] == "not_found"   # never deployed: nothing to stop


def test_the_token_file_is_created_once_with_mode_0600(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from shipmate.mcp.http_app import TOKEN_ENV, resolve_token

    monkeypatch.delenv(TOKEN_ENV, raising=False)
    first, where = resolve_token(tmp_path / "home")
    again, _ = resolve_token(tmp_path / "home")
    assert first == again and len(first) >= 32
    assert where == str(tmp_path / "home" / "mcp-token")
    assert stat.S_IMODE(os.stat(where).st_mode) == 0o600
    monkeypatch.setenv(TOKEN_ENV, "from-the-environment")
    assert resolve_token(tmp_path / "home") == ("from-the-environment", TOKEN_ENV)


def test_a_port_in_use_is_a_prerequisite_error_exit_7(project: Project) -> None:
    project.spec("1.0.0")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        proc = project.run("mcp", "--http", "--port", str(taken.getsockname()[1]), timeout=60,
                           env={"SHIPMATE_MCP_TOKEN": TOKEN})
    assert proc.returncode == 7, proc.stderr
    assert "pick another --port" in proc.stderr
