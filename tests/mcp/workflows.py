"""The seed's eight agent workflows, driven through MCP tools and resources only (no shell): each is a function
of an Agent (a real MCP client, in-memory or over streamable HTTP, that counts what it reads) and a Person (what
a human does on the host: share an approval's one-time code, or be the incident that kills a process).

Tokens an agent reads per workflow = (the guide + every tool description + every result's text) / 4, the
project's chars/4 convention; the seed's budget is 20k context tokens.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import psutil
from mcp import Client

from tests.e2e.cli_project import Project
from tests.waiting import wait_until

SEED_BUDGET_TOKENS = 20_000
CANARY = "wf-canary-9b3e7c1d-never-shown"


def spec_text(project: Project, production_port: int) -> str:
    """staging first, production protected; the smoke (level 5) is a gate in every window."""
    return f"""service: hello
version: "1.0.0"
port: {project.port}
target:
  kind: process
  command: ["{sys.executable}", "app.py"]
  stop_grace: 3s
  env: {{GREETING: hello-users}}
health:
  interval: 100ms
  deadline: 15s
  checks:
    - http: {{path: /health, status: 200}}
  levels:
    smoke: {{http: [{{path: /, expect_json: {{greeting: hello-users}}}}], gate: true}}
drain: 1s
monitor: {{duration: 1s, interval: 100ms, min_samples: 3}}
environments:
  staging: {{}}
  production: {{port: {production_port}, protected: true, monitor: {{duration: 2s}}}}
backup:
  paths: [data/]
"""


@dataclass
class Agent:
    client: Client
    chars: int = 0
    calls: list[str] = field(default_factory=list)

    async def start(self) -> None:
        """What an agent reads first: the guide, and the tools with their descriptions."""
        guide = await self.client.read_resource("shipmate://guide")
        self.chars += len(guide.contents[0].text)  # type: ignore[union-attr]
        tools = (await self.client.list_tools()).tools
        self.chars += sum(len(tool.description or "") for tool in tools)

    async def call(self, tool: str, arguments: dict[str, Any] | None = None) -> dict[str, Any]:
        result = await self.client.call_tool(tool, arguments or {})
        text = "".join(getattr(part, "text", "") for part in result.content)
        self.chars += len(text)
        self.calls.append(tool)
        data: dict[str, Any] = json.loads(text)
        return data

    @property
    def tokens(self) -> int:
        return self.chars // 4


@dataclass
class Person:
    project: Project

    def shares_code(self, approval_id: str) -> str:
        """The person runs `shipmate approvals` on the host and tells the agent the one-time code."""
        [row] = [r for r in self.project.json("approvals")["approvals"] if r["id"] == approval_id]
        return str(row["code"])

    def kills_the_router(self) -> None:
        pid = int((self.project.home() / "router" / "router.pid").read_text().split()[0])
        os.kill(pid, signal.SIGKILL)
        wait_until(lambda: not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE,
                   10, "the router to die")


async def standard_deployment(agent: Agent, person: Person) -> None:
    """1: backup, deploy, verify, smoke, event."""
    assert (await agent.call("status", {"env": "staging"}))["ok"]
    backup = await agent.call("backup_create", {"env": "staging"})
    assert backup["ok"], backup
    plan = await agent.call("deploy", {"env": "staging", "dry_run": True})
    assert plan["ok"] and plan["dry_run"] is True, plan
    done = await agent.call("deploy", {"env": "staging"})
    assert done["state"] == "succeeded", done
    assert done["verdict"]["evidence"]["sources"]["smoke"]["passed"] == 1, done["verdict"]   # the smoke gate ran
    checked = await agent.call("check", {"env": "staging", "level": 5})
    assert checked["healthy"] is True and checked["levels"][-1]["name"] == "smoke", checked
    events = await agent.call("events", {"env": "staging", "deployment": done["deployment_id"], "limit": 3})
    assert events["events"][-1]["event_type"] == "deployment.succeeded", events


async def multi_environment(agent: Agent, person: Person) -> None:
    """2: staging verified, then the same release promoted to protected production through the approval gate."""
    asked = await agent.call("promote", {"from_env": "staging", "to_env": "production"})
    assert asked["error"]["exit_code"] == 6, asked
    approval_id = asked["error"]["details"]["approval_id"]
    listed = await agent.call("approvals")
    assert [row["id"] for row in listed["approvals"]] == [approval_id] and "code" not in listed["approvals"][0]
    own = await agent.call("approve", {"id": approval_id})
    assert own["error"]["code"] == "approval_refused", own          # an agent never grants on its own say-so
    granted = await agent.call("approve", {"id": approval_id, "code": person.shares_code(approval_id)})
    assert granted["approval"]["state"] == "approved", granted
    promoted = await agent.call("promote", {"from_env": "staging", "to_env": "production"})
    assert promoted["state"] == "succeeded", promoted
    status = await agent.call("status", {"env": "production"})
    assert status["environments"][0]["serving"] is True, status


async def emergency_rollback(agent: Agent, person: Person) -> None:
    """3: a newer release is live in staging; put the last verified one back, fast, and verify."""
    newer = await agent.call("deploy", {"env": "staging", "version": "1.1.0"})
    assert newer["state"] == "succeeded", newer
    history = await agent.call("history", {"env": "staging", "limit": 5})
    assert history["deployments"][0]["version"] == "1.1.0", history
    plan = await agent.call("rollback", {"env": "staging", "dry_run": True})
    assert plan["ok"], plan
    back = await agent.call("rollback", {"env": "staging"})
    assert back["state"] == "succeeded", back
    assert person.project.get("/")["version"] == "1.0.0"
    assert (await agent.call("check", {"env": "staging"}))["healthy"] is True


async def secrets_rotation(agent: Agent, person: Person) -> None:
    """4: per-environment values set and rotated; never shown back, never in the audit."""
    shared = await agent.call("secrets_set", {"name": "API_KEY", "value": CANARY + "-shared"})
    assert shared["secret"]["version"] == 1 and "environment" not in shared["secret"], shared
    prod = await agent.call("secrets_set", {"name": "API_KEY", "value": CANARY + "-prod", "env": "production"})
    assert prod["secret"]["environment"] == "production", prod
    dry = await agent.call("secrets_rotate", {"name": "API_KEY", "value": CANARY + "-prod2", "env": "production",
                                              "dry_run": True})
    assert dry["dry_run"] is True and dry["previous"]["version"] == 2, dry
    rotated = await agent.call("secrets_rotate", {"name": "API_KEY", "value": CANARY + "-prod2",
                                                  "env": "production"})
    assert rotated["previous"]["version"] == 2 and rotated["secret"]["version"] == 3, rotated
    listed = await agent.call("secrets_list")
    assert [(s["name"], s.get("environment"), s["version"]) for s in listed["secrets"]] == [
        ("API_KEY", None, 1), ("API_KEY", "production", 3)], listed
    typo = await agent.call("secrets_set", {"name": "API_KEY", "value": CANARY, "env": "prod"})
    assert typo["error"]["exit_code"] == 2 and "unknown environment" in typo["error"]["message"], typo
    audit = await agent.call("events", {"limit": 200})
    assert CANARY not in json.dumps(audit)


async def health_debugging(agent: Agent, person: Person) -> None:
    """5: down the levels one at a time; each names itself and passes, level 5 the smoke."""
    names = []
    for level in range(1, 6):
        out = await agent.call("check", {"env": "staging", "level": level})
        assert out["healthy"] is True, out
        names.append(out["levels"][-1]["name"])
    assert names[0] != names[-1] and names[-1] == "smoke", names
    logs = await agent.call("logs", {"env": "staging", "lines": 20})
    assert logs["ok"], logs


async def backup_and_restore(agent: Agent, person: Person) -> None:
    """6: list, dry-run, take; restore stays on the host and the refusal says what to do."""
    before = await agent.call("backups", {"env": "staging"})
    dry = await agent.call("backup_create", {"env": "staging", "dry_run": True})
    assert dry["ok"] and dry["dry_run"] is True, dry
    taken = await agent.call("backup_create", {"env": "staging"})
    assert taken["ok"], taken
    after = await agent.call("backups", {"env": "staging"})
    assert len(after["backups"]) == len(before["backups"]) + 1, after
    refused = await agent.call("backup_restore", {"id": "latest"})
    assert (refused["error"]["code"] == "refused" and "host-only" in refused["error"]["hint"]) or \
        "on the host" in refused["error"]["hint"], refused


async def troubleshooting(agent: Agent, person: Person) -> None:
    """8: doctor first; an incident (the router killed) is found with its fix; any command heals it; ready again."""
    assert (await agent.call("doctor", {"env": "staging"}))["ready"] is True
    person.kills_the_router()
    found = await agent.call("doctor", {"env": "staging"})
    assert found["exit_code"] == 3 and found["findings"][0]["id"] == "router.down", found
    assert found["findings"][0]["fix"], found
    healed = await agent.call("status", {"env": "staging"})      # every command reconciles: the router is back
    assert healed["environments"][0]["serving"] is True, healed
    again = await agent.call("doctor", {"env": "staging"})
    assert again["ready"] is True and [f["id"] for f in again["findings"]] == ["prereq.serve"], again


Workflow = Callable[[Agent, Person], Awaitable[None]]
WORKFLOWS: tuple[tuple[str, Workflow], ...] = (
    ("secrets set and rotation", secrets_rotation),
    ("standard deployment (backup, deploy, verify, smoke, event)", standard_deployment),
    ("multi-environment with the approval gate", multi_environment),
    ("emergency rollback", emergency_rollback),
    ("health-check debugging down the levels", health_debugging),
    ("backup, dry-run and restore (host-only)", backup_and_restore),
    ("troubleshooting, doctor first", troubleshooting),
)
