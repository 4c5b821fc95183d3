"""Kill `shipmate deploy` with SIGKILL at every named point (and at random moments);
the next command must leave exactly one current release that answers, no orphan, a valid chain."""

from __future__ import annotations

import os
import random
import signal
import time

import psutil
import pytest

from shipmate.engine.crashpoints import names_for
from tests.e2e.cli_project import Project
from tests.waiting import wait_until

# v1 running, v2 blue-green with a monitor window: preflight, start, wait, switch, monitor, promote,
# drain_old, stop_old = 8 steps; before them, 2.0.0's snapshot is written (its files changed: a new one).
CRASH_POINTS = names_for(8, snapshot=True)


def _assert_consistent(project: Project, *, expect_versions: set[str]) -> None:
    status = project.json("status")
    env = status["environments"][0]
    assert env["deployment_in_progress"] is None
    assert env["current"] is not None and env["current"]["version"] in expect_versions
    assert env["serving"] is True
    assert project.get("/")["version"] == env["current"]["version"]
    wait_until(lambda: len(project.instance_apps()) == 1, 15, "exactly one instance (no orphans)")
    chain = project.json("events", "--verify", "--limit", "10000")["chain"]
    assert chain["ok"] and chain["mirror_ok"], chain


@pytest.mark.slow
@pytest.mark.parametrize("point", CRASH_POINTS)
def test_sigkill_at_each_crash_point_is_reconciled_by_the_next_command(project: Project, point: str) -> None:
    project.spec("1.0.0")
    project.json("deploy")
    project.spec("2.0.0")
    (project.root / "release.txt").write_text("2.0.0\n")   # new files: 2.0.0 gets a snapshot of its own
    proc = project.run("deploy", "--json", env={"SHIPMATE_CRASHPOINT": point})
    assert proc.returncode == -9, f"{point}: {proc.returncode} {proc.stdout} {proc.stderr}"
    _assert_consistent(project, expect_versions={"1.0.0", "2.0.0"})
    after = project.json("history")["deployments"][0]
    assert after["state"] in {"succeeded", "rolled_back"}
    if point.startswith(("step:6", "step:7", "step:8")):
        assert after["state"] == "succeeded"   # the window had passed: finishing is safe
    # the service is deployable again right away
    project.spec("3.0.0")
    project.json("deploy")
    assert project.get("/")["version"] == "3.0.0"


@pytest.mark.slow
def test_sigkill_inside_the_rollback_path_is_finished_by_recover(project: Project) -> None:
    project.spec("1.0.0")
    project.json("deploy")
    project.spec("2.0.0", app_env={"HELLO_FAIL_HEALTH": "1"}, deadline="1s")
    proc = project.run("deploy", env={"SHIPMATE_CRASHPOINT": "rollback:1"})
    assert proc.returncode == -9
    recovered = project.json("recover")["recovered"]
    assert any(r.get("outcome") == "rolled_back" for r in recovered)
    _assert_consistent(project, expect_versions={"1.0.0"})


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(4))
def test_sigkill_at_a_random_moment_is_reconciled(project: Project, seed: int) -> None:
    project.spec("1.0.0")
    project.json("deploy")
    project.spec("2.0.0")
    deploy = project.spawn("deploy", "--json")
    time.sleep(random.Random(seed).uniform(0.0, 2.5))  # the moment of the crash is the test's input
    deploy.kill()
    deploy.communicate(timeout=10)
    _assert_consistent(project, expect_versions={"1.0.0", "2.0.0"})


@pytest.mark.slow
def test_a_killed_router_is_restarted_with_its_routes_by_the_next_command(project: Project) -> None:
    project.spec("1.0.0")
    project.json("deploy")
    pid = int((project.home() / "router" / "router.pid").read_text().split()[0])
    os.kill(pid, signal.SIGKILL)
    wait_until(lambda: not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE,
               10, "the router to die")
    env = project.json("status")["environments"][0]
    assert env["serving"] is True and env["current"]["version"] == "1.0.0"
    assert project.get("/")["version"] == "1.0.0"


@pytest.mark.slow
def test_crash_while_retiring_after_a_forced_redeploy_of_the_same_release_keeps_the_new_instance(
        project: Project) -> None:
    project.spec("1.0.0")
    project.json("deploy")
    [before] = [i["instance_id"] for i in project.current_instances()]
    proc = project.run("deploy", "--force", "--json", env={"SHIPMATE_CRASHPOINT": "step:7"})  # drain_old
    assert proc.returncode == -9
    _assert_consistent(project, expect_versions={"1.0.0"})
    [after] = project.current_instances()
    assert after["alive"] is True and after["instance_id"] != before


@pytest.mark.slow
def test_recover_exits_0_with_nothing_to_do_and_reports_what_it_did(project: Project) -> None:
    project.spec("1.0.0")
    project.json("deploy")
    assert project.json("recover")["recovered"] == []
    project.spec("2.0.0")
    assert project.run("deploy", env={"SHIPMATE_CRASHPOINT": "step:3"}).returncode == -9
    recovered = project.json("recover")["recovered"]
    assert [r["outcome"] for r in recovered if "outcome" in r] == ["rolled_back"]
