"""HTTP/1.x edge cases through the router, against real uvicorn: streaming both ways, 100-continue,
WebSocket tunnels, timeouts (408/504), limits (431), malformed requests (400, never forwarded)."""

from __future__ import annotations

import http.client
import json
import re
import socket
import time
from collections.abc import Iterator
from typing import Any

import psutil
import pytest
from http_support import exchange, read_head, route
from router_support import DaemonTracker, free_port, wait_for
from websockets.sync.client import connect as ws_connect


def test_chunked_upload_is_streamed_to_the_backend_and_back(daemon: DaemonTracker, uvicorns: Any) -> None:
    a = uvicorns("A")
    port = free_port()
    route(daemon, port, [a.backend()])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
        head = read_head(sock)
        assert head.startswith(b"HTTP/1.1 200") and b"transfer-encoding: chunked" in head.lower()
        first = b""
        while b"hello" not in first:  # echoed before the upload ended: nobody buffered the body
            chunk = sock.recv(4096)
            assert chunk
            first += chunk
        sock.sendall(b"6\r\n world\r\n0\r\n\r\n")
        rest = first
        while not rest.endswith(b"0\r\n\r\n"):
            chunk = sock.recv(4096)
            assert chunk
            rest += chunk
    assert b"hello" in rest and b" world" in rest


def test_large_chunked_upload_and_download_arrive_whole(daemon: DaemonTracker, uvicorns: Any) -> None:
    a = uvicorns("A")
    port = free_port()
    route(daemon, port, [a.backend()])
    block = bytes(range(256)) * 256

    def body() -> Iterator[bytes]:
        for _ in range(64):
            yield block

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("POST", "/echo", body=body(), encode_chunked=True)
    response = conn.getresponse()
    assert response.read() == block * 64
    conn.request("GET", "/stream/3000")
    response = conn.getresponse()
    assert response.getheader("transfer-encoding") == "chunked"
    assert response.read() == b"x" * 1024 * 3000
    conn.close()


def test_expect_100_continue_is_relayed_before_the_body(daemon: DaemonTracker, uvicorns: Any) -> None:
    a = uvicorns("A")
    port = free_port()
    route(daemon, port, [a.backend()])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"POST /count HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
        assert read_head(sock).startswith(b"HTTP/1.1 100 Continue")
        sock.sendall(b"hello")
        reply = b""
        while not reply.endswith(b"\r\n\r\n5"):
            chunk = sock.recv(4096)
            assert chunk
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 200")


def test_websocket_tunnel_stays_on_its_backend_across_a_switch(daemon: DaemonTracker, uvicorns: Any) -> None:
    a, b = uvicorns("A"), uvicorns("B")
    port = free_port()
    route(daemon, port, [a.backend()])
    with ws_connect(f"ws://127.0.0.1:{port}/ws", open_timeout=10) as old:
        old.send("one")
        assert old.recv(timeout=10) == "A:one"
        route(daemon, port, [b.backend()], fencing=2)
        old.send("two")
        assert old.recv(timeout=10) == "A:two"
        with ws_connect(f"ws://127.0.0.1:{port}/ws", open_timeout=10) as new:
            new.send("three")
            assert new.recv(timeout=10) == "B:three"
        stats = daemon.client.stats(port)
        assert stats is not None
        tunnel = stats.backend(a.backend().address)
        assert tunnel is not None and tunnel.open_connections == 1 and tunnel.in_flight == 0


def test_slow_backend_gets_504(daemon: DaemonTracker, uvicorns: Any) -> None:
    a = uvicorns("A")
    port = free_port()
    route(daemon, port, [a.backend()], response_timeout_s=0.5)
    reply = exchange(port, b"GET /slow/5 HTTP/1.1\r\nHost: x\r\n\r\n")
    assert reply.startswith(b"HTTP/1.1 504")
    stats = daemon.client.stats(port)
    assert stats is not None and stats.backends[0].errors == 1 and stats.backends[0].in_flight == 0


def test_client_that_never_finishes_its_head_gets_408(daemon: DaemonTracker, uvicorns: Any) -> None:
    a = uvicorns("A")
    port = free_port()
    route(daemon, port, [a.backend()], head_timeout_s=0.5)
    assert exchange(port, b"GET / HTTP/1.1\r\nHost: x\r\n").startswith(b"HTTP/1.1 408")


def test_idle_keep_alive_connection_is_closed_quietly(daemon: DaemonTracker, uvicorns: Any) -> None:
    a = uvicorns("A")
    port = free_port()
    route(daemon, port, [a.backend()], idle_timeout_s=0.5)
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        reply = b""
        while not reply.endswith(b"\r\n\r\nA"):
            reply += sock.recv(4096)
        assert sock.recv(4096) == b""  # closed by the idle timeout, with nothing sent


@pytest.mark.parametrize("head", [
    b"GET / HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(150)) + b"\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"v" * 40_000 + b"\r\n\r\n",
], ids=["too-many", "too-large"])
def test_oversized_headers_get_431(daemon: DaemonTracker, uvicorns: Any, head: bytes) -> None:
    a = uvicorns("A")
    port = free_port()
    route(daemon, port, [a.backend()])
    assert exchange(port, head).startswith(b"HTTP/1.1 431")
    stats = daemon.client.stats(port)
    assert stats is not None and stats.rejected == 1 and stats.backends[0].requests == 0


MALFORMED = {
    "bad-request-line": b"GET /\x01 HTTP/1.1\r\nHost: x\r\n\r\n",
    "no-version": b"GET /\r\nHost: x\r\n\r\n",
    "header-injection-cr": b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\rInjected: 1\r\n\r\n",
    "header-injection-lf": b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\nInjected: 1\r\n\r\n",
    "space-before-colon": b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length : 5\r\n\r\nhello",
    "cl-and-te": b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "two-content-lengths": b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
    "te-not-chunked": b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\nxx",
}


@pytest.mark.parametrize("request_bytes", list(MALFORMED.values()), ids=list(MALFORMED))
def test_malformed_requests_get_400_and_are_never_forwarded(
    daemon: DaemonTracker, raw_backends: Any, request_bytes: bytes
) -> None:
    seen: list[bytes] = []
    backend = raw_backends(lambda conn, index: seen.append(conn.recv(65536)))
    port = free_port()
    route(daemon, port, [backend.backend()])
    reply = exchange(port, request_bytes)
    status = int(reply.split(b" ", 2)[1])
    assert status in (400, 501), reply
    assert b"Connection: close" in reply
    assert seen == []


def test_malformed_chunked_body_gets_400_and_the_backend_request_is_cut(
    daemon: DaemonTracker, uvicorns: Any
) -> None:
    a = uvicorns("A")
    port = free_port()
    route(daemon, port, [a.backend()])
    reply = exchange(port, b"POST /count HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                           b"zz\r\nhello\r\n0\r\n\r\n")
    assert reply.startswith(b"HTTP/1.1 400")


def test_forwarded_headers_are_added_and_router_headers_stripped(daemon: DaemonTracker, uvicorns: Any) -> None:
    a = uvicorns("A")
    port = free_port()
    route(daemon, port, [a.backend()])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/headers", headers={"Host": "shop.example", "X-Shipmate-Route": "stable",
                                             "X-Shipmate-Router-Token": "t", "X-Forwarded-Proto": "https"})
    seen = json.loads(conn.getresponse().read())
    conn.close()
    assert seen["x-forwarded-for"] == "127.0.0.1"
    assert seen["x-forwarded-proto"] == "http"
    assert seen["x-forwarded-host"] == "shop.example"
    assert "x-shipmate-route" not in seen and "x-shipmate-router-token" not in seen


def test_http_10_and_connection_close_are_answered_then_closed(daemon: DaemonTracker, uvicorns: Any) -> None:
    a = uvicorns("A")
    port = free_port()
    route(daemon, port, [a.backend()])
    reply = exchange(port, b"GET / HTTP/1.0\r\n\r\n")
    assert reply.startswith(b"HTTP/1.1 200") and reply.endswith(b"\r\n\r\nA")
    reply = exchange(port, b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert reply.startswith(b"HTTP/1.1 200") and reply.endswith(b"\r\n\r\nA")
    reply = exchange(port, b"HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert reply.startswith(b"HTTP/1.1 200") and reply.endswith(b"\r\n\r\n")


def test_pipelined_requests_are_answered_in_order(daemon: DaemonTracker, uvicorns: Any) -> None:
    a = uvicorns("A")
    port = free_port()
    route(daemon, port, [a.backend()])
    reply = exchange(port, b"GET /slow/0.2 HTTP/1.1\r\nHost: x\r\n\r\nGET /status/201 HTTP/1.1\r\nHost: x\r\n\r\n"
                           b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert re.findall(rb"HTTP/1.1 (\d{3})", reply) == [b"200", b"201", b"200"]


def test_slow_reading_client_pauses_the_backend_instead_of_buffering(
    daemon: DaemonTracker, uvicorns: Any
) -> None:
    a = uvicorns("A")
    port = free_port()
    route(daemon, port, [a.backend()])
    router = psutil.Process(daemon.client.ensure_daemon())
    rss_before = router.memory_info().rss
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        sock.sendall(b"GET /stream/32768 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")  # 32 MiB
        wait_for(lambda: _backend_paused(daemon, port), timeout=20, what="response started")
        samples = [router.memory_info().rss]

        def stalled() -> bool:  # the router's memory stops growing: it stopped reading the backend
            time.sleep(0.3)
            samples.append(router.memory_info().rss)
            return samples[-1] - samples[-2] < 256 * 1024

        wait_for(stalled, timeout=20, what="router memory stable")
        assert samples[-1] - rss_before < 16 * 1024 * 1024
        total = 0
        while chunk := sock.recv(1 << 20):
            total += len(chunk)
    assert total > 32 * 1024 * 1024


def _backend_paused(daemon: DaemonTracker, port: int) -> bool:
    """True once the response has been in flight for a while (the client is not reading)."""
    stats = daemon.client.stats(port)
    return stats is not None and stats.backends[0].in_flight == 1 and stats.backends[0].latency_counts != ()


def test_client_leaving_mid_request_frees_the_backend_connection(daemon: DaemonTracker, uvicorns: Any) -> None:
    a = uvicorns("A")
    port = free_port()
    route(daemon, port, [a.backend()])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"GET /slow/5 HTTP/1.1\r\nHost: x\r\n\r\n")
        wait_for(lambda: (daemon.client.stats(port) or _gone()).backends[0].in_flight == 1, what="in flight")
    wait_for(lambda: (daemon.client.stats(port) or _gone()).backends[0].in_flight == 0, what="freed")
    wait_for(lambda: (daemon.client.stats(port) or _gone()).backends[0].open_connections == 0, what="closed")


def _gone() -> Any:
    raise AssertionError("route vanished")
