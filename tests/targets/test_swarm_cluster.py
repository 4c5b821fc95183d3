"""The two-node swarm fixture really is two nodes: tasks spread, answer at their node's address, roll with no gap.

Raw Docker SDK only (no shipmate code), so the fixture is proved on its own before the Swarm target uses it.
"""

from __future__ import annotations

import http.client
import json
import subprocess
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from docker.types import EndpointSpec, RollbackConfig, ServiceMode, UpdateConfig
from tests.docker_images import HELLO_PORT, HELLO_REPO, hello_image
from tests.swarm_cluster import SwarmCluster

REPLICAS = 4
SECOND = 1_000_000_000  # the API counts durations in nanoseconds
CONVERGE_TIMEOUT_S = 40.0
SAMPLE_EVERY_S = 0.2
TERMINAL = {"completed", "paused", "rollback_completed", "rollback_paused"}

Endpoint = tuple[str, int]


@pytest.fixture(scope="module")
def images(swarm_cluster: SwarmCluster) -> dict[str, str]:
    """hello:1 and hello:2 built on the manager and loaded into the worker."""
    tags = {}
    for version in ("1", "2"):
        hello_image(swarm_cluster.manager.client, version)
        tags[version] = f"{HELLO_REPO}:{version}"
        swarm_cluster.load_image(tags[version])
    return tags


@pytest.fixture
def service(swarm_cluster: SwarmCluster, images: dict[str, str]) -> Iterator[Any]:
    created = swarm_cluster.manager.client.services.create(
        images["1"], name=f"shipmate-cl-{uuid.uuid4().hex[:8]}",
        mode=ServiceMode("replicated", replicas=REPLICAS),
        endpoint_spec=EndpointSpec(ports=[{"Protocol": "tcp", "TargetPort": HELLO_PORT, "PublishMode": "host"}]),
        stop_signal="SIGINT", stop_grace_period=2 * SECOND,
        update_config=UpdateConfig(parallelism=1, delay=0, order="start-first", failure_action="rollback",
                                   monitor=1 * SECOND),
        rollback_config=RollbackConfig(parallelism=0, order="stop-first"))
    yield created
    created.remove()


def endpoints(cluster: SwarmCluster, service: Any, running_only: bool = True) -> dict[Endpoint, str]:
    """(host, published port) -> node id of each task that has a published port."""
    found = {}
    for task in service.tasks():
        if running_only and (task["Status"]["State"] != "running" or task["DesiredState"] != "running"):
            continue
        for port in task["Status"].get("PortStatus", {}).get("Ports", []):
            found[(cluster.host_for(task["NodeID"]), port["PublishedPort"])] = task["NodeID"]
    return found


def version_at(endpoint: Endpoint) -> str | None:
    """The version the hello app reports at ``endpoint``, or None when it does not answer 200."""
    conn = http.client.HTTPConnection(*endpoint, timeout=3.0)   # a loaded CI machine is slow, not down
    try:
        conn.request("GET", "/")
        response = conn.getresponse()
        body = response.read()
        return str(json.loads(body)["version"]) if response.status == 200 else None
    except (OSError, http.client.HTTPException, ValueError, KeyError):
        return None
    finally:
        conn.close()


def wait_serving(cluster: SwarmCluster, service: Any, version: str) -> dict[Endpoint, str]:
    deadline = time.monotonic() + CONVERGE_TIMEOUT_S
    while time.monotonic() < deadline:
        found = endpoints(cluster, service)
        if len(found) == REPLICAS and all(version_at(ep) == version for ep in found):
            return found
        time.sleep(SAMPLE_EVERY_S)
    raise AssertionError(f"{REPLICAS} tasks of version {version} not serving after {CONVERGE_TIMEOUT_S}s: {found}")


def listeners(output: str) -> set[str]:
    return {line.split()[3] for line in output.splitlines() if line.strip()}


def test_replicas_spread_over_both_nodes_and_answer_at_their_node_address(
        swarm_cluster: SwarmCluster, service: Any) -> None:
    serving = wait_serving(swarm_cluster, service, "1")

    per_node = {node.node_id: sum(1 for n in serving.values() if n == node.node_id) for node in swarm_cluster.nodes}
    assert sorted(per_node.values()) == [2, 2], per_node  # Swarm's spread strategy on two equal nodes
    # A task on another node is reached at that node's swarm address (what a router reads from the node).
    worker_node = swarm_cluster.manager.client.nodes.get(swarm_cluster.worker.node_id)
    assert worker_node.attrs["Status"]["Addr"] == swarm_cluster.worker.publish_host
    on_host = listeners(subprocess.run(["ss", "-ltnH"], capture_output=True, text=True, check=True).stdout)
    in_netns = listeners(swarm_cluster.run_in_netns(["ss", "-ltnH"]))
    for (host, port), node_id in serving.items():
        if node_id == swarm_cluster.manager.node_id:  # loopback only: nothing on 0.0.0.0, [::] or the veth
            assert host == "127.0.0.1" and f"127.0.0.1:{port}" in on_host
            assert not {f"0.0.0.0:{port}", f"[::]:{port}", f"*:{port}"} & on_host, on_host
        else:
            assert host == swarm_cluster.worker.address and f"{host}:{port}" in in_netns, in_netns


def test_start_first_rolling_update_keeps_every_replica_answering_across_nodes(
        swarm_cluster: SwarmCluster, service: Any, images: dict[str, str]) -> None:
    known = dict(wait_serving(swarm_cluster, service, "1"))
    service.reload()
    service.update(image=images["2"])

    floor, samples, state = REPLICAS, 0, None
    started = time.monotonic()
    deadline = started + CONVERGE_TIMEOUT_S
    while time.monotonic() < deadline:
        known.update(endpoints(swarm_cluster, service, running_only=False))  # a new task is known before it serves
        answering = sum(1 for ep in known if version_at(ep) is not None)
        floor, samples = min(floor, answering), samples + 1
        service.reload()
        state = (service.attrs.get("UpdateStatus") or {}).get("State")
        if state in TERMINAL:
            break
        time.sleep(SAMPLE_EVERY_S)

    print(f"rolling update: {state} after {time.monotonic() - started:.1f}s, at least {floor} of {REPLICAS} "
          f"tasks answering over {samples} samples")
    assert state == "completed", service.attrs.get("UpdateStatus")
    assert floor >= REPLICAS, f"only {floor} tasks answered at the worst of {samples} samples"
    final = wait_serving(swarm_cluster, service, "2")
    # Placement during a start-first update counts the old task still running: 3 + 1 happens, 4 + 0 must not.
    assert set(final.values()) == {swarm_cluster.manager.node_id, swarm_cluster.worker.node_id}
