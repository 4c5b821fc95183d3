"""Hypothesis throws request bytes at a live router: it never crashes, and a well-behaved client
next to the fuzzed one always gets its own response."""

from __future__ import annotations

import itertools
import json
import socket
from typing import Any

from http_support import read_all, route
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from router_support import DaemonTracker, free_port

TOKENS = [b"GET", b"POST", b"HEAD", b"PUT", b"OPTIONS", b"CONNECT", b"G\x00T", b"", b" ", b"/", b"/headers",
          b"HTTP/1.1", b"HTTP/1.0", b"HTTP/2.0", b"\r\n", b"\n", b"\r", b":", b"Host: x", b"Content-Length: 5",
          b"Content-Length: -1", b"Transfer-Encoding: chunked", b"Transfer-Encoding: gzip, chunked",
          b"Connection: close", b"Connection: upgrade", b"Upgrade: websocket", b"Expect: 100-continue",
          b"X-Shipmate-Route: canary", b"0\r\n\r\n", b"5\r\nhello\r\n", b"hello", b"\xff\xfe", b"\t"]

fuzz_bytes = st.one_of(
    st.binary(max_size=400),
    st.lists(st.sampled_from(TOKENS), max_size=30).map(b"".join),
    st.lists(st.one_of(st.sampled_from(TOKENS), st.binary(max_size=8)), max_size=30).map(b"".join).map(
        lambda tail: b"GET /headers HTTP/1.1\r\nHost: x\r\n" + tail),
)

_ids = itertools.count()


def test_fuzzed_requests_never_crash_the_router_or_mix_responses(daemon: DaemonTracker, uvicorns: Any) -> None:
    a = uvicorns("A")
    port = free_port()
    route(daemon, port, [a.backend()], head_timeout_s=2, response_timeout_s=5)
    pid = daemon.client.ensure_daemon()

    @settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(fuzz_bytes)
    def check(data: bytes) -> None:
        ident = f"id-{next(_ids)}"
        seen.append(data)
        with socket.create_connection(("127.0.0.1", port), timeout=10) as fuzzed:
            fuzzed.sendall(data)
            fuzzed.shutdown(socket.SHUT_WR)
            with socket.create_connection(("127.0.0.1", port), timeout=10) as good:
                good.sendall(f"GET /headers HTTP/1.1\r\nHost: x\r\nX-Id: {ident}\r\nConnection: close\r\n\r\n"
                             .encode())
                reply = read_all(good)
            fuzz_reply = read_all(fuzzed)
        head, _, body = reply.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200"), reply
        assert json.loads(body)["x-id"] == ident
        assert ident.encode() not in fuzz_reply
        if fuzz_reply:
            assert fuzz_reply.startswith(b"HTTP/1.1 "), fuzz_reply

    seen: list[bytes] = []
    check()
    assert len(seen) >= 100
    assert daemon.client.ensure_daemon() == pid
    stats = daemon.client.stats(port)
    assert stats is not None and stats.backends[0].in_flight == 0
