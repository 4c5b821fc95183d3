"""Deploys kept in PostgreSQL: status and history read it, and a server restart in the middle of a deployment
loses nothing: the deployment finishes (or is reconciled), status tells the truth and the chain verifies."""

from __future__ import annotations

import pytest

from shipmate.store import Store
from tests.e2e.cli_project import Project
from tests.postgres_server import PgServer
from tests.waiting import wait_until

pytestmark = pytest.mark.slow


def _in_progress(project: Project, monkeypatch: pytest.MonkeyPatch, url: str) -> bool:
    monkeypatch.setenv("SHIPMATE_STORE", url)
    store = Store.open_readonly(project.home())
    if store is None:
        return False
    with store:
        return any(d.state.value == "monitoring" for d in store.active_deployments())


def test_a_postgresql_restart_mid_deploy_loses_nothing_and_status_tells_the_truth(
        project: Project, postgres_server: PgServer, monkeypatch: pytest.MonkeyPatch) -> None:
    project.env["SHIPMATE_STORE"] = postgres_server.url
    project.spec("1.0.0")
    assert project.run("deploy").returncode == 0
    assert not (project.home() / "state.db").exists()       # the state is in PostgreSQL, not in a file
    project.spec("2.0.0", monitor="6s")
    deploy = project.spawn("deploy")
    wait_until(lambda: _in_progress(project, monkeypatch, postgres_server.url), 120, "the monitor window")
    postgres_server.restart()
    out, err = project.finish(deploy, 240)
    status = project.json("status")
    env = status["environments"][0]
    assert env["deployment_in_progress"] is None, status      # finished, or reconciled by status
    version = env["current"]["version"]
    if deploy.returncode == 0:
        assert version == "2.0.0", (out, err)
    assert env["serving"] and project.serves(version)        # what status says serves is what answers
    history = project.json("history")
    assert [d["version"] for d in history["deployments"]][-1] == "1.0.0"
    chain = project.json("events", "--verify")["chain"]
    assert chain["ok"] and chain["mirror_ok"], chain
    assert project.run("down").returncode == 0
