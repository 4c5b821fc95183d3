"""The level probes against real servers: level 4 (MCP tools/list) on the SDK test server over streamable HTTP
and SSE, on a non-MCP HTTP server and a closed port; level 5 smokes (MCP call, command); container health on a
process instance (no HEALTHCHECK: passes)."""

from __future__ import annotations

import sys
from pathlib import Path

from tests import mcp_servers
from tests.mcp_servers import RunningServer
from tests.waiting import free_port

from shipmate.model import InstanceRef, LaunchSpec, Phase
from shipmate.probes.container_health import ContainerHealthProbe
from shipmate.probes.mcp_level import McpListProbe
from shipmate.probes.smoke import run_smoke
from shipmate.targets.registry import target_for

http_server, sse_server = mcp_servers.http_server, mcp_servers.sse_server
plain_http_server = mcp_servers.plain_http_server


def test_level_4_lists_the_tools_and_keeps_their_facts(http_server: RunningServer) -> None:
    probe = McpListProbe({"path": "/mcp", "required_tools": ["add", "echo"], "min_tools": 2}, "127.0.0.1",
                         http_server.port)
    result = probe.run()
    assert result.phase is Phase.PASS, result
    assert probe.facts is not None and {"add", "echo"} <= set(probe.facts["mcp_tools"])
    assert str(probe.facts["mcp_schema_hash"]).startswith("sha256:") and not probe.settled


def test_level_4_over_legacy_sse(sse_server: RunningServer) -> None:
    assert McpListProbe({"sse": "/sse"}, "127.0.0.1", sse_server.port).run().phase is Phase.PASS


def test_a_missing_required_tool_fails_for_good_and_a_closed_port_may_still_come_up(
        http_server: RunningServer) -> None:
    missing = McpListProbe({"required_tools": ["nope"]}, "127.0.0.1", http_server.port)
    result = missing.run()
    assert result.phase is Phase.FAIL and "required tool missing: nope" in result.detail and missing.settled
    closed = McpListProbe({"timeout": 2.0}, "127.0.0.1", free_port())
    assert closed.run().phase is Phase.FAIL and not closed.settled
    assert closed.level is not None and closed.level.evidence.status == "unreachable"


def test_a_plain_http_server_is_not_mcp_at_level_4(plain_http_server: str) -> None:
    port = int(plain_http_server.split(":")[2].split("/")[0])
    probe = McpListProbe({"timeout": 5.0}, "127.0.0.1", port)
    assert probe.run().phase is Phase.FAIL and not probe.settled
    assert probe.level is not None and "not an MCP endpoint" in probe.level.evidence.excerpt


def test_smoke_mcp_call_and_command(http_server: RunningServer, tmp_path: Path) -> None:
    ok = run_smoke({"mcp_call": {"tool": "add", "arguments": {"a": 2, "b": 3}, "expect": {"is_error": False,
                                                                                          "result": 5}}},
                   {"path": "/mcp"}, "127.0.0.1", http_server.port, cwd=str(tmp_path), env={})
    assert ok.phase is Phase.PASS, ok
    wrong = run_smoke({"mcp_call": {"tool": "add", "arguments": {"a": "x"}}}, {"path": "/mcp"}, "127.0.0.1",
                      http_server.port, cwd=str(tmp_path), env={})
    assert wrong.phase is Phase.FAIL and wrong.evidence.status == "isError", wrong
    command = [sys.executable, "-c", "import os, sys; sys.exit(0 if os.environ['PORT'] == '4242' else 3)"]
    assert run_smoke({"command": command}, {}, "127.0.0.1", 4242, cwd=str(tmp_path), env={}).phase is Phase.PASS
    failing = run_smoke({"command": [sys.executable, "-c", "print('bad'); raise SystemExit(2)"]}, {},
                        "127.0.0.1", 4242, cwd=str(tmp_path), env={})
    assert failing.phase is Phase.FAIL and failing.evidence.status == "exit 2" and "bad" in failing.evidence.excerpt


def test_container_health_passes_for_a_process_instance_without_a_healthcheck(tmp_path: Path) -> None:
    target = target_for("process")
    launch = LaunchSpec(instance_id="p1", argv=(sys.executable, "-c", "import time; time.sleep(60)"),
                        cwd=str(tmp_path), env={}, port=0, log_path=str(tmp_path / "p1.log"), home_id="levels")
    ref: InstanceRef = target.start(launch)
    try:
        result = ContainerHealthProbe(target, ref).run()
        assert (result.phase, result.detail) == (Phase.PASS, "no HEALTHCHECK")
    finally:
        target.stop(ref, grace=0.5)
