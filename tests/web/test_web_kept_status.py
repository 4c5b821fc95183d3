"""The polled status (web/api/kept_status.py answers it from the kept read before FastAPI's routing) against a
real `shipmate serve`: the same answer as the route and the CLI, its Age, no caller the route would refuse, and
the truth within the staleness bound after one of the processes it shows is SIGKILLed."""

from __future__ import annotations

import os
import signal
from typing import Any

from tests.e2e.cli_project import Project
from tests.e2e.serve_support import Serve
from tests.waiting import wait_until
from tests.web.client import Api, Reply
from tests.web.conftest import make_token

STATUS = "/api/v1/services/hello/status"
HARD_MAX_AGE_S = 5     # web/coalesce.py: a kept read older than this is never sent, renewal or not


def _polled(api: Api, path: str = STATUS) -> dict[str, Any]:
    reply = api.get(path)
    assert reply.status == 200, reply.body[:300]
    assert 0 <= int(reply.headers["age"]) < HARD_MAX_AGE_S
    body: dict[str, Any] = reply.json()
    return body


def test_a_polled_status_says_what_the_cli_says_with_its_age(served: tuple[Project, Serve], api: Api) -> None:
    project, _ = served
    api.token = make_token(project, "poller", "read")
    first = _polled(api)                       # no kept read yet: the route reads
    kept = _polled(api)                        # now answered from the kept read
    cli = project.json("status")
    env = cli["environments"][0]["environment"]
    by_env = _polled(api, f"{STATUS}?environment={env}")
    for body in (first, kept, by_env):
        assert body["service"] == "hello" and body["home"] == cli["home"]
        assert body["environments"][0]["current"] == cli["environments"][0]["current"]
        assert [i["instance_id"] for i in body["environments"][0]["instances"]] == \
            [i["instance_id"] for i in cli["environments"][0]["instances"]]


def test_the_kept_status_answers_no_caller_the_route_would_refuse(served: tuple[Project, Serve], api: Api) -> None:
    project, _ = served
    token = make_token(project, "carol", "read")
    api.token = token
    _polled(api)
    _polled(api)                               # a kept read is there for every case below
    keys = {"code", "message", "hint", "exit_code", "details"}
    refused: list[tuple[Reply, int]] = [
        (api.get(STATUS, token=""), 401),
        (api.get(STATUS, token="smt_wrong"), 401),
        (api.get(f"{STATUS}?environment=..%2Fetc"), 422),
        (api.get(f"{STATUS}?home=not-a-home-id"), 422),
        (api.get(STATUS, host="evil.example:80"), 421),
        (api.get(STATUS, headers={"Origin": "http://evil.example"}), 403),
    ]
    for reply, status in refused:
        assert reply.status == status, (status, reply.body[:300])
        assert set(reply.json()) == keys
    assert project.json("token", "revoke", "carol")["name"] == "carol"
    wait_until(lambda: api.get(STATUS).status == 401, 10, "the revoked token to be refused")


def test_a_sigkilled_instance_shows_in_the_polled_status_within_the_bound(served: tuple[Project, Serve],
                                                                          api: Api) -> None:
    project, _ = served
    api.token = make_token(project, "watcher", "read")
    [before] = [i for i in _polled(api)["environments"][0]["instances"] if i["alive"]]
    _polled(api)
    os.kill(before["pid"], signal.SIGKILL)

    def dead_one_gone() -> bool:
        instances = _polled(api)["environments"][0]["instances"]
        return not any(i["pid"] == before["pid"] and i["alive"] for i in instances)
    wait_until(dead_one_gone, 15, "the polled status to stop showing the killed pid alive")
    # serve restarts it; the polled status then shows the new process, as the CLI does
    wait_until(lambda: project.serves("1.0.0"), 60, "serve to restart the instance")
    wait_until(lambda: any(i["alive"] and i["pid"] != before["pid"]
                           for i in _polled(api)["environments"][0]["instances"]), 15, "the restarted instance")
