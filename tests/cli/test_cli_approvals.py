"""Approvals through the real CLI: a protected deploy waits for `shipmate approve` from another process, or exits 6
with the id under --no-wait; a person alone approves their own request unless self_approval: false; an agent's
shell never decides; unknown, decided and expired ids are refused with nothing changed; the requester withdraws."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.e2e.cli_project import Project
from tests.waiting import wait_until

PROTECTED = "environments:\n  production: {protected: true}\n"


def _pending(project: Project) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = project.json("approvals")["approvals"]
    return [row for row in rows if row["state"] == "pending"]


def test_a_protected_deploy_waits_and_proceeds_when_a_person_approves_from_another_process(project: Project) -> None:
    project.spec("1.0.0", extra=PROTECTED)
    deploy = project.spawn("deploy", "--json", env={"SHIPMATE_ACTOR": "agent:ci"})
    wait_until(lambda: bool(_pending(project)) or deploy.poll() is not None, 60, "a pending approval")
    assert deploy.poll() is None, deploy.communicate()
    [row] = _pending(project)
    assert (row["action"], row["environment"], row["version"], row["requested_by"]) == (
        "deploy", "production", "1.0.0", "agent:ci")
    assert row["diff"]["first_deploy"] is True and row["code"]   # the person on the host sees the code
    assert not project.our_processes()   # nothing started while it waits
    approved = project.json("approve", row["id"], "--comment", "looks fine", env={"SHIPMATE_ACTOR": "ops:x"})
    assert approved["approval"]["decided_by"].startswith("user:")   # the OS user, never SHIPMATE_ACTOR
    assert approved["via"] == "cli"
    out, err = project.finish(deploy, 120)
    assert deploy.returncode == 0, f"{out}\n{err}"
    assert f"waiting for approval {row['id']} (shipmate approve {row['id']})" in err
    result = json.loads(out)
    assert result["approval"]["approval_id"] == row["id"] and project.serves("1.0.0")
    [used] = [r for r in project.json("approvals", "--all")["approvals"] if r["id"] == row["id"]]
    assert used["state"] == "used" and used["used_by_deployment"] == result["deployment_id"] and "code" not in used
    kinds = [e["event_type"] for e in project.json("events", "--limit", "1000")["events"]]
    assert {"approval.requested", "approval.decided", "approval.used"} <= set(kinds)


def test_no_wait_exits_6_with_the_approval_id_and_a_retry_reuses_it(project: Project) -> None:
    project.spec("1.0.0", extra=PROTECTED)
    first = project.json("deploy", "--no-wait", expect=6)
    second = project.json("deploy", "--no-wait", expect=6)
    error = first["error"]
    assert error["code"] == "approval_required" and error["details"]["approval_id"].startswith("apr_")
    assert second["error"]["details"]["approval_id"] == error["details"]["approval_id"]
    assert "code" not in json.dumps(error["details"]).replace("config_keys_changed", "")
    assert not project.our_processes() and project.json("history")["deployments"] == []


def test_a_person_alone_approves_their_own_deploy(project: Project) -> None:
    project.spec("1.0.0", extra=PROTECTED)
    mine = {"SHIPMATE_ACTOR": ""}   # the requester is then the OS user, the same one who approves
    error = project.json("deploy", "--no-wait", expect=6, env=mine)["error"]
    approval_id = error["details"]["approval_id"]
    assert f"shipmate approve {approval_id}" in error["hint"]
    [row] = _pending(project)
    assert row["id"] == approval_id and row["code"]   # they may approve it, so they are shown its code
    approved = project.json("approve", approval_id, env=mine)["approval"]
    assert approved["state"] == "approved" and approved["decided_by"] == approved["requested_by"]
    assert project.json("deploy", env=mine)["state"] == "succeeded" and project.serves("1.0.0")


def test_a_team_that_prevents_self_review_refuses_the_requesters_own_approval(project: Project) -> None:
    project.spec("1.0.0", extra="environments:\n  production:\n    protected: true\n"
                                 "    approval: {mode: required, self_approval: false}\n")
    mine = {"SHIPMATE_ACTOR": ""}   # the requester is then the OS user, the same one who approves
    approval_id = project.json("deploy", "--no-wait", expect=6, env=mine)["error"]["details"]["approval_id"]
    refused = project.json("approve", approval_id, expect=6)
    assert refused["error"]["code"] == "approval_refused" and "cannot approve" in refused["error"]["message"]
    [row] = _pending(project)
    assert row["id"] == approval_id and "code" not in row   # nor is the requester shown the code
    events = project.json("events", "--limit", "1000")["events"]
    assert any(e["event_type"] == "approval.refused" for e in events)


AGENT_SHELLS = [{"SHIPMATE_ACTOR": "agent:bot"}, {"SHIPMATE_ACTOR": "mcp:claude"}, {"CLAUDECODE": "1"},
                {"CURSOR_AGENT": "1"}, {"GEMINI_CLI": "1"}, {"CODEX_THREAD_ID": "t-1"}]


@pytest.mark.parametrize("agent", AGENT_SHELLS, ids=[next(iter(a.items()))[0] + "=" + next(iter(a.values()))
                                                     for a in AGENT_SHELLS])
def test_an_agents_shell_never_approves_nor_rejects(project: Project, agent: dict[str, str]) -> None:
    project.spec("1.0.0", extra=PROTECTED)
    approval_id = project.json("deploy", "--no-wait", expect=6,
                               env={"SHIPMATE_ACTOR": "agent:bot"})["error"]["details"]["approval_id"]
    for args in (("approve", approval_id), ("reject", approval_id, "--reason", "no")):
        refused = project.json(*args, expect=6, env=agent)["error"]
        assert refused["code"] == "approval_refused" and "an agent never decides" in refused["message"]
        assert refused["hint"] and "Traceback" not in json.dumps(refused)
    [row] = _pending(project)
    assert row["id"] == approval_id and row["decided_by"] is None   # nothing changed
    refusals = [e for e in project.json("events", "--limit", "1000")["events"]
                if e["event_type"] == "approval.refused"]
    assert len(refusals) == 2 and {e["data"]["decision"] for e in refusals} == {"approve", "reject"}
    assert project.json("history")["deployments"] == [] and not project.our_processes()


def test_the_requester_withdraws_a_request_and_a_waiting_deploy_stops_with_exit_6(project: Project) -> None:
    project.spec("1.0.0", extra=PROTECTED)
    deploy = project.spawn("deploy", "--json", env={"SHIPMATE_ACTOR": "agent:ci"})
    wait_until(lambda: bool(_pending(project)) or deploy.poll() is not None, 60, "a pending approval")
    [row] = _pending(project)
    someone_else = project.json("approvals", "withdraw", row["id"], expect=6)["error"]
    assert someone_else["code"] == "approval_refused" and "only the requester" in someone_else["message"]
    withdrawn = project.json("approvals", "withdraw", row["id"], "--reason", "wrong branch",
                             env={"SHIPMATE_ACTOR": "agent:ci"})["approval"]
    assert (withdrawn["state"], withdrawn["decided_by"], withdrawn["comment"]) == ("withdrawn", "agent:ci",
                                                                                  "wrong branch")
    out, _ = project.finish(deploy, 60)
    error = json.loads(out)["error"]
    assert deploy.returncode == 6 and "withdrawn by agent:ci" in error["message"]
    again = project.json("approvals", "withdraw", row["id"], expect=6, env={"SHIPMATE_ACTOR": "agent:ci"})
    assert "already withdrawn" in again["error"]["message"]
    assert project.json("approve", row["id"], expect=6)["error"]["code"] == "approval_required"
    kinds = [e["event_type"] for e in project.json("events", "--limit", "1000")["events"]]
    assert "approval.withdrawn" in kinds and "approval.refused" in kinds
    assert project.json("history")["deployments"] == [] and not project.our_processes()


def test_unknown_decided_and_expired_ids_are_clear_errors_that_change_nothing(project: Project) -> None:
    project.spec("1.0.0", extra="environments:\n  production: {approval: required}\n"
                                 "  staging:\n    approval: {mode: required, expires: 2s}\n")
    unknown = project.json("approve", "apr_000000000000", expect=2)
    assert unknown["error"]["code"] == "not_found" and unknown["error"]["hint"]
    approval_id = project.json("deploy", "--no-wait", expect=6)["error"]["details"]["approval_id"]
    rejected = project.json("reject", approval_id, "--reason", "not on a Friday")
    assert rejected["approval"]["state"] == "rejected"
    again = project.json("approve", approval_id, expect=6)
    assert "already rejected" in again["error"]["message"]
    retry = project.json("deploy", "--no-wait", expect=6)["error"]
    assert "not on a Friday" in retry["message"]   # the rejection stands for this exact release
    other = project.json("deploy", "--no-wait", "--env", "staging", expect=6)["error"]["details"]["approval_id"]
    wait_until(lambda: other not in {row["id"] for row in _pending(project)}, 30, "the 2s approval to expire")
    expired = project.json("approve", other, expect=6)
    assert "expired" in expired["error"]["message"]
    assert project.json("history")["deployments"] == [] and not project.our_processes()


def test_reject_needs_a_reason(project: Project) -> None:
    project.spec("1.0.0", extra=PROTECTED)
    proc = project.run("reject", "apr_000000000000")
    assert proc.returncode == 2 and "--reason" in proc.stderr


def test_cli_false_lets_the_host_cli_deploy_a_protected_environment_without_approval(project: Project) -> None:
    project.spec("1.0.0", extra="environments:\n  production:\n    protected: true\n"
                                 "    approval: {mode: required, cli: false}\n")
    assert project.json("deploy")["state"] == "succeeded" and project.serves("1.0.0")


def test_a_waiting_deploy_stops_with_exit_6_and_the_reason_when_a_person_rejects(project: Project) -> None:
    project.spec("1.0.0", extra=PROTECTED)
    deploy = project.spawn("deploy", "--json", env={"SHIPMATE_ACTOR": "agent:ci"})
    wait_until(lambda: bool(_pending(project)) or deploy.poll() is not None, 60, "a pending approval")
    [row] = _pending(project)
    project.json("reject", row["id"], "--reason", "freeze until Monday")
    out, _ = project.finish(deploy, 60)
    error = json.loads(out)["error"]
    assert deploy.returncode == 6 and error["code"] == "approval_required"
    assert "freeze until Monday" in error["message"] and error["details"]["approval_id"] == row["id"]
    assert not project.our_processes() and project.json("history")["deployments"] == []
