"""A rollback tells the truth: it refuses a release that failed, is watched like a deploy, and admits a
restored release that fails its window (exit 5). Real CLI, real sample app, a real router."""

from __future__ import annotations

import json

import pytest

from tests.e2e.cli_project import Project
from tests.waiting import wait_until


def _failed_two(project: Project) -> None:
    """1.0.0 serves; 2.0.0 failed its monitor window (its instances were steered to answer 500) and was
    rolled back by the engine."""
    project.spec("1.0.0", monitor="3s")
    project.json("deploy")
    project.spec("2.0.0", monitor="3s")
    code, out = project.deploy_then_break("2.0.0", {"error_rate": 1.0})
    assert code == 1 and out["error"]["code"] == "deployment_failed", out
    assert project.get("/")["version"] == "1.0.0"


@pytest.mark.slow
def test_rollback_to_a_release_that_failed_is_refused_unless_forced_and_forcing_is_audited(
        project: Project) -> None:
    _failed_two(project)
    refused = project.run("rollback", "--to", "2.0.0")
    assert refused.returncode == 2, refused.stderr
    assert "refusing to roll back to 2.0.0" in refused.stderr and "--force" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert project.get("/")["version"] == "1.0.0"           # the serving release untouched
    dry = project.json("rollback", "--to", "2.0.0", "--dry-run", expect=2)
    assert dry["error"]["code"] == "invalid_input"

    forced = project.json("rollback", "--to", "2.0.0", "--force")
    assert forced["state"] == "succeeded" and forced["version"] == "2.0.0"
    assert any("forced rollback to 2.0.0" in w for w in forced["warnings"]), forced
    events = project.json("events", "--limit", "200")["events"]
    assert any(e["event_type"] == "rollback.forced" and e["version"] == "2.0.0" for e in events), events


@pytest.mark.slow
def test_a_rollback_is_watched_and_a_restored_release_failing_its_window_exits_5_and_is_audited(
        project: Project) -> None:
    project.spec("1.0.0", monitor="4s")
    project.json("deploy")
    project.spec("2.0.0", monitor="4s")
    project.json("deploy")
    proc = project.spawn("rollback", "--to", "1.0.0", "--json")
    wait_until(lambda: project.serves("1.0.0") or proc.poll() is not None, 120, "the restored 1.0.0 to serve")
    assert proc.poll() is None, proc.communicate()
    project.steer("1.0.0", {"error_rate": 1.0})     # the restored release breaks inside its window
    out, err = project.finish(proc, 120)
    assert proc.returncode == 5, (out, err)
    result = json.loads(out)
    assert "failed its monitor window" in result["error"]["message"], result
    assert "2.0.0 is serving again" in result["error"]["message"]
    assert project.get("/")["version"] == "2.0.0"
    events = project.json("events", "--limit", "200")["events"]
    assert any(e["event_type"] == "rollback.window_failed" for e in events), events


@pytest.mark.slow
def test_rollback_no_monitor_skips_the_window_and_a_passing_rollback_is_verified(project: Project) -> None:
    project.spec("1.0.0", monitor="2s")
    project.json("deploy")
    project.spec("2.0.0", monitor="2s")
    project.json("deploy")
    watched = project.json("rollback", "--to", "1.0.0")
    assert watched["verified"] is True and any(s["name"] == "monitor" for s in watched["steps"]), watched
    unwatched = project.json("rollback", "--to", "2.0.0", "--no-monitor")
    assert unwatched["state"] == "succeeded" and not any(s["name"] == "monitor" for s in unwatched["steps"])
    plan = project.json("rollback", "--to", "1.0.0", "--dry-run", "--no-monitor")["plan"]
    assert "monitor" not in [step["name"] for step in plan["steps"]]


@pytest.mark.slow
def test_rollback_to_an_unknown_release_exits_2_and_changes_nothing(project: Project) -> None:
    project.spec("1.0.0")
    project.json("deploy")
    out = project.json("rollback", "--to", "9.9.9", expect=2)
    assert out["error"]["code"] == "not_found" and "history" in out["error"]["hint"]
    assert project.get("/")["version"] == "1.0.0"
