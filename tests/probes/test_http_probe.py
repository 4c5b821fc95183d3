"""HttpProbe: pass and every kind of fail, as results, never exceptions."""

from __future__ import annotations

from collections.abc import Callable

from tests.waiting import free_port

from shipmate.model import Phase
from shipmate.probes.http import HttpProbe


def test_healthy_app_passes_with_status_and_json(hello_port: Callable[..., int]) -> None:
    port = hello_port(SHIPMATE_VERSION="2.0")
    result = HttpProbe("127.0.0.1", port, "/health", json_expect={"status": "ok", "version": "2.0"}).run()
    assert result.phase is Phase.PASS
    assert result.detail == "GET /health -> 200"
    assert result.latency_ms > 0
    assert result.probe == "http /health"


def test_status_mismatch_fails_with_the_status(hello_port: Callable[..., int]) -> None:
    port = hello_port(HELLO_FAIL_HEALTH="1")
    result = HttpProbe("127.0.0.1", port, "/health").run()
    assert (result.phase, result.detail) == (Phase.FAIL, "GET /health -> 500")


def test_expected_non_200_status_passes_and_says_what_was_expected(hello_port: Callable[..., int]) -> None:
    port = hello_port()
    assert HttpProbe("127.0.0.1", port, "/nope", status=404).run().phase is Phase.PASS
    result = HttpProbe("127.0.0.1", port, "/health", status=204).run()
    assert (result.phase, result.detail) == (Phase.FAIL, "GET /health -> 200 (expected 204)")


def test_body_contains(hello_port: Callable[..., int]) -> None:
    port = hello_port(GREETING="ahoy")
    assert HttpProbe("127.0.0.1", port, "/", body_contains="ahoy").run().phase is Phase.PASS
    result = HttpProbe("127.0.0.1", port, "/", body_contains="howdy").run()
    assert (result.phase, result.detail) == (Phase.FAIL, "GET / -> 200: body lacks 'howdy'")


def test_json_expect_with_dotted_keys(fixed_server: Callable[[int, bytes], int]) -> None:
    port = fixed_server(200, b'{"a": {"b": 1}, "status": "ok"}')
    assert HttpProbe("127.0.0.1", port, "/", json_expect={"a.b": 1, "status": "ok"}).run().phase is Phase.PASS
    wrong = HttpProbe("127.0.0.1", port, "/", json_expect={"a.b": 2}).run()
    assert (wrong.phase, wrong.detail) == (Phase.FAIL, "GET / -> 200: JSON a.b=1, expected 2")
    missing = HttpProbe("127.0.0.1", port, "/", json_expect={"a.c": 1}).run()
    assert missing.detail == "GET / -> 200: JSON has no 'a.c'"


def test_body_that_is_not_json_fails(fixed_server: Callable[[int, bytes], int]) -> None:
    port = fixed_server(200, b"<html>up</html>")
    result = HttpProbe("127.0.0.1", port, "/up", json_expect={"status": "ok"}).run()
    assert (result.phase, result.detail) == (Phase.FAIL, "GET /up -> 200: body is not JSON")


def test_connection_refused_is_a_result() -> None:
    port = free_port()
    result = HttpProbe("127.0.0.1", port, "/health").run()
    assert (result.phase, result.detail) == (Phase.FAIL, f"connect 127.0.0.1:{port}: connection refused")


def test_server_that_never_answers_times_out(silent_port: int) -> None:
    result = HttpProbe("127.0.0.1", silent_port, "/health", timeout=0.5).run()
    assert (result.phase, result.detail) == (Phase.FAIL, "GET /health timed out after 0.5s")
