"""`status` shows each instance: its role (current / new / old), whether its target sees it alive, and
current.live against current.replicas; serving needs the public port and at least one live current instance."""

from __future__ import annotations

import os
import signal
from typing import Any

import pytest

from tests.e2e.cli_project import Project
from tests.waiting import wait_until


def _env(project: Project) -> dict[str, Any]:
    env: dict[str, Any] = project.json("status")["environments"][0]
    return env


def _roles(env: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    roles: dict[str, list[dict[str, Any]]] = {}
    for instance in env["instances"]:
        roles.setdefault(instance["role"], []).append(instance)
    return roles


@pytest.mark.slow
def test_status_lists_every_replica_and_counts_the_live_ones(project: Project) -> None:
    project.spec("1.0.0", extra="replicas: 3\n")
    project.json("deploy")
    env = _env(project)
    assert (env["current"]["replicas"], env["current"]["live"], env["serving"]) == (3, 3, True)
    current = _roles(env)["current"]
    assert len(current) == 3 and all(i["alive"] and i["version"] == "1.0.0" for i in current)
    assert len({i["pid"] for i in current}) == 3 and len({i["port"] for i in current}) == 3

    os.kill(current[0]["pid"], signal.SIGKILL)   # one replica's app dies under us: status says so
    wait_until(lambda: _env(project)["current"]["live"] == 2, 15, "status to count two live replicas")
    env = _env(project)
    dead = [i for i in env["instances"] if i["instance_id"] == current[0]["instance_id"]]
    assert dead and dead[0]["alive"] is False and env["serving"] is True


@pytest.mark.slow
def test_a_deployment_in_progress_shows_its_instances_as_new_beside_the_current_ones(project: Project) -> None:
    project.spec("1.0.0", extra="replicas: 2\n")
    project.json("deploy")
    project.spec("2.0.0", monitor="60s", extra="replicas: 2\n")   # long enough to look at it mid-way
    deploy = project.spawn("deploy", "--json")
    wait_until(lambda: len(_roles(_env(project)).get("new", [])) == 2, 60, "two new instances in status")
    roles = _roles(_env(project))
    assert {i["version"] for i in roles["new"]} == {"2.0.0"}
    assert {i["version"] for i in roles["current"]} == {"1.0.0"} and len(roles["current"]) == 2
    assert _env(project)["deployment_in_progress"] is not None
    deploy.send_signal(signal.SIGINT)               # cut the window short: the deployment rolls back
    project.finish(deploy, 120)
    env = _env(project)
    assert env["current"]["version"] == "1.0.0" and env["deployment_in_progress"] is None
    wait_until(lambda: set(_roles(_env(project))) == {"current"}, 30, "only the current instances to remain")
