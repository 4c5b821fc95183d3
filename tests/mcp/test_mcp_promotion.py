"""Safe promotion through the MCP face alone: an agent stages, promotes to a protected production (held for a
person), and after the person's `shipmate approve` the same promote call deploys the staged artifact; backups and
explain are tools too."""

from __future__ import annotations

import sqlite3

import pytest

from tests.e2e.cli_project import Project
from tests.mcp.face import body, connected
from tests.waiting import free_port

pytestmark = pytest.mark.anyio


def _spec(project: Project) -> None:
    with sqlite3.connect(project.root / "app.db") as db:
        db.execute("CREATE TABLE IF NOT EXISTS t (x INTEGER)")
    db.close()
    project.spec("1.0.0", extra=f"""backup:
  paths: [{{sqlite: app.db}}]
environments:
  staging: {{}}
  production:
    port: {free_port()}
    protected: true
    policy: {{require_passed_in: staging}}
""")


async def test_an_agent_promotes_to_production_only_after_a_persons_approval(project: Project) -> None:
    _spec(project)
    spec = project.root / "shipmate.yaml"
    async with connected(spec) as client:
        staged = body(await client.call_tool("deploy", {"env": "staging"}))
        assert staged["ok"] is True and staged["verified"] is True
        plan = body(await client.call_tool("promote", {"from_env": "staging", "to_env": "production",
                                                       "dry_run": True}))
        assert plan["dry_run"] is True and plan["approval"]["required"] is True and plan["backup"]
        held = await client.call_tool("promote", {"from_env": "staging", "to_env": "production"})
        error = body(held)["error"]
        assert held.is_error and (error["code"], error["exit_code"]) == ("approval_required", 6)
        assert "code" not in error["details"]                         # the one-time code never reaches the agent
        approval_id = error["details"]["approval_id"]
        approved = project.json("approve", approval_id)                # the person, on the host
        assert approved["approval"]["decided_by"].startswith("user:")
        done = body(await client.call_tool("promote", {"from_env": "staging", "to_env": "production"}))
        assert done["ok"] is True and done["state"] == "succeeded" and done["approval"]["approval_id"] == approval_id
        assert done["origin"]["promoted_from"]["deployment_id"] == staged["deployment_id"]
        backups = body(await client.call_tool("backups", {"env": "production"}))["backups"]
        assert done["backup"]["backup_id"] in {b["backup_id"] for b in backups}
        explained = body(await client.call_tool("explain", {"deployment": done["deployment_id"]}))
        assert explained["confidence"]["score"] == done["confidence"]
        sized = body(await client.call_tool("backup_create", {"env": "staging", "dry_run": True}))
        assert sized["dry_run"] is True
    assert len(project.json("backup", "list", "-e", "staging")["backups"]) == 0   # the dry run created nothing
