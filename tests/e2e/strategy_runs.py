"""What the canary and rolling end-to-end tests share: ten deploys under load, and a 40 %-failing release."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.e2e.cli_project import Project
from tests.e2e.load import Load, LoadRecord, get_many
from tests.e2e.real_servers import Server
from tests.waiting import wait_until

DEPLOYS = 10
LONG_TIMEOUT_S = 600   # ten or twenty deploys on a shared, loaded machine (pyproject's default is 300)
ZERO_DOWNTIME_SERVERS = ("uvicorn", "gunicorn-threads", "sample-app")


def serving(project: Project, path: str) -> bool:
    try:
        return get_many(project.port, 1, path=path, timeout=2)[0].status == 200
    except OSError:
        return False


def step_names(out: dict[str, Any]) -> list[str]:
    return [s["name"] for s in out["steps"] if s["status"] == "ok"]


def deploys_under_load(project: Project, spec: Server, record_property: Callable[[str, object], None],
                       check: Callable[[dict[str, Any]], None], *, replicas: int) -> LoadRecord:
    """v0, then DEPLOYS deploys under keep-alive load: each must succeed and pass ``check``; no request may fail."""
    project.json("deploy", "--version", "v0")
    wait_until(lambda: serving(project, spec.health_path), 20, "first release serving")
    with Load(project.port, keepalive=2, fresh=2, path=spec.health_path) as load:
        for n in range(1, DEPLOYS + 1):
            out = project.json("deploy", "--version", f"v{n}")
            assert out["state"] == "succeeded", out
            check(out)
        record = load.stop()
    failures = record.failures()
    record_property("requests", record.total)
    record_property("failed", len(failures))
    assert record.total > 200, f"the load barely ran: {record.total} requests"
    assert not failures, f"{len(failures)} of {record.total} requests failed: {failures[:5]}"
    assert project.json("status")["environments"][0]["current"]["version"] == f"v{DEPLOYS}"
    wait_until(lambda: project.census(spec.health_path) == (replicas, replicas), 15,
               f"exactly the {replicas} current replicas to run")
    return record


def failing_release_under_load(project: Project, write: Callable[..., Any]) -> dict[str, Any]:
    """v1, then a v2 failing 40 % of pages (healthy on /health) under load: it must be rolled back to v1,
    and every failure users saw must have come from v2 itself. Returns the failure's details."""
    write()
    project.json("deploy", "--version", "v1")
    write(env={"HELLO_PAGE_ERROR_RATE": "0.4"})
    with Load(project.port, keepalive=2, fresh=1, path="/") as load:
        out = project.json("deploy", "--version", "v2", expect=1)
        after = get_many(project.port, 50)
        record = load.stop()
    assert out["error"]["code"] == "deployment_failed", out
    details: dict[str, Any] = out["error"]["details"]
    assert details["state"] == "rolled_back" and details["previous_version"] == "v1", details
    assert {(r.status, r.version) for r in after} == {(200, "v1")}, after[:5]
    # Rolling back lost nothing: every failure users saw was a 500 from the bad release.
    assert record.failures() and all(o.version == "v2" for o in record.failures()), record.failures()[:5]
    return details
