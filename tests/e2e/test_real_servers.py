"""Zero downtime under keep-alive load against servers we did not write.

uvicorn closes idle keep-alive connections on SIGTERM, gunicorn's threaded workers keep them
open, http.server closes after each response: the router must lose no request with any of them.
"""

from __future__ import annotations

import pytest

from tests.e2e.cli_project import Project
from tests.e2e.load import Load
from tests.e2e.real_servers import SERVERS, write_server_spec
from tests.waiting import wait_until

DEPLOYS = 10


def _serving(project: Project, path: str) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{project.port}{path}", timeout=2) as resp:
            return bool(resp.status == 200)
    except OSError:
        return False


@pytest.mark.slow
@pytest.mark.parametrize("server", sorted(SERVERS))
def test_ten_blue_green_deploys_under_keepalive_load_lose_no_request(project: Project, server: str) -> None:
    spec = SERVERS[server]
    write_server_spec(project, spec)
    project.json("deploy", "--version", "v0")
    wait_until(lambda: _serving(project, spec.health_path), 10, "first release serving")
    with Load(project.port, keepalive=2, fresh=2, path=spec.health_path) as load:
        for n in range(1, DEPLOYS + 1):
            out = project.json("deploy", "--version", f"v{n}")
            assert out["state"] == "succeeded", out
        record = load.stop()
    failures = record.failures()
    assert record.total > 200, f"the load barely ran: {record.total} requests"
    assert not failures, f"{len(failures)} of {record.total} requests failed: {failures[:5]}"
    status = project.json("status")
    assert status["environments"][0]["current"]["version"] == f"v{DEPLOYS}"


@pytest.mark.slow
def test_recreate_behind_the_http_router_costs_latency_not_errors(project: Project) -> None:
    spec = SERVERS["uvicorn"]
    write_server_spec(project, spec, strategy="recreate")
    project.json("deploy", "--version", "v0")
    with Load(project.port, keepalive=2, fresh=1, path=spec.health_path) as load:
        for n in range(1, 4):
            out = project.json("deploy", "--version", f"v{n}")
            assert out["state"] == "succeeded", out
            assert any(s["name"] == "hold_route" for s in out["steps"])
        record = load.stop()
    failures = record.failures()
    assert record.total > 50
    assert not failures, f"{len(failures)} of {record.total} requests failed: {failures[:5]}"
