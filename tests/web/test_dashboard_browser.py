"""The dashboard in a real browser (Debian's chromium through Playwright) against a real `shipmate serve` over
real deployments: log in, the overview, a deployment's window chart, a failed deploy's verdict, approvals."""

from __future__ import annotations

import os
import re
import signal
from collections.abc import Iterator
from typing import Any

import pytest

from tests.waiting import wait_until
from tests.web.browser import browser, screenshot
from tests.web.dashboard_site import PRODUCTION_GATED, Site

__all__ = ["browser"]
WAIT_MS = 60_000   # Playwright waits: a loaded 2-core machine (CI runs 4 workers) renders slowly


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser context per test: no cookie carries over."""
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    context.set_default_timeout(WAIT_MS)
    tab = context.new_page()
    yield tab
    context.close()


def log_in(page: Any, site: Site, who: str, then: str = "/") -> None:
    page.goto(f"{site.url}{then}")
    page.wait_for_url(re.compile(r"/login\?next="))          # logged out: every page sends you to log in
    page.fill("#token", site.tokens[who])
    page.click("button[type=submit]")
    page.wait_for_url(f"{site.url}{then}")


def test_a_wrong_token_is_refused_and_the_right_one_opens_the_overview(page: Any, site: Site) -> None:
    page.goto(f"{site.url}/")
    page.wait_for_url(re.compile(r"/login"))
    page.fill("#token", "smt_not-a-token")
    page.click("button[type=submit]")
    assert "unknown or revoked" in page.inner_text("[role=alert]")
    screenshot(page, "login-refused")
    log_in(page, site, "ann")
    assert "token:ann" in page.inner_text("header")


def test_the_overview_shows_two_services_in_two_environments(page: Any, site: Site) -> None:
    log_in(page, site, "viewer")
    table = page.locator("#overview")
    assert [h.strip() for h in table.locator("thead th").all_inner_texts()] == ["Service", "staging", "production"]
    hello = table.locator("tr[data-service=hello]")
    api = table.locator("tr[data-service=api]")
    assert hello.locator("td[data-environment=production] .version").inner_text() == "1.0.0"
    assert api.locator("td[data-environment=production] .version").inner_text() == "3.1.0"
    staging = api.locator("td[data-environment=staging]").inner_text()
    assert "3.1.0" in staging and "healthy" in staging and "1/1" in staging      # the rollback kept 3.1.0 up
    assert "rolled_back" in staging and "by user:dev" in staging                # its last deployment failed
    assert "supervised" in hello.inner_text()                                   # serve holds both homes
    screenshot(page, "overview")


def test_after_an_instance_is_killed_the_overview_shows_serve_bringing_it_back(page: Any, site: Site) -> None:
    """SIGKILL the app of hello in staging: the overview tells the truth (serve restarts it: 1/1 alive, the
    restart counted), never a stale healthy cell with no restart."""
    before = site.hello.json("status", "-e", "staging")["environments"][0]
    app = next(i for i in before["instances"] if i["role"] == "current" and i["alive"])
    os.kill(int(app["pid"]), signal.SIGKILL)
    log_in(page, site, "viewer")
    cell = page.locator("tr[data-service=hello] td[data-environment=staging]")

    def restarted() -> bool:
        page.reload()
        text = cell.inner_text()
        return "1 restart" in text and "1/1" in text and "healthy" in text

    wait_until(restarted, 60, "the overview to show the instance restarted by serve")
    after = site.hello.json("status", "-e", "staging")["environments"][0]
    assert next(i for i in after["instances"] if i["role"] == "current")["pid"] != app["pid"]
    screenshot(page, "overview-after-restart")


def test_a_deployment_page_shows_its_timeline_levels_rules_and_window_chart(page: Any, site: Site) -> None:
    log_in(page, site, "viewer")
    page.locator("tr[data-service=hello] td[data-environment=staging] a", has_text="succeeded").click()
    page.wait_for_url(re.compile(r"/deployments/dep_"))
    steps = page.locator("#steps li").evaluate_all("items => items.map(i => i.dataset.step)")
    assert steps[:2] == ["preflight", "start_instances"] and "monitor" in steps
    assert "pass" in page.inner_text("#verdict")
    assert page.locator("#rules tr[data-rule='probes.error_rate']").count() == 1
    charts = page.locator("#charts svg.chart")
    assert charts.count() == 2                                   # error rate and p95 per tick
    assert charts.nth(0).locator("polyline, circle").count() > 0  # drawn from the verdict's series
    assert page.locator("#factors tr").count() >= 2 and page.locator("#events tr").count() >= 5
    screenshot(page, "deployment")


def test_a_failed_deploy_appears_with_its_verdict(page: Any, site: Site) -> None:
    log_in(page, site, "viewer", f"/deployments/{site.failed_deployment}?service=api")
    assert page.inner_text("#state") == "rolled_back"
    verdict = page.inner_text("#verdict")
    assert "fail" in verdict and "decided by" in verdict
    failing = page.locator("#rules tr", has=page.locator(".s-fail"))
    assert failing.count() >= 1
    observed, limit = failing.first.locator("td.num").all_inner_texts()[:2]   # observed vs its limit
    assert limit == "5.0%" and float(observed.rstrip("%")) > 50.0
    assert "monitor window fail" in page.inner_text("#error")
    screenshot(page, "failed-deployment")


def test_history_filters_by_state_and_pages(page: Any, site: Site) -> None:
    log_in(page, site, "viewer", "/services/api/history")
    assert page.locator("#history tbody tr").count() == 3
    page.select_option("select[name=state]", "rolled_back")
    page.click("#filters button")
    page.wait_for_url(re.compile(r"state=rolled_back"))
    rows = page.locator("#history tbody tr")
    assert rows.count() == 1 and "3.2.0" in rows.first.inner_text()
    screenshot(page, "history")
    # Paged on the server: two rows a page, then the older one through the signed cursor.
    page.goto(f"{site.url}/services/api/history?limit=2")
    assert page.locator("#history tbody tr").count() == 2
    page.click("a[rel=next]")
    page.wait_for_url(re.compile(r"cursor="))
    assert page.locator("#history tbody tr").count() == 1 and page.locator("a[rel=next]").count() == 0
    assert "3.1.0" in page.inner_text("#history tbody") and page.locator("a[rel=first]").count() == 1


def test_bad_input_on_a_page_is_a_readable_error_never_a_traceback(page: Any, site: Site) -> None:
    log_in(page, site, "viewer")
    for path, status, words in [
            ("/deployments/dep_nope?service=api", 404, "no deployment dep_nope"),
            ("/services/nope/history", 404, "no registered service"),
            ("/services/api/history?cursor=eyJrIjpbMSwiYSJdfQ.forged", 400, "cursor was altered"),
            ("/live/api/staging?deployment=../../etc/passwd", 404, "no deployment")]:
        answer = page.goto(f"{site.url}{path}")
        assert answer is not None and answer.status == status, (path, answer and answer.status)
        text = page.inner_text("main")
        assert words in text and "Traceback" not in text, (path, text)


@pytest.fixture(scope="module")
def pending_promotion(site: Site) -> Iterator[tuple[str, Any]]:
    """hello 1.1.0 passed staging; `promote --to production` waits (a real CLI process) for a person."""
    site.spec(site.hello, "hello", "1.1.0", PRODUCTION_GATED.format(port=site.production_port), monitor="3s")
    site.hello.json("deploy", "-e", "staging")
    waiting = site.hello.spawn("promote", "--from", "staging", "--to", "production", "--json")
    found: list[str] = []

    def asked() -> bool:
        found[:] = [a["id"] for a in site.hello.json("approvals")["approvals"]
                    if a["environment"] == "production" and a["action"] == "promote" and a["version"] == "1.1.0"]
        return bool(found)

    wait_until(asked, 60, "the promotion to ask for an approval")
    yield found[0], waiting


def test_a_read_token_and_an_agents_token_cannot_press_approve(browser: Any, site: Site,
                                                               pending_promotion: tuple[str, Any]) -> None:
    approval_id, _ = pending_promotion
    for who in ("viewer", "bot"):
        context = browser.new_context(viewport={"width": 1360, "height": 900})
        context.set_default_timeout(WAIT_MS)
        tab = context.new_page()
        log_in(tab, site, who, "/approvals")
        card = tab.locator(f".approval[data-approval='{approval_id}']")
        assert "1.0.0" in card.locator("table.diff").inner_text() and "1.1.0" in card.inner_text()
        assert card.locator("button[value=approve]").is_disabled()
        assert ("agent" if who == "bot" else "scope read") in tab.inner_text("#cannot-decide")
        # Pressing it anyway (a forged form post with the session's own CSRF token) is refused; nothing changes.
        csrf = tab.locator("input[name=csrf_token]").first.get_attribute("value")
        answer = tab.request.post(f"{site.url}/approvals/{approval_id}/decide", headers={"Origin": site.url},
                                  form={"csrf_token": csrf or "", "decision": "approve", "service": "hello"})
        assert answer.status == 403, answer.text()
        screenshot(tab, f"approvals-{who}")
        context.close()
    still = [a for a in site.hello.json("approvals")["approvals"] if a["id"] == approval_id]
    assert still and still[0]["state"] == "pending"


def test_a_person_approves_the_production_promotion_and_watches_it_proceed_live(
        page: Any, site: Site, pending_promotion: tuple[str, Any]) -> None:
    approval_id, waiting = pending_promotion
    log_in(page, site, "ann", "/approvals")
    card = page.locator(f".approval[data-approval='{approval_id}']")
    card.locator("input[name=comment]").fill("staging looked good")
    card.locator("button[value=approve]").click()
    page.wait_for_url(re.compile(r"/approvals\?decided="))
    assert f"{approval_id} approved by token:ann" in page.inner_text("#decided")
    page.locator(f".approval[data-approval='{approval_id}'] a.watch").click()
    page.wait_for_selector("#state")                                   # the promotion started: the live page
    page.wait_for_function("document.querySelectorAll('#events tr').length > 0")   # events arrive over SSE
    screenshot(page, "live-running")
    page.wait_for_function("document.getElementById('state').textContent === 'succeeded'", timeout=120_000)
    page.wait_for_function("document.getElementById('outcome').textContent.indexOf('Finished:') === 0")   # `end`
    assert "Finished: succeeded" in page.inner_text("#outcome") and page.locator("#cancel").is_disabled()
    steps = page.locator("#steps li").evaluate_all("items => items.map(i => i.dataset.step)")
    assert "monitor" in steps and "promote" in steps
    screenshot(page, "live-finished")
    _, err = site.hello.finish(waiting, 120)
    assert waiting.returncode == 0, err
    assert site.hello.json("status", "-e", "production")["environments"][0]["current"]["version"] == "1.1.0"


def test_the_cancel_button_stops_a_running_deployment_and_it_rolls_back(page: Any, site: Site) -> None:
    # 3.2.0 again (healthy this time, a 60 s window), started through the API by a person's deploy token.
    started = page.request.post(f"{site.url}/api/v1/services/api/deploy", data={"environment": "staging"},
                                headers={"Authorization": f"Bearer {site.tokens['ann']}"})
    assert started.status == 202, started.text()
    deployment_id = started.json()["deployment_id"]
    log_in(page, site, "ann", f"/live/api/staging?deployment={deployment_id}")
    # The switch is done (its step event arrived): the 60 s window is running now.
    page.wait_for_function("(document.querySelector('#steps li[data-step=switch_route] .badge') || {})"
                           ".textContent === 'ok'", timeout=60_000)
    assert page.inner_text("#state") not in ("succeeded", "rolled_back", "failed")
    screenshot(page, "live-before-cancel")
    page.click("#cancel")
    page.wait_for_function("['rolled_back', 'failed'].includes(document.getElementById('state').textContent)",
                           timeout=120_000)
    # The state badge moves with the engine's event; the outcome line comes with the stream's `end` just after.
    page.wait_for_function("document.getElementById('outcome').textContent.indexOf('Finished:') === 0")
    assert page.inner_text("#state") == "rolled_back" and "Finished: rolled_back" in page.inner_text("#outcome")
    screenshot(page, "live-cancelled")
    staging = site.api.json("status", "-e", "staging")["environments"][0]
    assert staging["current"]["version"] == "3.1.0"                       # the running release kept serving
