"""The steerable sample app: each switch, runtime control, and a graceful SIGTERM."""

from __future__ import annotations

import http.client
import json
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from hello_support import RunningApp
from tests.waiting import port_open, wait_until

Launch = Callable[..., RunningApp]


def call(port: int, method: str, path: str, body: dict[str, Any] | None = None,
         conn: http.client.HTTPConnection | None = None) -> tuple[int, dict[str, Any], dict[str, str]]:
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    try:
        payload = json.dumps(body).encode() if body is not None else None
        conn.request(method, path, body=payload, headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        data = json.loads(response.read())
        return response.status, data, {k.lower(): v for k, v in response.getheaders()}
    finally:
        if own:
            conn.close()


def test_root_reports_identity_and_greeting(launch_app: Launch) -> None:
    app = launch_app(SHIPMATE_SERVICE="web", SHIPMATE_VERSION="1.2.3", SHIPMATE_ENVIRONMENT="prod",
                     GREETING="ahoy")
    status, data, _ = call(app.port, "GET", "/")
    assert status == 200
    assert data == {"service": "web", "version": "1.2.3", "environment": "prod", "greeting": "ahoy"}


def test_health_is_ok_and_every_request_is_logged(launch_app: Launch) -> None:
    app = launch_app(SHIPMATE_VERSION="7")
    assert call(app.port, "GET", "/health")[:2] == (200, {"status": "ok", "version": "7"})
    assert "listening on 127.0.0.1:" in app.text() and "version 7" in app.text()
    wait_until(lambda: "GET /health 200" in app.text(), 10, "the request log line")


def test_keep_alive_connection_serves_several_requests(launch_app: Launch) -> None:
    app = launch_app()
    conn = http.client.HTTPConnection("127.0.0.1", app.port, timeout=15)
    try:
        for _ in range(3):
            assert call(app.port, "GET", "/health", conn=conn)[0] == 200
    finally:
        conn.close()


def test_fail_health_env_makes_health_answer_500(launch_app: Launch) -> None:
    app = launch_app(HELLO_FAIL_HEALTH="1")
    assert call(app.port, "GET", "/health")[0] == 500
    assert call(app.port, "GET", "/")[0] == 200


def test_start_delay_postpones_listening(launch_app: Launch) -> None:
    began = time.monotonic()
    app = launch_app(wait=False, HELLO_START_DELAY="1.5")
    assert not port_open(app.port)
    app.wait_listening()
    assert time.monotonic() - began >= 1.5


def test_exit_at_start_exits_with_the_given_code(launch_app: Launch) -> None:
    app = launch_app(wait=False, HELLO_EXIT_AT_START="3")
    assert app.proc.wait(timeout=20) == 3
    assert "exiting at start" in app.text()


def test_fail_after_breaks_health_and_root_later(launch_app: Launch) -> None:
    began = time.monotonic()
    app = launch_app(HELLO_FAIL_AFTER="3")
    # Healthy at first, unless a loaded machine took 3 s to start it (its clock starts after ours).
    assert call(app.port, "GET", "/health")[0] == 200 or time.monotonic() - began >= 3
    wait_until(lambda: call(app.port, "GET", "/health")[0] == 500, 20, "health to turn 500")
    assert call(app.port, "GET", "/")[0] == 500


def test_error_rate_fails_that_fraction_deterministically(launch_app: Launch) -> None:
    app = launch_app(HELLO_ERROR_RATE="0.25")
    statuses = [call(app.port, "GET", "/")[0] for _ in range(20)]
    assert statuses.count(500) == 5
    assert statuses[:4] == [200, 200, 200, 500]


def test_latency_delays_each_request(launch_app: Launch) -> None:
    app = launch_app(HELLO_LATENCY_MS="300")
    began = time.monotonic()
    assert call(app.port, "GET", "/health")[0] == 200
    assert time.monotonic() - began >= 0.3


def test_crash_after_exits_with_code_1(launch_app: Launch) -> None:
    app = launch_app(HELLO_CRASH_AFTER="1")
    assert app.proc.wait(timeout=20) == 1


def test_missing_port_is_refused(launch_app: Launch) -> None:
    app = launch_app(wait=False, PORT="")
    assert app.proc.wait(timeout=20) == 2


def test_control_endpoint_steers_health_errors_and_latency(launch_app: Launch) -> None:
    app = launch_app()
    status, state, _ = call(app.port, "POST", "/control", {"fail_health": True})
    assert status == 200 and state["fail_health"] is True
    assert call(app.port, "GET", "/health")[0] == 500
    call(app.port, "POST", "/control", {"fail_health": False, "error_rate": 1.0})
    assert call(app.port, "GET", "/health")[0] == 500
    assert call(app.port, "GET", "/")[0] == 500
    call(app.port, "POST", "/control", {"error_rate": 0, "latency_ms": 200})
    began = time.monotonic()
    assert call(app.port, "GET", "/")[0] == 200
    assert time.monotonic() - began >= 0.2
    assert call(app.port, "GET", "/control")[1]["latency_ms"] == 200


def test_control_rejects_a_bad_body(launch_app: Launch) -> None:
    app = launch_app()
    assert call(app.port, "POST", "/control", {"error_rate": "lots"})[0] == 400


def test_sigterm_on_idle_app_exits_zero(launch_app: Launch) -> None:
    app = launch_app()
    app.proc.send_signal(signal.SIGTERM)
    assert app.proc.wait(timeout=15) == 0


def test_sigterm_finishes_in_flight_requests_and_closes_keep_alive(launch_app: Launch) -> None:
    app = launch_app(HELLO_LATENCY_MS="4000")
    idle = http.client.HTTPConnection("127.0.0.1", app.port, timeout=30)
    slow = http.client.HTTPConnection("127.0.0.1", app.port, timeout=30)
    try:
        _, _, headers = call(app.port, "GET", "/control", conn=idle)
        assert headers.get("connection") != "close"
        answers: list[tuple[int, dict[str, Any], dict[str, str]]] = []
        worker = threading.Thread(target=lambda: answers.append(call(app.port, "GET", "/", conn=slow)))
        worker.start()
        wait_until(lambda: call(app.port, "GET", "/control")[1]["in_flight"] >= 1, 15, "slow request")

        app.proc.send_signal(signal.SIGTERM)
        wait_until(lambda: "draining" in app.text(), 15, "the app to start draining")
        assert not port_open(app.port)
        status, _, headers = call(app.port, "GET", "/control", conn=idle)
        assert status == 200 and headers.get("connection") == "close"

        worker.join(timeout=30)
        assert answers and answers[0][0] == 200
        assert answers[0][2].get("connection") == "close"
        assert app.proc.wait(timeout=15) == 0
    finally:
        idle.close()
        slow.close()


@pytest.mark.parametrize("path", ["/nope", "/health/x"])
def test_unknown_paths_answer_404(launch_app: Launch, path: str) -> None:
    app = launch_app()
    assert call(app.port, "GET", path)[0] == 404
