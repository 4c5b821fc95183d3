"""http mode through a real daemon and real uvicorn backends: per-request switching, pools and
safe retries, drain at request boundaries, hold while no backend is ready, stats, fencing."""

from __future__ import annotations

import http.client
import socket
import threading
import time
from typing import Any

import pytest
from http_support import RawBackend, Uvicorn, read_head, route
from router_support import DaemonTracker, free_port, wait_for

from shipmate.errors import StaleFencingError
from shipmate.traffic import Backend


def get(conn: http.client.HTTPConnection, path: str = "/", method: str = "GET") -> tuple[int, str]:
    conn.request(method, path)
    response = conn.getresponse()
    return response.status, response.read().decode()


def test_each_request_on_one_keep_alive_connection_goes_to_the_current_backend(
    daemon: DaemonTracker, uvicorns: Any
) -> None:
    a, b = uvicorns("A"), uvicorns("B")
    port = free_port()
    route(daemon, port, [a.backend()])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        assert get(conn) == (200, "A")
        sock = conn.sock
        route(daemon, port, [b.backend()], fencing=2)
        assert get(conn) == (200, "B")
        assert conn.sock is sock  # same client connection, next request on the new backend
    finally:
        conn.close()
    stats = daemon.client.stats(port)
    assert stats is not None and stats.mode == "http" and stats.accepted == 1
    by_name = {s.instance_id: s for s in stats.backends}
    assert by_name["A"].member is False and by_name["A"].requests == 1
    assert by_name["B"].member is True and by_name["B"].requests == 1


def test_idempotent_request_on_a_pooled_connection_the_backend_closed_is_retried(
    daemon: DaemonTracker, raw_backends: Any
) -> None:
    def answer_once_then_close_on_next(conn: socket.socket, index: int) -> None:
        assert read_head(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        read_head(conn)  # the second request reaches a connection that is closing: no answer

    backend = raw_backends(answer_once_then_close_on_next)
    port = free_port()
    route(daemon, port, [backend.backend()])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        assert get(conn) == (200, "ok")
        assert get(conn) == (200, "ok")  # retried on a fresh backend connection
        conn.request("POST", "/", body=b"x")  # not idempotent: never sent twice
        assert conn.getresponse().status == 502
    finally:
        conn.close()
    stats = daemon.client.stats(port)
    assert stats is not None and stats.backends[0].errors == 1


def test_keep_alive_clients_lose_nothing_when_uvicorn_closes_idle_connections(
    daemon: DaemonTracker, uvicorns: Any
) -> None:
    a = uvicorns("A", keep_alive_s=1)  # uvicorn closes idle pooled connections after 1 s
    port = free_port()
    route(daemon, port, [a.backend()])
    failures: list[str] = []
    done = [0]

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        for i in range(60):
            try:
                assert get(conn) == (200, "A")
                done[0] += 1
            except Exception as exc:
                failures.append(repr(exc))
            if i % 10 == 9:
                time.sleep(1.0)  # let uvicorn's keep-alive timer race the next request
        conn.close()

    workers = [threading.Thread(target=client) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert failures == [] and done[0] == 240


def test_blue_green_switch_with_sigterm_of_the_old_uvicorn_fails_no_request(
    daemon: DaemonTracker, uvicorns: Any
) -> None:
    servers = [uvicorns("A"), uvicorns("B")]
    port = free_port()
    route(daemon, port, [servers[0].backend()])
    stop = threading.Event()
    failures: list[str] = []
    served: dict[str, int] = {}

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while not stop.is_set():
            try:
                _, body = get(conn)
                served[body] = served.get(body, 0) + 1
            except Exception as exc:
                failures.append(repr(exc))
                conn.close()
        conn.close()

    workers = [threading.Thread(target=client) for _ in range(4)]
    for worker in workers:
        worker.start()
    try:
        for step in range(1, 5):
            old, new = servers[(step - 1) % 2], servers[step % 2]
            before = served.get(new.name, 0)
            route(daemon, port, [new.backend()], fencing=step + 1)
            assert daemon.client.drain(port, old.backend().address, timeout_s=10).drained
            old.stop()
            wait_for(lambda n=new.name, b=before: served.get(n, 0) > b + 20, timeout=30, what="traffic moved")
            servers[(step - 1) % 2] = uvicorns(old.name)  # the next release: a fresh process, new port
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=30)
    assert failures == []


def test_drain_closes_idle_pooled_connections_and_waits_for_requests_in_flight(
    daemon: DaemonTracker, uvicorns: Any
) -> None:
    a, b = uvicorns("A"), uvicorns("B")
    port = free_port()
    route(daemon, port, [a.backend()])
    slow = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    slow.request("GET", "/slow/1.0")
    wait_for(lambda: _in_flight(daemon, port, a) == 1, what="request in flight")
    route(daemon, port, [b.backend()], fencing=2)
    early = daemon.client.drain(port, a.backend().address, timeout_s=0.2)
    assert early.drained is False and early.in_flight == 1
    result = daemon.client.drain(port, a.backend().address, timeout_s=10)
    assert result.drained and result.in_flight == 0
    assert slow.getresponse().read() == b"A"
    slow.close()
    stats = daemon.client.stats(port)
    assert stats is not None
    old = stats.backend(a.backend().address)
    assert old is not None and not old.member and old.requests == 1 and old.open_connections == 0


def _in_flight(daemon: DaemonTracker, port: int, server: Uvicorn) -> int:
    stats = daemon.client.stats(port)
    backend = stats.backend(server.backend().address) if stats is not None else None
    return backend.in_flight if backend is not None else 0


def test_requests_wait_while_no_backend_is_ready_and_go_on_when_one_comes(
    daemon: DaemonTracker, uvicorns: Any
) -> None:
    a = uvicorns("A")
    port = free_port()
    route(daemon, port, [], hold_s=20)
    results: list[tuple[int, str]] = []
    waiter = threading.Thread(
        target=lambda: results.append(get(http.client.HTTPConnection("127.0.0.1", port, timeout=30))))
    waiter.start()
    wait_for(lambda: (daemon.client.stats(port) or _none()).held == 1, what="request held")
    route(daemon, port, [a.backend()], hold_s=20)
    waiter.join(timeout=30)
    assert results == [(200, "A")]


def _none() -> Any:
    raise AssertionError("route vanished")


def test_hold_runs_out_into_503(daemon: DaemonTracker) -> None:
    port = free_port()
    route(daemon, port, [], hold_s=0.3)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    assert get(conn)[0] == 503
    stats = daemon.client.stats(port)
    assert stats is not None and stats.held == 1 and stats.hold_timeouts == 1


def test_stats_count_requests_5xx_and_latency_per_backend(daemon: DaemonTracker, uvicorns: Any) -> None:
    a = uvicorns("A")
    port = free_port()
    route(daemon, port, [a.backend()])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    for path in ["/", "/status/500", "/status/503", "/status/404", "/slow/0.2"]:
        get(conn, path)
    conn.close()
    stats = daemon.client.stats(port)
    assert stats is not None
    [backend] = stats.backends
    assert (backend.requests, backend.status_5xx, backend.errors, backend.in_flight) == (5, 2, 0, 0)
    assert sum(backend.latency_counts) == 5
    assert len(backend.latency_counts) == len(backend.latency_bounds_ms) + 1
    slowest = max(i for i, c in enumerate(backend.latency_counts) if c)
    assert backend.latency_bounds_ms[slowest] >= 200


def test_a_change_with_an_older_fencing_number_is_refused(daemon: DaemonTracker, uvicorns: Any) -> None:
    a, b = uvicorns("A"), uvicorns("B")
    port = free_port()
    route(daemon, port, [a.backend()], fencing=5)
    route(daemon, port, [a.backend()], fencing=5)  # equal is accepted
    with pytest.raises(StaleFencingError):
        route(daemon, port, [b.backend()], fencing=4)
    with pytest.raises(StaleFencingError):
        daemon.client.remove(port, fencing=4)
    [saved] = daemon.client.routes()
    assert saved["fencing"] == 5 and saved["backends"][0]["port"] == a.port
    daemon.client.remove(port, fencing=6)
    assert daemon.client.routes() == []


def test_refused_backend_is_skipped_for_another_member(daemon: DaemonTracker, uvicorns: Any) -> None:
    a = uvicorns("A")
    dead = free_port()
    port = free_port()
    route(daemon, port, [Backend("127.0.0.1", dead, instance_id="dead"), a.backend()])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    assert [get(conn) for _ in range(4)] == [(200, "A")] * 4
    conn.close()


def test_dead_backend_answers_502_after_the_hold(daemon: DaemonTracker) -> None:
    port = free_port()
    route(daemon, port, [Backend("127.0.0.1", free_port())], hold_s=0.3)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    assert get(conn)[0] == 502
    stats = daemon.client.stats(port)
    assert stats is not None and stats.backends[0].errors >= 1


def test_backend_dying_mid_response_closes_the_client_connection(
    daemon: DaemonTracker, raw_backends: Any
) -> None:
    def die_mid_body(conn: socket.socket, index: int) -> None:
        read_head(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")

    backend: RawBackend = raw_backends(die_mid_body)
    port = free_port()
    route(daemon, port, [backend.backend()])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/")
    with pytest.raises(http.client.IncompleteRead):
        conn.getresponse().read()
    conn.close()
    stats = daemon.client.stats(port)
    assert stats is not None and stats.backends[0].errors == 1
