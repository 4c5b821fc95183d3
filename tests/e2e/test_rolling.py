"""Rolling deploys of many replicas through the real router: no lost request, and the availability
floor and surge ceiling hold at every instant an outside observer can see."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import pytest

from tests.e2e.cli_project import Project
from tests.e2e.real_servers import SERVERS, rolling_block, write_server_spec
from tests.e2e.strategy_runs import (
    LONG_TIMEOUT_S,
    ZERO_DOWNTIME_SERVERS,
    deploys_under_load,
    failing_release_under_load,
)
from tests.waiting import wait_until


@dataclass
class Census:
    """Counts a project's instances every ``every_s`` in a background thread: how many run, how many answer."""

    project: Project
    path: str = "/health"
    every_s: float = 0.1
    samples: list[tuple[float, int, int]] = field(default_factory=list)   # (at, running, answering)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> Census:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=15)

    def _run(self) -> None:
        deadline = time.monotonic() + 900
        while not self._stop.is_set() and time.monotonic() < deadline:
            began = time.monotonic()
            running, answering = self.project.census(self.path)
            self.samples.append((began, running, answering))
            self._stop.wait(max(0.0, began + self.every_s - time.monotonic()))

    @property
    def fewest_answering(self) -> int:
        return min(s[2] for s in self.samples)

    @property
    def most_running(self) -> int:
        return max(s[1] for s in self.samples)

    @property
    def longest_gap_s(self) -> float:
        times = [s[0] for s in self.samples]
        return max(b - a for a, b in itertools.pairwise(times))


@pytest.mark.slow
@pytest.mark.timeout(LONG_TIMEOUT_S)
@pytest.mark.parametrize("server", ZERO_DOWNTIME_SERVERS)
def test_ten_rolling_deploys_of_three_replicas_under_keepalive_load_lose_no_request(
        project: Project, server: str, record_property: Callable[[str, object], None]) -> None:
    spec = SERVERS[server]
    write_server_spec(project, spec, strategy="rolling", replicas=3, monitor="1s", drain="2s",
                      extra=rolling_block(max_unavailable=1, max_surge=1))

    def rolled_in_batches(out: dict[str, Any]) -> None:
        done = [s["name"] for s in out["steps"] if s["status"] == "ok"]
        assert done.count("add_backends") >= 2, f"not rolled in batches: {done}"

    deploys_under_load(project, spec, record_property, rolled_in_batches, replicas=3)


@pytest.mark.slow
def test_rolling_release_failing_40_percent_of_real_requests_is_rolled_back_to_all_replicas(
        project: Project) -> None:
    app = SERVERS["sample-app"]
    write = partial(write_server_spec, project, app, strategy="rolling", replicas=3, monitor="10s",
                    interval="200ms", drain="2s", extra=rolling_block(max_unavailable=1, max_surge=1))
    details = failing_release_under_load(project, write)
    verdict = details["verdict"]
    assert verdict["phase"] == "fail" and verdict["decided_by"] == "router.error_rate", verdict
    env = project.json("status")["environments"][0]
    assert env["current"]["version"] == "v1" and env["current"]["live"] == 3, env
    current = project.current_instances()
    assert len(current) == 3 and all(i["alive"] and i["version"] == "v1" for i in current), current
    wait_until(lambda: project.census("/health") == (3, 3), 15, "exactly the 3 restored replicas to run")


@pytest.mark.slow
@pytest.mark.timeout(LONG_TIMEOUT_S)
@pytest.mark.parametrize(("max_unavailable", "max_surge", "updates"), [(1, 1, 20), (1, 0, 5), (0, 1, 5)],
                         ids=["unavailable1-surge1", "unavailable1-surge0", "unavailable0-surge1"])
def test_rolling_updates_of_four_replicas_keep_the_floor_and_the_ceiling(
        project: Project, max_unavailable: int, max_surge: int, updates: int,
        record_property: Callable[[str, object], None]) -> None:
    replicas = 4
    write_server_spec(project, SERVERS["sample-app"], strategy="rolling", replicas=replicas, monitor="1s",
                      drain="1s", extra=rolling_block(max_unavailable=max_unavailable, max_surge=max_surge))
    project.json("deploy", "--version", "v0")
    wait_until(lambda: project.census("/health") == (replicas, replicas), 20, "all first replicas answering")
    with Census(project, "/health") as census:
        for n in range(1, updates + 1):
            out = project.json("deploy", "--version", f"v{n}")
            assert out["state"] == "succeeded", out
    seen = (f"{len(census.samples)} samples, fewest answering {census.fewest_answering}, "
            f"most running {census.most_running}, longest gap between samples {census.longest_gap_s:.2f}s")
    record_property("census", seen)
    assert len(census.samples) >= 10 * updates, seen
    assert census.fewest_answering >= replicas - max_unavailable, seen
    assert census.most_running <= replicas + max_surge, seen
    assert project.census("/health") == (replicas, replicas)


def test_status_lists_every_replica_of_the_current_release(project: Project) -> None:
    write = partial(write_server_spec, project, SERVERS["sample-app"], strategy="rolling", replicas=3,
                    monitor="1s", drain="1s")
    write()
    project.json("deploy", "--version", "v1")
    project.json("deploy", "--version", "v2")
    wait_until(lambda: project.census("/health") == (3, 3), 15, "the old replicas to be stopped")
    env = project.json("status")["environments"][0]
    assert env["current"]["version"] == "v2" and env["current"]["replicas"] == 3 and env["current"]["live"] == 3
    current = project.current_instances()
    assert len(current) == 3, env["instances"]
    assert all(i["version"] == "v2" and i["alive"] and i["status"] == "running" for i in current), current
    ports = {i["port"] for i in current}
    assert len(ports) == 3 and len({i["instance_id"] for i in current}) == 3
    assert ports == set(_leader_ports(project)), "status names other ports than the live processes'"
    assert not [i for i in env["instances"] if i["alive"] and i["role"] != "current"], env["instances"]
    text = project.run("status").stdout
    for inst in current:
        row = next((line for line in text.splitlines() if str(inst["port"]) in line), "")
        assert "v2" in row and "current" in row and str(inst["pid"]) in row, f"no row for {inst}:\n{text}"


def _leader_ports(project: Project) -> list[int]:
    return [int(p.environ()["PORT"]) for p in project.instance_apps()]
