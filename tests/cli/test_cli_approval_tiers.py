"""Confidence tiers through the real CLI (approval.tiers): the spec's weights steer the score of a first deploy,
so each tier is reached by a real deployment: auto proceeds, notice proceeds after its period unless a person
rejects it, approve waits for a person, below is refused (exit 6) and escalated; --dry-run says which and why."""

from __future__ import annotations

import json
import time

from tests.e2e.cli_project import Project


def _tiered(base: float, notice_period: str = "1h") -> str:
    # first_deploy: 0 so that the base alone is the score of this first deploy (no other factor applies).
    return (f"confidence:\n  weights: {{base: {base}, first_deploy: 0}}\n"
            f"environments:\n  production:\n    approval: {{tiers: {{notice_period: {notice_period}}}}}\n")


def _events(project: Project, kind: str) -> list[dict[str, object]]:
    return [e for e in project.json("events", "--limit", "1000")["events"] if e["event_type"] == kind]


def test_at_or_above_0_9_a_change_proceeds_on_its_own(project: Project) -> None:
    project.spec("1.0.0", extra=_tiered(0.92))
    assert "approval: no approval needed: confidence 0.92 >= 0.9" in project.run("deploy", "--dry-run").stdout
    result = project.json("deploy")
    assert result["state"] == "succeeded" and result["approval"]["approved_by"] == "shipmate:tiers.auto"
    [auto] = _events(project, "approval.auto")
    assert auto["data"]["rule"] == "tiers.auto" and auto["data"]["score"] == 0.92   # type: ignore[index]
    assert project.serves("1.0.0")


def test_the_notice_tier_proceeds_after_its_period_when_nobody_rejects(project: Project) -> None:
    project.spec("1.0.0", extra=_tiered(0.8, notice_period="12s"))
    assert "proceeds after a notice period" in project.run("deploy", "--dry-run").stdout
    asked = project.json("deploy", "--no-wait", expect=6)["error"]
    proceeds_at = asked["details"]["proceeds_at"]
    assert "unless a person rejects it" in asked["message"] and proceeds_at > time.time() - 5
    [requested] = _events(project, "approval.requested")
    assert requested["data"]["proceeds_at"] == proceeds_at   # type: ignore[index]
    started = time.time()
    waited = project.run("deploy", "--json")   # waits for the rest of the period, then proceeds
    result = json.loads(waited.stdout)
    assert waited.returncode == 0 and result["state"] == "succeeded", waited.stderr
    assert time.time() >= proceeds_at and time.time() - started < 120
    assert result["approval"] == {"approval_id": asked["details"]["approval_id"],
                                  "approved_by": "shipmate:notice_period", "face": "auto"}
    # it had to wait; on a loaded machine the CLI's own start-up (seconds at load 14) may outlast the period
    if started < proceeds_at - 6:
        assert f"{asked['details']['approval_id']} proceeds at" in waited.stderr
    assert project.serves("1.0.0")


def test_a_person_stops_a_notice_tier_change_by_rejecting_it(project: Project) -> None:
    project.spec("1.0.0", extra=_tiered(0.75))
    approval_id = project.json("deploy", "--no-wait", expect=6)["error"]["details"]["approval_id"]
    project.json("reject", approval_id, "--reason", "not today")
    again = project.json("deploy", "--no-wait", expect=6)["error"]
    assert "not today" in again["message"]
    assert project.json("history")["deployments"] == [] and not project.our_processes()


def test_between_0_5_and_0_7_a_person_must_approve(project: Project) -> None:
    project.spec("1.0.0", extra=_tiered(0.6))
    assert "an approval will be needed" in project.run("deploy", "--dry-run").stdout
    error = project.json("deploy", "--no-wait", expect=6)["error"]
    assert error["code"] == "approval_required" and error["details"]["proceeds_at"] is None
    assert "needs a person's approval" in error["message"]


def test_below_0_5_a_change_is_refused_and_escalated_with_nothing_asked(project: Project) -> None:
    project.spec("1.0.0", extra=_tiered(0.3))
    assert "would be refused" in project.run("deploy", "--dry-run").stdout
    error = project.json("deploy", expect=6)["error"]
    assert error["code"] == "approval_refused" and "below 0.5" in error["message"] and error["hint"]
    assert error["details"]["escalated"] is True
    [escalated] = _events(project, "approval.escalated")
    assert escalated["data"]["score"] == 0.3   # type: ignore[index]
    assert project.json("approvals", "--all")["approvals"] == []   # nothing to approve: it is refused
    assert project.json("history")["deployments"] == [] and not project.our_processes()


def test_a_protected_environment_dry_run_says_an_approval_will_be_needed_and_why(project: Project) -> None:
    project.spec("1.0.0", extra="environments:\n  production: {protected: true}\n")
    out = project.run("deploy", "--dry-run").stdout
    assert "approval: an approval will be needed: production needs a person's approval (protected)" in out
    report = project.json("deploy", "--dry-run")["approval"]
    assert (report["required"], report["outcome"]) == (True, "approval")


def test_a_waiting_notice_tier_deploy_killed_leaves_the_request_pending_and_the_next_call_proceeds(
        project: Project) -> None:
    import signal

    from tests.waiting import wait_until

    project.spec("1.0.0", extra=_tiered(0.8, notice_period="20s"))   # long enough to kill it while it waits
    waiting = project.spawn("deploy", "--json")
    wait_until(lambda: any(r["state"] == "pending" for r in project.json("approvals")["approvals"])
               or waiting.poll() is not None, 60, "a pending notice-tier request")
    waiting.send_signal(signal.SIGKILL)
    waiting.communicate(timeout=30)
    [row] = project.json("approvals")["approvals"]
    assert row["state"] == "pending" and not project.our_processes()   # nothing started, nothing decided
    assert project.json("history")["deployments"] == []
    proceeds_at = row["confidence"]["proceeds_at"]
    wait_until(lambda: time.time() >= proceeds_at, 60, "the notice period to pass")
    result = project.json("deploy")
    assert result["state"] == "succeeded" and result["approval"]["approval_id"] == row["id"]
    assert project.serves("1.0.0")
