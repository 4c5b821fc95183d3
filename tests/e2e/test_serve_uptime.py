"""`shipmate serve` checks each service from outside, through its public port: incidents with durations,
alerts through `notify:` (once, also across a SIGKILLed serve), a hanging service that stalls nothing."""

from __future__ import annotations

import json
import os
import signal
import urllib.request
from typing import Any

from tests.e2e.cli_project import Project
from tests.e2e.real_servers import SERVERS, write_server_spec
from tests.e2e.serve_support import Serve
from tests.notify_receiver import Receiver, receiver
from tests.waiting import wait_until

# liveness every hour: the instance is never restarted under the test, so the outside check alone decides
WATCH = """supervise: {{interval: 1h}}
uptime: {{interval: 5s, timeout: {timeout}}}
slo: {{target: 99.9, window: 30d}}
notify: {{urls: ["{url}"]}}
"""


def _uptime(project: Project) -> dict[str, Any]:
    env: dict[str, Any] = project.json("uptime")["environments"][0]
    return env


def _window(env: dict[str, Any], name: str) -> dict[str, Any]:
    return next(w for w in env["windows"] if w["window"] == name)


def _sent(rx: Receiver, event: str) -> int:
    return rx.events().count(event)


def test_a_service_down_then_up_is_one_incident_with_its_duration_and_one_page(project: Project) -> None:
    with receiver() as rx:
        project.spec("1.0.0", extra=WATCH.format(url=rx.url, timeout="2s"))
        project.json("deploy")
        serve = Serve(project).start()
        wait_until(lambda: _window(_uptime(project), "24h")["checks"] >= 2, 40, "two outside checks")
        assert _uptime(project)["incidents"] == [] and _window(_uptime(project), "24h")["uptime_percent"] == 100.0

        project.steer("1.0.0", {"fail_health": True})   # users now get 500 from /health through the router
        wait_until(lambda: _uptime(project)["down"], 60, "three failed checks to make it down")
        wait_until(lambda: _sent(rx, "uptime.down") == 1 and _sent(rx, "slo.page") == 1, 20, "down + page sent")
        [open_incident] = _uptime(project)["incidents"]
        assert open_incident["ended_at"] is None and "500" in open_incident["cause"]

        serve.kill()   # SIGKILL while down: the next serve must neither re-open nor page again
        serve = Serve(project).start()
        after = _window(_uptime(project), "24h")["checks"]
        wait_until(lambda: _window(_uptime(project), "24h")["checks"] >= after + 2, 40, "the new serve's checks")
        assert _uptime(project)["down"] is True and len(_uptime(project)["incidents"]) == 1
        assert _sent(rx, "uptime.down") == 1 and _sent(rx, "slo.page") == 1

        project.steer("1.0.0", {"fail_health": False})
        wait_until(lambda: not _uptime(project)["down"], 60, "two good checks to make it up")
        wait_until(lambda: _sent(rx, "uptime.up") == 1, 20, "up sent")
        env = _uptime(project)
        [incident] = env["incidents"]
        assert incident["ended_at"] is not None and 10 <= incident["duration_seconds"] <= 300
        day = _window(env, "24h")
        assert 0 < day["uptime_percent"] < 100
        assert env["slo"]["spent_minutes"] > 0 and env["slo"]["left_minutes"] < env["slo"]["allowed_minutes"]
        assert _sent(rx, "uptime.down") == 1 and _sent(rx, "slo.page") == 1
        up = next(b for b in rx.bodies if "uptime.up" in str(b.get("title")))
        assert "down_for_seconds" in str(up.get("message") or up.get("body"))

        scraped = _scrape(serve.port)
        labels = {"service": "hello", "environment": "default"}
        assert scraped[("shipmate_service_up", labels)] == 1.0
        assert 0 < scraped[("shipmate_uptime_30d_ratio", labels)] < 1
        assert scraped[("shipmate_slo_target_ratio", labels)] == 0.999
        allowed = 0.001 * 30 * 86400
        assert 0 < scraped[("shipmate_error_budget_remaining_seconds", labels)] < allowed
        assert scraped[("shipmate_deployments_total", {**labels, "outcome": "succeeded"})] == 1.0
        assert scraped[("shipmate_release_info", {**labels, "version": "1.0.0"})] == 1.0
        assert scraped[("shipmate_probe_latency_seconds_bucket", {**labels, "le": "+Inf"})] >= 1
        assert serve.stop() == 0


class _Scrape(dict[tuple[str, frozenset[tuple[str, str]]], float]):
    """(sample name, labels) -> value; looked up with a subset of the labels."""

    def __getitem__(self, key: tuple[str, dict[str, str]]) -> float:  # type: ignore[override]
        name, wanted = key
        found = [v for (n, labels), v in self.items() if n == name and set(wanted.items()) <= labels]
        assert len(found) == 1, (name, wanted, found)
        return found[0]


def _scrape(port: int) -> _Scrape:
    from prometheus_client.parser import text_string_to_metric_families

    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as resp:
        text = resp.read().decode()
    out = _Scrape()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            dict.__setitem__(out, (sample.name, frozenset(sample.labels.items())), sample.value)
    return out


def test_a_hanging_service_fails_its_check_in_bounded_time_and_the_loop_keeps_ticking(project: Project) -> None:
    server = SERVERS["http.server"]   # a real PyPI/stdlib server behind the router
    with receiver() as rx:
        write_server_spec(project, server, extra=WATCH.format(url=rx.url, timeout="1s"))
        project.json("deploy")
        serve = Serve(project).start()
        wait_until(lambda: _window(_uptime(project), "24h")["checks"] >= 2, 40, "checks of http.server")
        assert _window(_uptime(project), "24h")["uptime_percent"] == 100.0
        # SIGSTOP the server: the kernel still accepts connections, nothing ever answers (a real hang)
        pid = int(project.current_instances()[0]["pid"])
        os.kill(pid, signal.SIGSTOP)
        try:
            wait_until(lambda: _uptime(project)["down"], 90, "checks that time out to make it down")
            assert serve.health()["since_last_tick_s"] < 5   # the supervisor loop never waited for a probe
            [incident] = _uptime(project)["incidents"]
            assert "timed out" in incident["cause"] or "hung" in incident["cause"]
        finally:
            os.kill(pid, signal.SIGCONT)
        wait_until(lambda: not _uptime(project)["down"], 60, "it answers again: up")
        with urllib.request.urlopen(f"http://127.0.0.1:{serve.port}/healthz", timeout=5) as resp:
            assert json.loads(resp.read())["ok"] is True
        assert serve.stop() == 0
