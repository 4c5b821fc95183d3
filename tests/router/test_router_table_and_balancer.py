"""Pure parts of the router: the route table's formats, the weighted choice, the retired-backend window."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from pathlib import Path

import pytest

from shipmate.router.balancer import Balancer
from shipmate.router.route_state import KEEP_RETIRED, RouteState
from shipmate.router.table import Route, TableError, load_table, save_table
from shipmate.traffic import Backend, RouteStats


def test_v2_table_round_trips_and_v1_entries_become_one_tcp_backend(tmp_path: Path) -> None:
    path = tmp_path / "routes.json"
    route = Route(8080, "web", "prod", mode="http", hold_s=3.0, sticky=True, fencing=7,
                  backends=(Backend("127.0.0.1", 9001, 90, "v1", "i1"),
                            Backend("127.0.0.1", 9002, 10, "v2", "i2", "canary")))
    save_table(path, {8080: route})
    assert json.loads(path.read_text())["version"] == 2
    assert load_table(path) == {8080: route}
    path.write_text(json.dumps({"version": 1, "routes": [
        {"port": 8081, "backend_host": "127.0.0.1", "backend_port": 9003, "service": "web",
         "environment": "prod", "instance_id": "old"}]}))
    [v1] = load_table(path).values()
    assert (v1.mode, v1.fencing, v1.backends) == ("tcp", 0, (Backend("127.0.0.1", 9003, 100, "", "old"),))


@pytest.mark.parametrize("raw", [
    {"port": 0, "backends": []},
    {"port": 80, "mode": "udp", "backends": []},
    {"port": 80, "backends": [{"port": 70000}]},
    {"port": 80, "backends": [{"port": 81, "weight": -1}]},
    {"port": 80, "backends": [{"port": 81}, {"port": 81}]},
])
def test_invalid_routes_are_refused(raw: dict[str, object]) -> None:
    with pytest.raises(TableError):
        Route.from_dict(raw)


def test_smooth_weighted_round_robin_is_exact_and_skips_weight_0() -> None:
    balancer = Balancer(["a", "b", "c"], {"a": 3, "b": 1, "c": 0}.__getitem__)
    picks = Counter(balancer.pick() for _ in range(400))
    assert picks == Counter({"a": 300, "b": 100})
    assert balancer.pick(lambda item: item != "a") == "b"
    assert balancer.pick(lambda item: item == "c") is None
    assert Balancer([], lambda item: 1).pick() is None


def test_retired_backends_stay_counted_until_drained_and_the_last_ones_after() -> None:
    async def scenario() -> None:
        state = RouteState(8080)
        for index in range(KEEP_RETIRED + 5):
            state.apply(Route(8080, "web", "prod", backends=(Backend("127.0.0.1", 9000 + index),)))
            if index == 0:
                state.members[0].metrics.in_flight = 1  # still busy when it is retired
        stats = RouteStats.from_dict(state.stats())
        assert [b.member for b in stats.backends][:1] == [True]
        retired = [b.address for b in stats.backends if not b.member]
        assert "127.0.0.1:9000" in retired  # busy: kept whatever its age
        assert len(retired) == KEEP_RETIRED + 1
        state.stop()

    asyncio.run(scenario())


def test_route_header_from_a_non_loopback_peer_needs_the_router_token() -> None:
    from shipmate.router.http_proxy import HttpClient

    async def scenario() -> None:
        client = HttpClient(RouteState(8080, token="s3cret"))
        assert client._token_ok(b"s3cret") and not client._token_ok(b"guess") and not client._token_ok(b"")
        assert not HttpClient(RouteState(8080, token=""))._token_ok(b"")

    asyncio.run(scenario())
