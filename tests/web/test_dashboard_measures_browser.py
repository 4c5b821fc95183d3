"""Uptime and the report on the dashboard, in a real browser (Debian's chromium through Playwright) against a
real `shipmate serve` probing a real deployed service every 5 s: the overview shows the 30-day uptime that
`shipmate uptime --json` gives (with the SLO target and budget), and a service's report page opens in the
dashboard's layout."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.cli_project import Project
from tests.e2e.serve_support import Serve
from tests.waiting import wait_until
from tests.web.browser import browser, screenshot
from tests.web.conftest import make_token

__all__ = ["browser"]
UPTIME = """supervise: {interval: 1h}
uptime: {interval: 5s}
slo: {target: 99.5, window: 30d}
"""


def _month(result: dict[str, Any]) -> dict[str, Any]:
    return next(w for w in result["environments"][0]["windows"] if w["window"] == "30d")


@pytest.fixture
def measured(project: Project) -> Iterator[tuple[Project, Serve, str]]:
    project.spec("1.0.0", extra=UPTIME)
    project.json("deploy")
    serve = Serve(project).start()
    token = make_token(project, "viewer", "read")
    wait_until(lambda: _month(project.json("uptime"))["checks"] >= 2, 60, "two outside checks")
    yield project, serve, token
    if serve.proc is not None and serve.proc.poll() is None:
        serve.kill()


def test_the_overview_shows_the_cli_uptime_and_slo_and_the_report_page_opens(
        browser: Any, measured: tuple[Project, Serve, str]) -> None:
    project, serve, token = measured
    url = f"http://127.0.0.1:{serve.port}"
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    context.set_default_timeout(60_000)   # a loaded machine renders slowly
    try:
        page = context.new_page()
        page.goto(f"{url}/")
        page.wait_for_url(re.compile(r"/login\?next="))
        page.fill("#token", token)
        page.click("button[type=submit]")
        page.wait_for_url(f"{url}/")
        cli = project.json("uptime")
        cell = page.locator("#uptime tr[data-uptime-service=hello] td[data-uptime-environment=default]")
        assert cell.locator(".uptime").inner_text() == f"{_month(cli)['uptime_percent']:.2f} %" == "100.00 %"
        slo = cli["environments"][0]["slo"]
        assert cell.locator(".slo").inner_text() == f"SLO {slo['target_percent']} % · budget left " \
                                                    f"{slo['left_minutes']:.1f} min"
        screenshot(page, "overview-uptime")
        page.click("#uptime tr[data-uptime-service=hello] a:text('report')")
        page.wait_for_url(re.compile(r"/services/hello/report\?period=week"))
        assert page.locator("header .who").inner_text().startswith("token:viewer")   # the dashboard's layout
        report = page.locator("#report")
        assert "Deployment frequency" in report.inner_text() or "deployment frequency" in report.inner_text()
        assert report.locator("svg").count() >= 3 and "hello" in report.inner_text()
        screenshot(page, "report-week")
        page.select_option("#report-period select[name=period]", "day")
        page.click("#report-period button[type=submit]")
        page.wait_for_url(re.compile(r"period=day"))
        assert page.locator("#report svg").count() >= 3
        page.goto(f"{url}/services/hello/report?period=year")
        assert "day, week or month" in page.inner_text("main")
    finally:
        context.close()
