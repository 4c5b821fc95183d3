"""tcp mode through the TrafficRouter API: weights per connection, hold, drain, restore after a crash."""

from __future__ import annotations

import http.client
import os
import signal
import threading
from collections import Counter
from typing import Any

import psutil
from router_support import DaemonTracker, free_port, http_get, wait_for

from shipmate.traffic import Backend, RouteSpec


def _spec(port: int, **options: Any) -> RouteSpec:
    return RouteSpec(port, "web", "prod", mode="tcp", **options)


def test_tcp_connections_are_spread_by_weight(daemon: DaemonTracker, backends: Any) -> None:
    a, b = backends("A"), backends("B")
    port = free_port()
    daemon.client.set_backends(_spec(port), [Backend("127.0.0.1", a.port, weight=3),
                                             Backend("127.0.0.1", b.port, weight=1)], fencing=1)
    seen = Counter(http_get(port) for _ in range(40))
    assert seen == Counter({"A": 30, "B": 10})
    stats = daemon.client.stats(port)
    assert stats is not None and sorted(s.requests for s in stats.backends) == [10, 30]


def test_tcp_connection_waits_for_a_backend_while_the_set_is_empty(daemon: DaemonTracker, backends: Any) -> None:
    a = backends("A")
    port = free_port()
    daemon.client.set_backends(_spec(port, hold_s=20), [], fencing=1)
    got: list[str] = []
    waiter = threading.Thread(target=lambda: got.append(http_get(port)))
    waiter.start()
    wait_for(lambda: (daemon.client.stats(port) or _fail()).held == 1, what="connection held")
    daemon.client.set_backends(_spec(port, hold_s=20), [Backend("127.0.0.1", a.port)], fencing=1)
    waiter.join(timeout=30)
    assert got == ["A"]


def _fail() -> Any:
    raise AssertionError("route vanished")


def test_tcp_drain_waits_for_open_connections_to_the_old_backend(daemon: DaemonTracker, backends: Any) -> None:
    a, b = backends("A"), backends("B")
    port = free_port()
    daemon.client.set_backends(_spec(port), [Backend("127.0.0.1", a.port)], fencing=1)
    kept = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    assert http_get(port, kept) == "A"
    daemon.client.set_backends(_spec(port), [Backend("127.0.0.1", b.port)], fencing=2)
    assert http_get(port) == "B"
    early = daemon.client.drain(port, f"127.0.0.1:{a.port}", timeout_s=0.2)
    assert (early.drained, early.in_flight) == (False, 1)
    kept.close()
    assert daemon.client.drain(port, f"127.0.0.1:{a.port}", timeout_s=20).drained


def test_http_routes_are_restored_with_their_weights_after_sigkill(daemon: DaemonTracker, backends: Any) -> None:
    a, b = backends("A"), backends("B")
    port = free_port()
    daemon.client.set_backends(RouteSpec(port, "web", "prod", hold_s=4.0),
                               [Backend("127.0.0.1", a.port, weight=1), Backend("127.0.0.1", b.port, weight=0,
                                                                              role="canary")], fencing=9)
    old_pid = daemon.client.ensure_daemon()
    os.kill(old_pid, signal.SIGKILL)
    psutil.Process(old_pid).wait(timeout=10)
    daemon.start()
    [route] = daemon.client.routes()
    assert (route["mode"], route["hold_s"], route["fencing"], route["listening"]) == ("http", 4.0, 9, True)
    assert [(x["port"], x["weight"], x["role"]) for x in route["backends"]] == [(a.port, 1, "stable"),
                                                                              (b.port, 0, "canary")]
    assert {http_get(port) for _ in range(5)} == {"A"}
