"""The Swarm target as a user runs it (single node, the shared test engine in swarm mode): a rolling update
under steady load through the router loses no request; a release that fails its health check is rolled back by
Swarm, reported as failed (exit 1) and the previous release keeps serving; one that Swarm calls completed but users
see failing is judged by the monitor and rolled back by shipmate; `down` removes the service."""

from __future__ import annotations

from typing import Any

from tests.e2e.cli_project import Project
from tests.e2e.docker_project import home_id
from tests.e2e.load import Load
from tests.e2e.swarm_project import swarm_project, swarm_spec

__all__ = ["swarm_project"]
SERVICE = "hello-swarm"


def _task_versions(client: Any, project: Project) -> list[str]:
    tasks = client.api.tasks(filters={"label": [f"shipmate.home={home_id(project)}"], "desired-state": "running"})
    return sorted(t["Spec"]["ContainerSpec"]["Labels"]["shipmate.version"] for t in tasks
                  if t["Status"]["State"] == "running")


def test_swarm_rolling_update_under_load_loses_no_request_and_a_failing_release_rolls_back(
        project: Project, swarm_project: Any) -> None:
    client = swarm_project
    swarm_spec(project, SERVICE, "1")
    first = project.json("deploy", timeout=240)
    assert first["state"] == "succeeded", first
    assert project.serves("1")
    swarm_spec(project, SERVICE, "2")
    with Load(project.port) as load:
        second = project.json("deploy", timeout=240)
    record = load.stop()
    assert second["state"] == "succeeded" and second["previous_version"] == "1", second
    assert [s["name"] for s in second["steps"] if s["status"] == "ok"][:2] == ["preflight", "roll_out"]
    assert record.total > 50, "the load really ran"
    assert record.failures() == [], record.failures()[:5]
    assert _task_versions(client, project) == ["2", "2"]
    env = project.json("status")["environments"][0]
    current = [i for i in env["instances"] if i["role"] == "current"]
    assert len(current) == 2 and all(i["version"] == "2" and i["alive"] for i in current), env["instances"]

    swarm_spec(project, SERVICE, "3", env={"HELLO_FAIL_HEALTH": "1"})   # its HEALTHCHECK never passes
    failed = project.run("deploy", "--json", timeout=240)
    assert failed.returncode == 1, (failed.stdout, failed.stderr)
    assert "rollback_completed" in failed.stdout or "health check failed" in failed.stdout, failed.stdout
    assert project.serves("2")
    assert _task_versions(client, project) == ["2", "2"]
    history = project.json("history")["deployments"]
    assert history[0]["state"] == "rolled_back" and history[0]["version"] == "3", history[0]

    # Swarm calls this one completed (its HEALTHCHECK passes); users get 500s, and the monitor window sees them
    # on real traffic: shipmate rolls out release 2's spec again from its own store.
    swarm_spec(project, SERVICE, "4", env={"HELLO_PAGE_ERROR_RATE": "1"}, monitor="3s")
    with Load(project.port, pause_s=0.01):
        judged = project.run("deploy", "--json", timeout=240)
    assert judged.returncode == 1, (judged.stdout, judged.stderr)
    assert "monitor window fail" in judged.stdout, judged.stdout
    assert project.serves("2")
    assert _task_versions(client, project) == ["2", "2"]

    down = project.run("down", "--json", timeout=120)
    assert down.returncode == 0, (down.stdout, down.stderr)
    assert client.api.services(filters={"label": [f"shipmate.home={home_id(project)}"]}) == []
