"""Forwarding, switching and draining through a real router daemon."""

from __future__ import annotations

import contextlib
import http.client
import socket
import threading
import time
from typing import Any

import psutil
import pytest
from router_support import DaemonTracker, free_port, http_get, wait_for

from shipmate.traffic import Backend, RouteSpec


def _route(daemon: DaemonTracker, port: int, backend_port: int, instance: str = "i1") -> None:
    daemon.client.set_backends(RouteSpec(port, "web", "prod", mode="tcp"),
                               [Backend("127.0.0.1", backend_port, instance_id=instance)], fencing=0)


def _in_flight(daemon: DaemonTracker, port: int, backend_port: int) -> int:
    """Open connections still flowing to that backend (tcp mode counts connections as in flight)."""
    stats = daemon.client.stats(port)
    backend = stats.backend(f"127.0.0.1:{backend_port}") if stats is not None else None
    return backend.in_flight if backend is not None else 0


def test_proxies_http_requests_to_the_backend(daemon: DaemonTracker, backends: Any) -> None:
    a = backends("A")
    port = free_port()
    _route(daemon, port, a.port)
    assert http_get(port) == "A"
    stats = daemon.client.stats(port)
    assert stats is not None and stats.accepted == 1 and stats.mode == "tcp"


def test_half_close_lets_the_backend_answer_after_client_eof(daemon: DaemonTracker, backends: Any) -> None:
    echo = backends(echo=True)
    port = free_port()
    _route(daemon, port, echo.port)
    payload = b"x" * 300_000  # larger than socket buffers: exercises backpressure too
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(payload)
        sock.shutdown(socket.SHUT_WR)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    assert received == payload


def test_switch_sends_new_connections_to_new_backend(daemon: DaemonTracker, backends: Any) -> None:
    a, b = backends("A"), backends("B")
    port = free_port()
    _route(daemon, port, a.port, "a")
    kept = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        assert http_get(port, kept) == "A"
        _route(daemon, port, b.port, "b")
        assert http_get(port) == "B"
        assert http_get(port, kept) == "A"  # the open connection still talks to the old backend
        assert http_get(port) == "B"
    finally:
        kept.close()


def test_stats_count_active_connections_per_backend_until_drained(
    daemon: DaemonTracker, backends: Any
) -> None:
    a, b = backends("A"), backends("B")
    port = free_port()
    _route(daemon, port, a.port, "a")
    kept = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    assert http_get(port, kept) == "A"
    _route(daemon, port, b.port, "b")
    stats = daemon.client.stats(port)
    assert stats is not None
    assert [(s.address, s.member, s.in_flight) for s in stats.backends] == [
        (f"127.0.0.1:{b.port}", True, 0), (f"127.0.0.1:{a.port}", False, 1)]
    assert _in_flight(daemon, port, a.port) == 1
    assert daemon.client.drain(port, f"127.0.0.1:{a.port}", 0.3).drained is False
    kept.close()
    assert daemon.client.drain(port, f"127.0.0.1:{a.port}", 20).drained is True
    assert _in_flight(daemon, port, a.port) == 0


def test_refused_backend_closes_client_after_the_hold_and_is_counted(daemon: DaemonTracker) -> None:
    port, dead = free_port(), free_port()
    daemon.client.set_backends(RouteSpec(port, "web", "prod", mode="tcp", hold_s=0.5),
                               [Backend("127.0.0.1", dead)], fencing=1)
    with (
        socket.create_connection(("127.0.0.1", port), timeout=10) as sock,
        contextlib.suppress(ConnectionResetError),
    ):
        assert sock.recv(1) == b""

    def counted() -> bool:
        stats = daemon.client.stats(port)
        return stats is not None and stats.backends[0].errors >= 1 and stats.hold_timeouts == 1
    wait_for(counted, what="refusal and hold timeout counted")


def test_remove_route_closes_listener_and_keeps_open_connections(
    daemon: DaemonTracker, backends: Any
) -> None:
    a = backends("A")
    port = free_port()
    _route(daemon, port, a.port)
    kept = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        assert http_get(port, kept) == "A"
        daemon.client.remove(port, fencing=0)
        assert daemon.client.routes() == []
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=10).close()
        assert http_get(port, kept) == "A"
        assert _in_flight(daemon, port, a.port) == 1
    finally:
        kept.close()
    assert daemon.client.drain(port, f"127.0.0.1:{a.port}", 20).drained


def test_remove_route_with_close_connections_cuts_open_ones(daemon: DaemonTracker, backends: Any) -> None:
    a = backends("A")
    port = free_port()
    _route(daemon, port, a.port)
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        reply = b""
        while not reply.endswith(b"\r\n\r\nA"):  # head and body may arrive in separate segments
            chunk = sock.recv(4096)
            assert chunk, f"backend closed early after {reply!r}"
            reply += chunk
        daemon.client.remove(port, fencing=0, close_connections=True)
        with contextlib.suppress(ConnectionResetError):
            assert sock.recv(4096) == b""
    assert daemon.client.drain(port, f"127.0.0.1:{a.port}", 20).drained


def test_switching_twenty_times_under_load_fails_no_request(daemon: DaemonTracker, backends: Any) -> None:
    a, b = backends("A"), backends("B")
    port = free_port()
    _route(daemon, port, a.port, "a")
    stop = threading.Event()
    lock = threading.Lock()
    served: dict[str, int] = {"A": 0, "B": 0}
    failures: list[str] = []

    def hammer() -> None:
        deadline = time.monotonic() + 120
        while not stop.is_set() and time.monotonic() < deadline:
            try:
                body = http_get(port)
                with lock:
                    served[body] += 1
            except Exception as exc:
                with lock:
                    failures.append(repr(exc))

    workers = [threading.Thread(target=hammer, daemon=True) for _ in range(4)]
    for worker in workers:
        worker.start()
    try:
        for i in range(20):
            name, target = ("B", b) if i % 2 == 0 else ("A", a)
            _route(daemon, port, target.port, name)
            before = served[name]
            wait_for(lambda n=name, s=before: served[n] >= s + 5, timeout=30, what=f"traffic on {name}")
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=30)
    assert failures == []
    assert served["A"] > 0 and served["B"] > 0


def test_slow_backend_pauses_the_client_instead_of_buffering(daemon: DaemonTracker) -> None:
    total = 64 * 1024 * 1024
    release = threading.Event()
    received: list[int] = []
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()

        def slow_backend() -> None:
            conn, _ = listener.accept()
            with conn:
                release.wait(timeout=120)
                count = 0
                while chunk := conn.recv(1 << 20):
                    count += len(chunk)
                received.append(count)

        reader = threading.Thread(target=slow_backend, daemon=True)
        reader.start()
        port = free_port()
        _route(daemon, port, listener.getsockname()[1])
        router_proc = psutil.Process(daemon.client.ensure_daemon())
        rss_before = router_proc.memory_info().rss
        sent = [0]

        def sender() -> None:
            with socket.create_connection(("127.0.0.1", port), timeout=120) as sock:
                block = b"x" * (1 << 20)
                for _ in range(total // len(block)):
                    sock.sendall(block)
                    sent[0] += len(block)
                sock.shutdown(socket.SHUT_WR)
                sock.recv(1)  # wait for the backend to close its side

        writer = threading.Thread(target=sender, daemon=True)
        writer.start()
        # Wait until the sender stalls: kernel buffers are full and the router stopped reading.
        last, stable_since, deadline = -1, time.monotonic(), time.monotonic() + 60
        while time.monotonic() - stable_since < 1.0 and time.monotonic() < deadline:
            if sent[0] != last:
                last, stable_since = sent[0], time.monotonic()
            time.sleep(0.05)
        assert sent[0] < total, "the sender never stalled: nothing applied backpressure"
        assert router_proc.memory_info().rss - rss_before < 16 * 1024 * 1024
        release.set()
        writer.join(timeout=120)
        reader.join(timeout=120)
    assert received == [total]
