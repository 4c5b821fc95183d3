"""Health levels gate a deployment before the switch: an MCP service (the SDK's streamable HTTP app) deployed
by shipmate, its tools checked at level 4 on each new instance, the schema hash stored on the release and
compared with the current release's (a warning by default, a rollback before the switch with schema_change: fail).
"""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

from tests.e2e.cli_project import Project

APP = Path(__file__).parent / "apps" / "mcp_app.py"


def write_spec(project: Project, version: str, *, levels: str, tools: str = "", deadline: str = "20s",
               monitor: str = "duration: 1s\n  interval: 100ms\n  min_samples: 3") -> None:
    shutil.copy(APP, project.root / "mcp_app.py")
    (project.root / "shipmate.yaml").write_text(f"""service: mcp-levels
version: "{version}"
port: {project.port}
target:
  kind: process
  command: ["{sys.executable}", "mcp_app.py"]
  stop_grace: 3s
  env:
    PYTHONUNBUFFERED: "1"
    MCP_APP_TOOLS: "{tools}"
health:
  interval: 100ms
  deadline: {deadline}
  checks:
    - http: {{path: /health, status: 200}}
  levels:
{levels}
drain: 1s
monitor:
  {monitor}
""")


def served(project: Project) -> str:
    """What the live release says through the router, over MCP (tools/call)."""
    from shipmate.probes.mcp import parse_target
    from shipmate.probes.mcp_calls import call_tool

    answer = call_tool(parse_target(f"http://127.0.0.1:{project.port}/mcp"), "served_version", {}, timeout_s=10)
    assert not answer.is_error, answer
    return answer.text


def facts_of_current(project: Project) -> dict[str, object]:
    from shipmate.store.sqlite_reader import SqliteReader

    reader = SqliteReader.open(project.home())
    assert reader is not None
    try:
        cur = reader.current("mcp-levels", "default")
        assert cur is not None
        rel = reader.get_release(cur.release_id)
        assert rel is not None
        return rel.facts
    finally:
        reader.close()


def test_a_required_tool_missing_fails_level_4_and_rolls_back_before_the_switch(project: Project) -> None:
    levels = "    mcp: {path: /mcp, min_tools: 1, required_tools: [served_version]}"
    write_spec(project, "1", levels=levels)
    first = project.json("deploy", timeout=180)
    assert first["state"] == "succeeded", first
    facts = facts_of_current(project)
    assert facts["mcp_tools"] == ["served_version"] and str(facts["mcp_schema_hash"]).startswith("sha256:"), facts

    write_spec(project, "2", levels="    mcp: {required_tools: [served_version, echo]}", deadline="60s")
    began = time.monotonic()
    failed = project.json("deploy", expect=1, timeout=180)
    took = time.monotonic() - began
    print(f"a release missing a required tool failed in {took:.1f} s (health.deadline 60 s)")
    assert took < 45, "a server that answered without the tool fails at once, not at the deadline"
    error = failed["error"]["message"]
    assert "level 4 (protocol)" in error and "required tool missing: echo" in error, failed
    steps = {s["name"]: s["status"] for s in failed["error"]["details"]["steps"]}
    assert "switch_route" not in steps or steps["switch_route"] != "succeeded", steps
    assert served(project) == "1", "the release without its tool never went live"


def test_a_changed_tool_schema_warns_by_default_and_fails_with_schema_change_fail(project: Project) -> None:
    write_spec(project, "1", levels="    mcp: {path: /mcp}", tools="echo")
    assert project.json("deploy", timeout=180)["state"] == "succeeded"
    before = facts_of_current(project)

    write_spec(project, "2", levels="    mcp: {path: /mcp}", tools="echo_v2")
    warned = project.json("deploy", timeout=180)
    assert warned["state"] == "succeeded", warned
    assert any("input schema changed echo" in w and "since 1" in w for w in warned["warnings"]), warned
    after = facts_of_current(project)
    assert after["mcp_schema_hash"] != before["mcp_schema_hash"] and after["mcp_tools"] == before["mcp_tools"]

    write_spec(project, "3", levels="    mcp: {path: /mcp, schema_change: fail}", tools="")
    refused = project.json("deploy", expect=1, timeout=180)
    message = refused["error"]["message"]
    assert "level 4 (protocol)" in message and "removed echo" in message, refused
    assert refused["error"]["details"]["state"] == "rolled_back", refused["error"]["details"]
    assert served(project) == "2"


def test_a_dry_run_names_the_levels_that_gate_the_switch_and_leaves_smoke_to_check(project: Project) -> None:
    write_spec(project, "1", levels="    mcp: {path: /mcp}\n    smoke: {mcp_call: {tool: echo}}")
    out = project.json("deploy", "--dry-run")
    assert [(lv["level"], lv["name"]) for lv in out["gate_levels"]] == [
        (1, "instance"), (2, "endpoint"), (3, "application"), (4, "protocol")], out
    text = project.run("deploy", "--dry-run")
    assert text.returncode == 0 and "health levels before traffic: 1 instance, 2 endpoint, 3 application, " \
        "4 protocol" in text.stdout, text.stdout
    assert project.json("history")["deployments"] == []    # a dry run starts and records nothing
