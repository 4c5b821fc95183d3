"""The MCP face's approval gap, closed: an agent requests (and sees id, diff, confidence) but cannot grant; a person's
`shipmate approve` on the host, or the one-time code a person was shown, lets the same deployment proceed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from shipmate import ops
from shipmate.ops.common.approval_codes import code_for
from tests.e2e.cli_project import Project
from tests.mcp.face import body, connected
from tests.waiting import wait_until

pytestmark = pytest.mark.anyio

PROTECTED = "environments:\n  production: {protected: true}\n  staging: {}\n"


def _events(spec: Path) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = ops.events(str(spec), limit=5000)["events"]
    return events


def _code(project: Project, approval_id: str) -> str:
    """The one-time code, as the person on the host sees it (`shipmate approvals`)."""
    [row] = [r for r in project.json("approvals")["approvals"] if r["id"] == approval_id]
    code: str = row["code"]
    return code


async def test_the_agents_own_approve_is_refused_and_a_persons_cli_approval_lets_the_same_deploy_proceed(
        project: Project) -> None:
    spec = project.spec("1.0.0", extra=PROTECTED)
    async with connected(spec) as client:
        asked = await client.call_tool("deploy", {"env": "production"})
        error = body(asked)["error"]
        assert asked.is_error and (error["code"], error["exit_code"]) == ("approval_required", 6)
        details = error["details"]
        approval_id = details["approval_id"]
        assert details["diff"]["version"] == {"from": None, "to": "1.0.0"} and details["diff"]["first_deploy"]
        assert details["confidence"]["score"] == 0.3 and details["expires_at"] > 0   # base 0.5, first deploy -0.2
        assert "first_deploy" in {f["name"] for f in details["confidence"]["factors"]}
        code = _code(project, approval_id)
        listed = body(await client.call_tool("approvals", {}))["approvals"]
        assert [row["id"] for row in listed] == [approval_id] and "code" not in listed[0]
        own = await client.call_tool("approve", {"approval_id": approval_id})
        guessed = await client.call_tool("approve", {"approval_id": approval_id, "code": "AAAA-BBBB-CCCC"})
        for refused in (own, guessed):
            assert refused.is_error and body(refused)["error"]["code"] == "approval_refused"
            assert body(refused)["error"]["exit_code"] == 6
        assert project.json("approve", approval_id)["approval"]["state"] == "approved"   # the person, on the host
        done = await client.call_tool("deploy", {"env": "production"})
        texts = [asked, own, guessed, done]
    assert not done.is_error, body(done)
    assert body(done)["state"] == "succeeded" and body(done)["approval"]["approval_id"] == approval_id
    assert project.serves("1.0.0")
    refusals = [e for e in _events(spec) if e["event_type"] == "approval.refused"]
    assert [(e["deployed_by"], e["data"]["approval_id"]) for e in refusals] == [("mcp:test-agent", approval_id)] * 2
    requested = [e for e in _events(spec) if e["event_type"] == "approval.requested"]
    assert requested[0]["deployed_by"] == "mcp:test-agent" and requested[0]["data"]["face"] == "mcp"
    # the code was never returned to the agent, nor written to the audit trail or its JSONL mirror
    assert all(code not in json.dumps(body(result)) for result in texts)
    assert code not in json.dumps(_events(spec))
    assert all(code not in path.read_text(errors="replace") for path in project.home().rglob("*.jsonl"))


async def test_an_mcp_approve_carrying_a_persons_code_grants_once_as_that_person(project: Project) -> None:
    spec = project.spec("1.0.0", extra=PROTECTED)
    async with connected(spec) as client:
        approval_id = body(await client.call_tool("deploy", {"env": "production"}))["error"]["details"]["approval_id"]
        code = _code(project, approval_id)
        granted = await client.call_tool("approve", {"approval_id": approval_id, "code": code.lower(), "comment": "ok"})
        again = await client.call_tool("approve", {"approval_id": approval_id, "code": code})
        done = await client.call_tool("deploy", {"env": "production"})
    assert not granted.is_error, body(granted)
    approval = body(granted)["approval"]
    person = project.json("approvals", "--all")["approvals"][0]["decided_by"]
    assert person.startswith("user:")   # the code `shipmate approvals` showed was that person's own
    assert (approval["state"], approval["decided_by"], approval["decided_face"]) == ("approved", person, "mcp")
    assert body(granted)["via"] == f"one-time code of {person}, presented by mcp:test-agent"
    assert body(again)["error"]["exit_code"] == 6 and "already approved" in body(again)["error"]["message"]
    assert body(done)["state"] == "succeeded"
    calls = [e for e in _events(spec) if e["event_type"] == "mcp.call" and e["notes"] == "approve"]
    assert calls and all(e["data"]["arguments"]["code"] == "***" for e in calls)


async def test_an_expired_approval_is_refused_and_the_next_call_asks_anew(project: Project) -> None:
    spec = project.spec("1.0.0", extra="environments:\n  production:\n    protected: true\n"
                                        "    approval: {mode: required, expires: 2s}\n")
    async with connected(spec) as client:
        first = body(await client.call_tool("deploy", {"env": "production"}))["error"]["details"]["approval_id"]
        code = code_for(project.home(), first)   # as the host shows it; a CLI call could outlast the 2 s under load
        wait_until(lambda: not project.json("approvals")["approvals"], 30, "the 2s approval to expire")
        late = await client.call_tool("approve", {"approval_id": first, "code": code})
        second = body(await client.call_tool("deploy", {"env": "production"}))["error"]["details"]["approval_id"]
    assert body(late)["error"]["exit_code"] == 6 and "expired" in body(late)["error"]["message"]
    assert second != first and ops.history(str(spec), environment="production")["deployments"] == []


async def test_rollback_to_the_last_verified_release_is_never_held_but_an_older_one_is(project: Project) -> None:
    spec = project.spec("1.0.0", extra="environments:\n  production:\n    protected: true\n"
                                        "    approval: {mode: required, cli: false}\n")
    for version in ("1.0.0", "1.0.1", "1.0.2"):
        assert ops.deploy(str(spec), version=version)["state"] == "succeeded"
    async with connected(spec) as client:
        emergency = await client.call_tool("rollback", {})
        older = await client.call_tool("rollback", {"to_version": "1.0.0"})
    assert not emergency.is_error, body(emergency)
    assert body(emergency)["version"] == "1.0.1" and project.serves("1.0.1")
    assert body(older)["error"]["exit_code"] == 6 and body(older)["error"]["details"]["action"] == "rollback"
    assert body(older)["error"]["details"]["diff"]["version"] == {"from": "1.0.1", "to": "1.0.0"}
    [audited] = [e for e in _events(spec) if e["event_type"] == "rollback.emergency"]
    assert (audited["version"], audited["deployed_by"]) == ("1.0.1", "mcp:test-agent")


async def test_down_through_mcp_on_a_protected_environment_needs_approval(project: Project) -> None:
    spec = project.spec("1.0.0", extra="environments:\n  production:\n    protected: true\n"
                                        "    approval: {mode: required, cli: false}\n")
    assert ops.deploy(str(spec))["state"] == "succeeded"
    async with connected(spec) as client:
        held = await client.call_tool("down", {})
    assert body(held)["error"]["exit_code"] == 6 and body(held)["error"]["details"]["diff"]["version"]["to"] is None
    assert project.serves("1.0.0")


async def test_over_real_http_the_agent_waits_for_the_persons_approval_then_its_retry_deploys(
        project: Project) -> None:
    import subprocess

    import httpx2
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client
    from mcp_types import Implementation

    from tests.waiting import free_port, port_open

    spec = project.spec("1.0.0", extra=PROTECTED)
    port, token = free_port(), "test-token-approvals-0123456789"
    server = project.spawn("mcp", "--http", "--port", str(port), env={"SHIPMATE_MCP_TOKEN": token})
    wait_until(lambda: port_open(port) or server.poll() is not None, 30, "shipmate mcp --http to listen")
    assert server.poll() is None, server.communicate()

    async def call(tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
        async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=120) as http, Client(
                streamable_http_client(f"http://127.0.0.1:{port}/mcp", http_client=http), mode="legacy",
                cache=None, client_info=Implementation(name="http-agent", version="1")) as client:
            return body(await client.call_tool(tool, arguments))

    try:
        asked = await call("deploy", {"env": "production"})
        approval_id = asked["error"]["details"]["approval_id"]
        own = await call("approve", {"approval_id": approval_id, "comment": "trust me"})
        assert (own["error"]["code"], own["error"]["exit_code"]) == ("approval_refused", 6)
        assert project.json("approve", approval_id)["approval"]["state"] == "approved"
        done = await call("deploy", {"env": "production"})
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
    assert done["state"] == "succeeded" and done["approval"]["approval_id"] == approval_id and project.serves("1.0.0")
    refused = [e for e in _events(spec) if e["event_type"] == "approval.refused"]
    assert [e["deployed_by"] for e in refused] == ["mcp:http-agent"]


async def test_the_agent_withdraws_its_own_request_and_the_next_call_asks_anew(project: Project) -> None:
    spec = project.spec("1.0.0", extra=PROTECTED)
    async with connected(spec) as client:
        first = body(await client.call_tool("deploy", {"env": "production"}))["error"]["details"]["approval_id"]
        withdrawn = await client.call_tool("withdraw", {"approval_id": first, "reason": "wrong version"})
        again = await client.call_tool("withdraw", {"approval_id": first})
        second = body(await client.call_tool("deploy", {"env": "production"}))["error"]["details"]["approval_id"]
    assert not withdrawn.is_error, body(withdrawn)
    row = body(withdrawn)["approval"]
    assert (row["state"], row["decided_by"], row["comment"]) == ("withdrawn", "mcp:test-agent", "wrong version")
    assert body(again)["error"]["exit_code"] == 6 and "already withdrawn" in body(again)["error"]["message"]
    assert second != first and [e for e in _events(spec) if e["event_type"] == "approval.withdrawn"]
