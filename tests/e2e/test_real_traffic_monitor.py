"""The monitor judges what users get: a release that fails real requests while its /health
stays green is rolled back, fast, and the previous release serves again."""

from __future__ import annotations

import pytest

from tests.e2e.cli_project import Project
from tests.e2e.load import Load
from tests.e2e.real_servers import SERVERS, write_server_spec

INTERVAL_S = 0.5


@pytest.mark.slow
def test_release_failing_40_percent_of_real_requests_is_rolled_back_within_interval_plus_2s(
        project: Project) -> None:
    app = SERVERS["sample-app"]
    write_server_spec(project, app, monitor="20s", interval="500ms")
    project.json("deploy", "--version", "v1")
    write_server_spec(project, app, monitor="20s", interval="500ms", env={"HELLO_PAGE_ERROR_RATE": "0.4"})
    with Load(project.port, keepalive=2, fresh=1, path="/") as load:
        out = project.json("deploy", "--version", "v2", expect=1)
        after = project.get("/")
        record = load.stop()
    assert out["error"]["code"] == "deployment_failed"
    verdict = out["error"]["details"]["verdict"]
    assert verdict["phase"] == "fail", verdict
    assert after["version"] == "v1"
    bad = [o for o in record.outcomes if o.version == "v2"]
    first_500 = min(o.at for o in bad if o.status == 500)
    last_v2 = max(o.at for o in bad)
    took = last_v2 - first_500
    assert took <= INTERVAL_S + 2.0, f"v2 answered for {took:.2f}s after its first 500"
    # Every failure users saw came from the bad version: the switch itself lost nothing.
    assert all(o.version == "v2" for o in record.failures()), record.failures()[:5]


@pytest.mark.slow
def test_a_release_failing_10_percent_under_a_5_percent_threshold_is_caught_20_times_of_20(
        project: Project) -> None:
    app = SERVERS["sample-app"]
    write_server_spec(project, app, monitor="2s", interval="200ms")
    project.json("deploy", "--version", "v1")
    write_server_spec(project, app, monitor="2s", interval="200ms", env={"HELLO_PAGE_ERROR_RATE": "0.1"})
    caught = 0
    with Load(project.port, keepalive=2, fresh=1, path="/") as load:
        for n in range(20):
            out = project.json("deploy", "--version", f"bad{n}", expect=None)
            caught += out.get("ok") is False and out["error"]["code"] == "deployment_failed"
        load.stop()
    assert caught == 20
    assert project.get("/")["version"] == "v1"
