"""`shipmate check` runs all five levels on a deployed MCP service: the SDK server behind the router, a smoke
MCP tools/call (isError false and a JSON path), an HTTP request sequence, a command; a failing smoke or MCP
endpoint is named by its level (exit 3)."""

from __future__ import annotations

import sys

from tests.e2e.cli_project import Project
from tests.e2e.test_health_levels_deploy import write_spec

MCP = "    mcp: {path: /mcp, required_tools: [served_version, echo]}\n"


def _deploy(project: Project, version: str, smoke: str) -> None:
    write_spec(project, version, levels=MCP + f"    smoke: {smoke}", tools="echo", monitor="duration: 0s")
    assert project.json("deploy", timeout=180)["state"] == "succeeded"


def test_all_five_levels_pass_with_an_mcp_call_smoke_and_a_failing_one_is_level_5(project: Project) -> None:
    _deploy(project, "1", "{mcp_call: {tool: echo, arguments: {text: hi}, expect: {is_error: false, text: hi}}}")
    out = project.json("check")
    assert [(lv["level"], lv["phase"]) for lv in out["levels"]] == [(n, "pass") for n in range(1, 6)], out
    assert out["levels"][3]["name"] == "protocol" and "2 tools" in out["levels"][3]["evidence"]["excerpt"], out
    assert out["warnings"] == []

    _deploy(project, "2", "{mcp_call: {tool: echo, arguments: {text: hi}, expect: {text: nope}}}")
    failed = project.json("check", expect=3)["error"]
    assert failed["details"]["failed_level"] == 5 and "level 5 (smoke)" in failed["message"], failed
    assert "text='hi', expected 'nope'" in failed["message"], failed
    assert project.json("check", "--level", "4")["healthy"] is True


def test_an_http_sequence_and_a_command_smoke_pass_and_a_broken_mcp_endpoint_fails_level_4(
        project: Project) -> None:
    sequence = ("{http: [{path: /items, expect_json: {items.0.name: a}}, "
                "{method: POST, path: /items, body: {name: b}, expect_status: 201, expect_json: {created: b}}]}")
    _deploy(project, "1", sequence)
    out = project.json("check")
    assert out["levels"][4]["phase"] == "pass" and "2 requests" in out["levels"][4]["evidence"]["excerpt"], out

    probe = (f'{{command: ["{sys.executable}", "-c", "import os, urllib.request; '
             "urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ['PORT'])\"]}")
    _deploy(project, "2", probe)
    assert project.json("check")["levels"][4]["phase"] == "pass"

    project.steer("2", {"mcp_fail": True})
    failed = project.json("check", expect=3)["error"]
    assert failed["details"]["failed_level"] == 4 and "level 4 (protocol)" in failed["message"], failed
    assert [lv["phase"] for lv in failed["details"]["levels"]] == ["pass", "pass", "pass", "fail"]
