"""Weighted choice per request, sticky sides, X-Shipmate-Route, and the v1 table still loading."""

from __future__ import annotations

import http.client
import json
from collections import Counter
from typing import Any

from http_support import route
from router_support import DaemonTracker, free_port

from shipmate.router.paths import RouterPaths


def body_of(conn: http.client.HTTPConnection, headers: dict[str, str] | None = None) -> tuple[str, str | None]:
    conn.request("GET", "/", headers=headers or {})
    response = conn.getresponse()
    return response.read().decode(), response.getheader("set-cookie")


def test_a_quarter_of_the_requests_reach_a_canary_at_weight_25(daemon: DaemonTracker, uvicorns: Any) -> None:
    stable, canary = uvicorns("stable"), uvicorns("canary")
    port = free_port()
    route(daemon, port, [stable.backend(weight=75), canary.backend(weight=25, role="canary")])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    seen = Counter(body_of(conn)[0] for _ in range(2000))
    conn.close()
    assert 0.15 <= seen["canary"] / 2000 <= 0.35, seen
    stats = daemon.client.stats(port)
    assert stats is not None
    assert sorted(b.requests for b in stats.backends) == sorted(seen.values())


def test_sticky_cookie_keeps_a_client_on_the_side_it_first_reached(daemon: DaemonTracker, uvicorns: Any) -> None:
    stable, canary = uvicorns("stable"), uvicorns("canary")
    port = free_port()
    route(daemon, port, [stable.backend(weight=50), canary.backend(weight=50, role="canary")], sticky=True)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    sides = set()
    for _ in range(6):
        first, cookie = body_of(conn)
        assert cookie is not None and cookie.startswith(f"shipmate_side={first};")
        sides.add(first)
        jar = cookie.split(";")[0]
        for _ in range(20):
            assert body_of(conn, {"Cookie": f"a=b; {jar}"}) == (first, None)
    conn.close()
    assert sides == {"stable", "canary"}  # new clients still spread by weight


def test_route_header_reaches_a_side_directly_even_at_weight_0(daemon: DaemonTracker, uvicorns: Any) -> None:
    stable, canary = uvicorns("stable"), uvicorns("canary")
    port = free_port()
    route(daemon, port, [stable.backend(weight=100, version="v1"),
                         canary.backend(weight=0, role="canary", version="v2")])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    assert {body_of(conn)[0] for _ in range(20)} == {"stable"}
    assert body_of(conn, {"X-Shipmate-Route": "canary"})[0] == "canary"
    assert body_of(conn, {"X-Shipmate-Route": "v2"})[0] == "canary"
    assert body_of(conn, {"X-Shipmate-Route": "stable"})[0] == "stable"
    conn.close()


def test_router_token_file_is_private(daemon: DaemonTracker) -> None:
    token = RouterPaths.for_home(daemon.state_dir).router_dir / "token"
    assert token.stat().st_mode & 0o777 == 0o600
    assert len(token.read_text().strip()) >= 32


def test_a_v1_route_table_loads_as_one_tcp_backend(tmp_path: Any, runtime_dir: Any, uvicorns: Any) -> None:
    a = uvicorns("A")
    port = free_port()
    paths = RouterPaths.for_home(tmp_path / ".shipmate")
    paths.router_dir.mkdir(parents=True)
    paths.routes_file.write_text(json.dumps({"version": 1, "routes": [{
        "port": port, "backend_host": "127.0.0.1", "backend_port": a.port, "service": "web",
        "environment": "prod", "instance_id": "i1"}]}))
    tracker = DaemonTracker(tmp_path / ".shipmate")
    try:
        tracker.start()
        [saved] = tracker.client.routes()
        assert saved["mode"] == "tcp" and saved["fencing"] == 0 and saved["listening"] is True
        assert saved["backends"] == [{"host": "127.0.0.1", "port": a.port, "weight": 100, "version": "",
                                      "instance_id": "i1", "role": "stable"}]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        assert body_of(conn)[0] == "A"
        conn.close()
    finally:
        tracker.stop_all()
