"""MCP as a monitor source beside router traffic: a release whose MCP endpoint starts failing after the switch
(its /health still 200, so the probes and the router see nothing wrong) is rolled back by the MCP source."""

from __future__ import annotations

from tests.e2e.cli_project import Project
from tests.e2e.test_health_levels_deploy import served, write_spec

LEVELS = "    mcp: {path: /mcp, required_tools: [served_version], timeout: 2s}"
WATCH = "duration: 1s\n  interval: 100ms\n  min_samples: 3\n  rollback_if: {mcp_error_rate: 0.1}"
LONG_WATCH = "duration: 60s\n  interval: 200ms\n  min_samples: 3\n  rollback_if: {mcp_error_rate: 0.1}"


def test_an_mcp_endpoint_failing_after_the_switch_is_rolled_back_by_the_mcp_source(project: Project) -> None:
    write_spec(project, "1", levels=LEVELS, monitor=WATCH)
    first = project.json("deploy", timeout=180)
    assert first["state"] == "succeeded", first
    mcp = first["verdict"]["evidence"]["sources"]["mcp"]["1"]
    assert mcp["samples"] >= 3 and mcp["errors"] == 0 and mcp["p95_ms"] is not None, first["verdict"]

    write_spec(project, "2", levels=LEVELS, monitor=LONG_WATCH)
    code, out = project.deploy_then_break("2", {"mcp_fail": True}, timeout=150)
    assert code == 1, out
    details = out["error"]["details"]
    verdict = details["verdict"]
    assert verdict["decided_by"] == "mcp.error_rate", verdict
    assert verdict["evidence"]["sources"]["mcp"]["2"]["errors"] >= 1, verdict["evidence"]
    assert "503" in verdict["evidence"]["sources"]["mcp"]["2"]["last_error"] or \
        "HTTP" in verdict["evidence"]["sources"]["mcp"]["2"]["last_error"], verdict["evidence"]
    assert details["state"] == "rolled_back"
    assert served(project) == "1"
