"""The agent guide is generated from live metadata, fits the token budget, and is served as a resource;
the MCP SDK is never imported by `shipmate --help` or `status`."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from shipmate.errors import ShipmateError
from shipmate.mcp.catalog import TOOLS
from shipmate.mcp.guide import build_guide, token_figure
from tests.e2e.cli_project import Project
from tests.mcp.face import connected

GUIDE_BUDGET_TOKENS = 3000


def test_the_guide_and_all_tool_descriptions_fit_in_3000_tokens() -> None:
    guide = build_guide()
    assert token_figure(guide)["tokens"] <= GUIDE_BUDGET_TOKENS


def test_the_guide_names_every_tool_and_every_exit_code_of_the_error_tree() -> None:
    guide = build_guide()
    for tool in TOOLS:
        assert f"- {tool.name} (" in guide
    codes = {cls.exit_code for cls in ShipmateError.__subclasses__()}
    for code in codes:
        assert f"\n{code} " in guide


def test_shipmate_guide_prints_it_and_reports_its_size(project: Project) -> None:
    project.spec("1.0.0")
    out = project.json("guide")
    assert out["guide"].startswith("# shipmate agent guide") and out["tokens"] == out["chars"] // 4
    assert "mcp" in out["guide"] and "deploy" in out["guide"]


@pytest.mark.anyio
async def test_the_guide_resource_and_the_prompts_are_served(project: Project) -> None:
    spec = project.spec("1.0.0")
    async with connected(spec) as client:
        guide = await client.read_resource("shipmate://guide")
        status = await client.read_resource("shipmate://status")
        prompts = {p.name for p in (await client.list_prompts()).prompts}
        rollback = await client.get_prompt("emergency_rollback", {"env": "default"})
    assert "## Safety rules" in guide.contents[0].text  # type: ignore[union-attr]
    assert json.loads(status.contents[0].text)["service"] == "hello"  # type: ignore[union-attr]
    assert prompts == {"deploy", "emergency_rollback", "troubleshoot"}
    assert "rollback" in rollback.messages[0].content.text  # type: ignore[union-attr]


@pytest.mark.anyio
async def test_a_deployment_resource_holds_its_record_and_events(project: Project) -> None:
    from shipmate import ops

    spec = project.spec("1.0.0")
    deployed = ops.deploy(str(spec))
    async with connected(spec) as client:
        found = await client.read_resource(f"shipmate://deployments/{deployed['deployment_id']}")
    record = json.loads(found.contents[0].text)  # type: ignore[union-attr]
    assert record["deployment"]["state"] == "succeeded"
    assert any(e["event_type"] == "deployment.succeeded" for e in record["events"])


@pytest.mark.parametrize("args", [["--help"], ["status", "--json"]])
def test_help_and_status_never_import_the_mcp_sdk(project: Project, args: list[str]) -> None:
    project.spec("1.0.0")
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "shipmate", *args],
                          cwd=project.root, capture_output=True, text=True, timeout=60, env=project.env)
    imported = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if "|" in line}
    assert "shipmate.cli.main" in imported and proc.returncode == 0, proc.stderr[-2000:]
    assert not {name for name in imported if name == "mcp" or name.startswith(("mcp.", "mcp_types"))}
