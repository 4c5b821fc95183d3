"""Draining at request boundaries: idle keep-alive clients no longer hold a deploy for the whole
`drain`, and a drain that really times out is a warning the user sees, not a silent `ok`."""

from __future__ import annotations

import http.client
import threading

from tests.e2e.cli_project import Project


def _idle_keepalive_clients(port: int, count: int) -> list[http.client.HTTPConnection]:
    conns = []
    for _ in range(count):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/")
        conn.getresponse().read()
        conns.append(conn)   # left open and idle, as a browser or an HTTP client pool leaves it
    return conns


def _step(out: dict, name: str) -> dict:
    return next(s for s in out["steps"] if s["name"] == name)


def test_idle_keepalive_clients_do_not_hold_the_drain(project: Project) -> None:
    project.spec("1.0.0", drain="30s")
    project.json("deploy")
    conns = _idle_keepalive_clients(project.port, 3)
    try:
        project.spec("2.0.0", drain="30s")
        out = project.json("deploy")
        assert out["state"] == "succeeded" and out["warnings"] == []
        assert _step(out, "drain_old")["duration_s"] < 10, out["steps"]
        for conn in conns:     # the same keep-alive connections now reach the new release
            conn.request("GET", "/")
            resp = conn.getresponse()
            assert resp.status == 200 and b"2.0.0" in resp.read()
    finally:
        for conn in conns:
            conn.close()


def test_a_drain_that_times_out_is_a_warning_in_json_and_in_the_output(project: Project) -> None:
    project.spec("1.0.0", drain="1s")
    project.json("deploy")
    # every request to 1.0.0 now takes 20 s: still in flight when a slow (loaded) deploy reaches its drain
    project.steer("1.0.0", {"latency_ms": 20000})
    slow = threading.Thread(target=lambda: project.get("/", timeout=40), daemon=True)
    slow.start()                                     # one request in flight on the old release
    project.spec("2.0.0", drain="1s")
    out = project.json("deploy")
    assert out["state"] == "succeeded"
    assert any("drain" in w and "timed out" in w for w in out["warnings"]), out
    project.spec("3.0.0", drain="1s")
    project.steer("2.0.0", {"latency_ms": 20000})
    slow = threading.Thread(target=lambda: project.get("/", timeout=40), daemon=True)
    slow.start()
    plain = project.run("deploy")
    assert plain.returncode == 0, plain.stderr
    assert "warning" in plain.stdout and "timed out" in plain.stdout, plain.stdout
