"""A deployment the API started runs inside serve: SIGKILL serve in the middle, and status, history and the
next serve's stream still tell the truth (the deployment is reconciled, the previous release serves)."""

from __future__ import annotations

from tests.e2e.cli_project import Project
from tests.e2e.serve_support import Serve
from tests.waiting import wait_until
from tests.web.client import Api
from tests.web.conftest import make_token
from tests.web.test_web_api import _accepted, _sse


def test_serve_killed_mid_deploy_leaves_a_true_status_and_a_stream_that_ends(served: tuple[Project, Serve],
                                                                             api: Api) -> None:
    project, serve = served
    api.token = make_token(project, "frank", "deploy")
    project.spec("2.0.0", monitor="60s")
    started = _accepted(api.post("/api/v1/services/hello/deploy", {}))
    wait_until(lambda: project.serves("2.0.0"), 60, "2.0.0 to take traffic (its monitor window runs)")
    serve.kill()   # SIGKILL: the worker thread running the deployment dies with it

    env = project.json("status")["environments"][0]    # the next command reconciles the orphan
    assert env["current"]["version"] == "1.0.0" and not env.get("in_progress")
    wait_until(lambda: project.serves("1.0.0"), 30, "1.0.0 to serve again")
    [row] = [d for d in project.json("history")["deployments"] if d["deployment_id"] == started["deployment_id"]]
    assert row["state"] in ("rolled_back", "failed") and row["actor"] == "token:frank"

    again = Serve(project).start()
    try:
        end = _sse(again.port, started["stream"], api.token)[-1]
        assert end["event"] == "end" and end["data"]["state"] == row["state"]
        listed = Api(again.port, token=api.token).get("/api/v1/deployments?actor=token:frank").json()
        assert [d["state"] for d in listed["deployments"]] == [row["state"]]
    finally:
        again.kill()
