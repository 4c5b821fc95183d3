"""The uptime and report routes against a real `shipmate serve` that probes a real deployed service every 5 s:
the same figures as `shipmate uptime --json` / `shipmate report`, md and html as the CLI writes them, and every
bad parameter answered with the one error shape (never a 500)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.cli_project import Project
from tests.e2e.serve_support import Serve
from tests.waiting import wait_until
from tests.web.client import Api
from tests.web.conftest import make_token

UPTIME = """supervise: {interval: 1h}
uptime: {interval: 5s}
slo: {target: 99.5, window: 30d}
"""


@pytest.fixture
def measured(project: Project) -> Iterator[tuple[Project, Api]]:
    """1.0.0 deployed, serve checking it from outside every 5 s, a read token; waits for two real samples."""
    project.spec("1.0.0", extra=UPTIME)
    project.json("deploy")
    serve = Serve(project).start()
    api = Api(serve.port, token=make_token(project, "reader", "read"))
    wait_until(lambda: _window(project.json("uptime"), "24h")["checks"] >= 2, 60, "two outside checks")
    yield project, api
    if serve.proc is not None and serve.proc.poll() is None:
        serve.kill()


def _window(result: dict[str, Any], name: str) -> dict[str, Any]:
    return next(w for w in result["environments"][0]["windows"] if w["window"] == name)


def _bare(cli: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in cli.items() if k not in ("ok", "command")}


def test_uptime_answers_what_the_cli_says_with_the_slo_budget(measured: tuple[Project, Api]) -> None:
    project, api = measured
    reply = api.get("/api/v1/services/hello/uptime")
    assert reply.status == 200 and reply.headers["content-type"].startswith("application/json")
    body = reply.json()
    assert _window(body, "24h")["uptime_percent"] == 100.0 and _window(body, "24h")["checks"] >= 2
    slo = body["environments"][0]["slo"]
    assert slo["target_percent"] == 99.5 and slo["left_minutes"] > 0
    # serve keeps probing: the two faces agree once they read between the same two checks
    wait_until(lambda: api.get("/api/v1/services/hello/uptime").json() == _bare(project.json("uptime")), 30,
               "the API and the CLI to read the same samples")


def test_report_in_json_md_and_html_is_what_the_cli_writes(measured: tuple[Project, Api]) -> None:
    project, api = measured
    reply = api.get("/api/v1/services/hello/report?period=week")
    assert reply.status == 200
    body = reply.json()
    cli = _bare(project.json("report", "--period", "week", "--format", "json"))
    # generated_at is the second each was made; the uptime lines move with serve's checks
    for key in ("period", "environment", "services", "definitions", "bands", "minimum_count"):
        assert body[key] == cli[key], key
    assert body["current"]["dora"] == cli["current"]["dora"]
    assert body["current"]["success_rate"] == {"percent": 100.0, "count": 1, "of": 1}
    [line] = body["current"]["uptime"]
    assert line["service"] == "hello" and line["checks"] >= 2 and line["slo_target_percent"] == 99.5
    today = time.strftime("%Y-%m-%d", time.gmtime())   # a fixed period: both reads cover the same day
    md = api.get(f"/api/v1/services/hello/report?period=day&since={today}&format=md")
    assert md.status == 200 and md.headers["content-type"].startswith("text/markdown")
    cli_md = project.run("report", "--period", "day", "--since", today, "--format", "md").stdout
    assert _stable(md.body.decode()) == _stable(cli_md)
    html = api.get("/api/v1/services/hello/report?period=month&format=html")
    assert html.status == 200 and html.headers["content-type"].startswith("text/html")
    assert html.body.decode().lstrip().lower().startswith("<!doctype html") and "<svg" in html.body.decode()


def _stable(text: str) -> list[str]:
    """The report's lines without those that move between two reads (the time it was made, uptime figures)."""
    return [line for line in text.splitlines() if "enerated" not in line and "uptime" not in line.lower()
            and "hello" not in line]


BAD_REPORT = (("period=year", 422, "period"), ("format=pdf", 422, "format"), ("since=yesterday", 422, "since"),
              ("since=2026-13-45", 400, "since"), ("environment=nowhere", 400, "nowhere"))


def test_bad_parameters_unknown_services_and_no_token_get_the_one_error_shape(measured: tuple[Project, Api]
                                                                              ) -> None:
    _, api = measured
    for query, status, named in BAD_REPORT:
        reply = api.get(f"/api/v1/services/hello/report?{query}")
        assert reply.status == status, (query, reply.body)
        body = reply.json()
        assert set(body) == {"code", "message", "hint", "exit_code", "details"} and body["exit_code"] == 2, query
        assert named in body["message"] and body["hint"], (query, body)
    assert api.get("/api/v1/services/nobody/uptime").status == 404
    assert api.get("/api/v1/services/nobody/report").status == 404
    bad_env = api.get("/api/v1/services/hello/uptime?environment=nowhere")
    assert bad_env.status == 400 and "nowhere" in bad_env.json()["message"]
    assert api.get("/api/v1/services/hello/uptime?environment=../etc").status == 422
    assert api.get("/api/v1/services/hello/uptime", token="").status == 401
    assert api.get("/api/v1/services/hello/report", token="smt_wrong").status == 401


def test_the_overview_shows_a_dash_not_a_made_up_100_percent_without_samples(project: Project) -> None:
    """Deployed but never probed (no serve ran): the uptime cell is "-" with no SLO figure invented."""
    from shipmate import ops
    from shipmate.web.dashboard.measure_pages import uptime_cells
    from shipmate.web.dashboard.rendering import environment

    project.spec("1.0.0", extra="slo: {target: 99.9, window: 30d}\n")
    project.json("deploy")
    services = ops.registered_services()
    cells = uptime_cells(services)
    [ref] = [r for r in services.services if r.service == "hello"]
    cell = cells[ref.home_id]["default"]
    assert cell.percent is None and cell.checks == 0
    html = environment().get_template("uptime_section.html").render(
        rows=[{"service": "hello", "home_id": ref.home_id}], environments=["default"], uptime=cells)
    assert 'title="uptime is off or has no samples yet">-</span>' in html and "100" not in html
