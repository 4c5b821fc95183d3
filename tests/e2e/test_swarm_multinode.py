"""shipmate on a two-node swarm (a manager on this host, a worker in a network namespace the test made): a rolling
update of 4 replicas through the router spreads over both nodes, never has fewer than 4 tasks answering, and
loses no request; the router reaches the worker's tasks at the worker's address."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from tests.docker_images import HELLO_REPO, hello_image
from tests.e2e.cli_project import Project
from tests.e2e.load import Load
from tests.e2e.swarm_project import remove_services, swarm_spec
from tests.swarm_cluster import SwarmCluster
from tests.targets.test_swarm_cluster import endpoints, version_at

REPLICAS = 4
SAMPLE_EVERY_S = 0.2
SERVICE = "hello-multi"


class Floor:
    """Samples, every 0.2 s while a deploy runs, how many of the service's tasks answer at their node address."""

    def __init__(self, cluster: SwarmCluster, service_name: str) -> None:
        self.cluster, self.service_name = cluster, service_name
        self.samples: list[int] = []
        self.nodes_seen: set[str] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Floor:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        client = self.cluster.manager.client
        while not self._stop.is_set():
            found = client.services.list(filters={"name": self.service_name})
            if found:
                serving = endpoints(self.cluster, found[0])
                answering = [node for ep, node in serving.items() if version_at(ep) is not None]
                self.samples.append(len(answering))
                self.nodes_seen |= set(answering)
            self._stop.wait(SAMPLE_EVERY_S)


@pytest.fixture
def cluster_project(project: Project, swarm_cluster: SwarmCluster) -> Iterator[dict[str, str]]:
    """The project talks to the cluster's manager; hello:1 and :2 are on both nodes."""
    tags = {}
    for version in ("1", "2"):
        hello_image(swarm_cluster.manager.client, version)
        tags[version] = f"{HELLO_REPO}:{version}"
        swarm_cluster.load_image(tags[version])
    project.env["DOCKER_HOST"] = swarm_cluster.manager.url
    yield tags
    remove_services(swarm_cluster.manager.client, project)


def test_rolling_update_of_four_replicas_over_two_nodes_keeps_the_floor_and_every_request(
        project: Project, swarm_cluster: SwarmCluster, cluster_project: dict[str, str]) -> None:
    swarm_spec(project, SERVICE, "1", image=cluster_project["1"], replicas=REPLICAS)
    first = project.json("deploy", timeout=240)
    assert first["state"] == "succeeded", first
    hosts = {i.get("host") for i in project.json("status")["environments"][0]["instances"]}
    assert hosts == {"127.0.0.1", swarm_cluster.worker.publish_host}, hosts   # tasks on both nodes

    swarm_spec(project, SERVICE, "2", image=cluster_project["2"], replicas=REPLICAS)
    started = time.monotonic()
    with Load(project.port) as load, Floor(swarm_cluster, f"shipmate-{SERVICE}-default") as floor:
        second = project.json("deploy", timeout=240)
    record = load.stop()
    assert second["state"] == "succeeded", second
    assert len(floor.samples) >= 10, f"sampled {len(floor.samples)} times in {time.monotonic() - started:.1f}s"
    assert min(floor.samples) >= REPLICAS, floor.samples          # start-first: never below the floor
    assert floor.nodes_seen == {n.node_id for n in swarm_cluster.nodes}
    assert record.total > 50 and record.failures() == [], (record.total, record.failures()[:5])
    versions = {project.get("/")["version"] for _ in range(12)}
    assert versions == {"2"}
    current = [i for i in project.json("status")["environments"][0]["instances"] if i["role"] == "current"]
    assert len(current) == REPLICAS and {i["host"] for i in current} == {"127.0.0.1",
                                                                          swarm_cluster.worker.publish_host}
