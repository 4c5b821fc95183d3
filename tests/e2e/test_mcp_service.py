"""An MCP service deployed by shipmate (streamable HTTP behind the router), probed at the protocol level through
the public port with `shipmate probe mcp`: deploy, a broken release that rolls back, a good one that goes live."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

from tests.e2e.cli_project import Project

APP = Path(__file__).parent / "apps" / "mcp_app.py"


def _spec(project: Project, version: str, *, broken: bool = False) -> None:
    env = '    MCP_APP_BROKEN: "1"\n' if broken else ""
    (project.root / "shipmate.yaml").write_text(f"""service: mcp-hello
version: "{version}"
port: {project.port}
target:
  kind: process
  command: ["{sys.executable}", "mcp_app.py"]
  stop_grace: 3s
  env:
    PYTHONUNBUFFERED: "1"
{env}health:
  interval: 100ms
  deadline: {"3s" if broken else "20s"}
  checks:
    - http: {{path: /health, status: 200}}
drain: 1s
monitor:
  duration: 1s
  interval: 100ms
  min_samples: 3
""")


def _probe(project: Project) -> dict[str, Any]:
    url = f"http://127.0.0.1:{project.port}/mcp"
    proc = project.run("probe", "mcp", url, "--calls", "5", "--tool", "served_version", "--args", "{}", "--json",
                       timeout=120)
    assert proc.returncode == 0, (proc.stdout, proc.stderr)
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


def _served(project: Project) -> str:
    """What the live release says through the router, over MCP (tools/call)."""
    from shipmate.probes.mcp import parse_target
    from shipmate.probes.mcp_calls import call_tool

    answer = call_tool(parse_target(f"http://127.0.0.1:{project.port}/mcp"), "served_version", {}, timeout_s=10)
    assert not answer.is_error, answer
    return answer.text


def test_an_mcp_service_deployed_behind_the_router_answers_mcp_through_deploy_rollback_and_update(
        project: Project) -> None:
    shutil.copy(APP, project.root / "mcp_app.py")
    _spec(project, "1")
    assert project.json("deploy", timeout=180)["state"] == "succeeded"
    first = _probe(project)
    assert first["tool_names"] == ["served_version"] and first["errors"] == 0 and first["calls"] == 5, first
    assert _served(project) == "1"

    _spec(project, "2", broken=True)
    failed = project.run("deploy", "--json", timeout=180)
    assert failed.returncode == 1, (failed.stdout, failed.stderr)
    again = _probe(project)
    assert again["schema_hash"] == first["schema_hash"] and again["errors"] == 0, again
    assert _served(project) == "1", "the broken release never went live"

    _spec(project, "3")
    assert project.json("deploy", timeout=180)["state"] == "succeeded"
    third = _probe(project)
    assert third["errors"] == 0 and third["schema_hash"] == first["schema_hash"], third
    assert _served(project) == "3"
