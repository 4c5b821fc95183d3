"""A two-node Docker Swarm of its own for multi-node tests: a manager dockerd on the host, a worker in a netns.

Nothing here touches the shared test engine at DOCKER_HOST. The worker runs in a network namespace joined
to the host by a veth pair (addresses chosen here), started with ``nsenter --net`` because ``ip netns exec``
remounts /sys and dockerd then fails with "Devices cgroup isn't mounted". Host-mode published ports bind
127.0.0.1 on the manager (dockerd --ip) and the worker's veth address inside its namespace. Every step
registers its undo before the next one runs, so a setup that fails half-way still leaves the host as found.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import pytest

from tests.engines import REQUIRE_ENV, required_engines
from tests.swarm_host import (
    WORKDIR_PREFIX,
    ClusterUnavailableError,
    HostRecord,
    check_prerequisites,
    pick_block,
    reap_abandoned,
    run,
    traces_of,
    undo_host_state,
)

READY_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 30.0
JOIN_TIMEOUT_S = 30.0
SWARM_PORT = 2377
# Both engines: no iptables rules and no ip_forward change on the host; published ports go through
# docker-proxy (userland proxy), which is what binds them to --ip.
COMMON_DOCKERD_FLAGS = ("--iptables=false", "--ip-forward=false", "--userland-proxy=true")


@dataclass(frozen=True)
class SwarmNode:
    """One engine of the cluster: where to reach its API, and where its published ports answer."""

    role: str            # "manager" | "worker"
    url: str             # DOCKER_HOST for this engine (unix socket)
    client: Any          # docker.DockerClient
    node_id: str
    address: str         # the node's swarm (veth) address
    publish_host: str    # where the host reaches this node's host-mode published ports


@dataclass
class SwarmCluster:
    """Manager + worker joined in one swarm; ``host_for(node_id)`` says where a task's published port answers."""

    manager: SwarmNode
    worker: SwarmNode
    netns: str
    workdir: Path
    setup_seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def nodes(self) -> tuple[SwarmNode, SwarmNode]:
        return (self.manager, self.worker)

    def host_for(self, node_id: str) -> str:
        for node in self.nodes:
            if node.node_id == node_id:
                return node.publish_host
        raise KeyError(f"node {node_id} is not part of this cluster")

    def load_image(self, tag: str) -> float:
        """Copy an image from the manager to the worker (save | load through the SDK); seconds it took."""
        started = time.monotonic()
        with tempfile.TemporaryFile(dir=self.workdir) as spool:
            for chunk in self.manager.client.images.get(tag).save(named=True):
                spool.write(chunk)
            spool.seek(0)
            self.worker.client.api.load_image(spool, quiet=True)
        self.worker.client.images.get(tag)  # raises ImageNotFound when the load did not take
        return time.monotonic() - started

    def run_in_netns(self, argv: list[str]) -> str:
        """Run a command inside the worker's network namespace (e.g. ``ss -ltn``); its stdout."""
        return run(["nsenter", f"--net=/run/netns/{self.netns}", *argv])


class _Builder:
    """Creates the cluster step by step; ``undo`` holds the inverse of every step already done."""

    def __init__(self, undo: contextlib.ExitStack, tag: str) -> None:
        self.undo = undo
        self.netns = f"{WORKDIR_PREFIX}{tag}"
        self.host_veth, self.ns_veth = f"smsw{tag}a", f"smsw{tag}b"
        self.bridge, self.gwbridge = f"smsw{tag}br", f"smsw{tag}gw"  # interface names stay under 16 chars
        self.workdir = Path(tempfile.mkdtemp(prefix=f"{WORKDIR_PREFIX}{tag}-"))
        self.record = HostRecord(self.workdir)
        undo.callback(lambda: undo_host_state(self.workdir, self.record.state))  # runs last at teardown
        self.timings: dict[str, float] = {}

    def make_network(self) -> tuple[str, str, str, str]:
        """netns + veth pair + the manager's bridge; returns host addr, worker addr, gwbridge subnet + gateway."""
        block = pick_block()
        veth, bridge_net, gw_net = list(block.subnets(new_prefix=26))[:3]
        host_addr, worker_addr = str(veth[1]), str(veth[2])
        for link in (self.host_veth, self.bridge, self.gwbridge):  # recorded first: a crash still removes them
            self.record.add("links", link)
        self.record.add("netns", self.netns)
        try:
            run(["ip", "netns", "add", self.netns])
            run(["ip", "link", "add", self.host_veth, "type", "veth", "peer", "name", self.ns_veth])
        except RuntimeError as exc:
            raise ClusterUnavailableError(f"no network namespace or veth here: {exc}") from exc
        run(["ip", "link", "set", self.ns_veth, "netns", self.netns])
        run(["ip", "addr", "add", f"{host_addr}/{veth.prefixlen}", "dev", self.host_veth])
        run(["ip", "link", "set", self.host_veth, "up"])
        inside = ["nsenter", f"--net=/run/netns/{self.netns}", "ip"]
        run([*inside, "addr", "add", f"{worker_addr}/{veth.prefixlen}", "dev", self.ns_veth])
        run([*inside, "link", "set", self.ns_veth, "up"])
        run([*inside, "link", "set", "lo", "up"])
        # The manager's own bridge: the shared engine's docker0/shipmate-dk0 stay untouched.
        run(["ip", "link", "add", self.bridge, "type", "bridge"])
        run(["ip", "addr", "add", f"{bridge_net[1]}/{bridge_net.prefixlen}", "dev", self.bridge])
        run(["ip", "link", "set", self.bridge, "up"])
        return host_addr, worker_addr, str(gw_net), str(gw_net[1])

    def start_dockerd(self, role: str, prefix: list[str], extra: list[str]) -> tuple[str, Any]:
        import docker

        root = self.workdir / role
        root.mkdir()
        url = f"unix://{root}/docker.sock"
        argv = [*prefix, "dockerd", "--data-root", str(root / "data"), "--exec-root", str(root / "exec"),
                "--pidfile", str(root / "docker.pid"), "-H", url, *COMMON_DOCKERD_FLAGS, *extra]
        started = time.monotonic()
        with (root / "dockerd.log").open("wb") as log:
            process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                       start_new_session=True)
        self.record.add("dockerd_pids", process.pid)  # nsenter, unshare and sh exec: the pid stays dockerd's
        self.undo.callback(_stop_dockerd, process, url)
        deadline = started + READY_TIMEOUT_S
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{role} dockerd exited ({process.returncode}): {_log_tail(root)}")
            with contextlib.suppress(docker.errors.DockerException):
                client = docker.DockerClient(base_url=url, timeout=60)  # asks the server for its API version
                self.undo.callback(client.close)
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"{role} dockerd did not answer within {READY_TIMEOUT_S}s: {_log_tail(root)}")
            time.sleep(0.05)
        self.timings[f"{role}_dockerd_ready"] = round(time.monotonic() - started, 2)
        return url, client


def _log_tail(root: Path) -> str:
    with contextlib.suppress(OSError):
        return " | ".join((root / "dockerd.log").read_text(errors="replace").splitlines()[-8:])
    return "(no log)"


def _stop_dockerd(process: subprocess.Popen[bytes], url: str) -> None:
    """SIGTERM (containers removed first, so their shims and proxies go too); SIGKILL after STOP_TIMEOUT_S."""
    if process.poll() is not None:
        return
    with contextlib.suppress(Exception):
        import docker

        client = docker.DockerClient(base_url=url, timeout=15)
        for container in client.containers.list(ignore_removed=True, all=True):
            container.remove(force=True)
        client.close()
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT_S)


def _wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


def _ready_nodes(client: Any) -> int:
    return sum(1 for node in client.nodes.list() if node.attrs["Status"]["State"] == "ready")


def build_cluster(undo: contextlib.ExitStack, tag: str | None = None,
                  worker_flags: tuple[str, ...] = ()) -> SwarmCluster:
    """Create the two-node swarm; every undo step is pushed on ``undo`` before the step it reverts runs.

    ``tag`` (6 hex digits, random by default) names the netns, links and directory; ``worker_flags`` are
    extra dockerd flags for the worker (tests use a bad one to fail the setup half-way).
    """
    check_prerequisites()
    reap_abandoned()
    started = time.monotonic()
    b = _Builder(undo, tag or uuid.uuid4().hex[:6])
    host_addr, worker_addr, gw_subnet, gw_gateway = b.make_network()

    manager_url, manager = b.start_dockerd("manager", [], ["--bridge", b.bridge, "--ip", "127.0.0.1"])
    # Swarm's docker_gwbridge would take that fixed name on the host (the shared engine may own it): create
    # it first under an interface name of our own.
    manager.networks.create("docker_gwbridge", driver="bridge", options={
        "com.docker.network.bridge.name": b.gwbridge,
        "com.docker.network.bridge.enable_icc": "false",
        "com.docker.network.bridge.enable_ip_masquerade": "false",
    }, ipam={"Config": [{"Subnet": gw_subnet, "Gateway": gw_gateway}]})
    mark = time.monotonic()
    undo.callback(_leave, manager)
    manager.swarm.init(advertise_addr=host_addr, listen_addr=f"{host_addr}:{SWARM_PORT}", data_path_addr=host_addr)
    _wait_for(lambda: bool(manager.networks.list(names=["ingress"])), 10, "the ingress network")
    for network in manager.networks.list(names=["ingress"]):
        network.remove()  # no IPVS here; it would only open a VXLAN socket on 0.0.0.0:4789
    b.timings["swarm_init"] = round(time.monotonic() - mark, 2)

    worker_prefix = ["nsenter", f"--net=/run/netns/{b.netns}", "unshare", "--uts", "--",
                     "sh", "-c", f'hostname "{b.netns}-w" && exec "$@"', "dockerd"]
    worker_url, worker = b.start_dockerd("worker", worker_prefix, ["--ip", worker_addr, *worker_flags])
    token = manager.swarm.attrs["JoinTokens"]["Worker"]
    mark = time.monotonic()
    undo.callback(_leave, worker)
    worker.swarm.join(remote_addrs=[f"{host_addr}:{SWARM_PORT}"], join_token=token,
                      advertise_addr=worker_addr, listen_addr=f"{worker_addr}:{SWARM_PORT}")
    _wait_for(lambda: _ready_nodes(manager) == 2, JOIN_TIMEOUT_S, "the worker to be ready in the swarm")
    b.timings["worker_join"] = round(time.monotonic() - mark, 2)
    undo.callback(_remove_services, manager)  # runs first at teardown: tasks stop before the swarm is left

    manager_id = manager.info()["Swarm"]["NodeID"]
    worker_id = worker.info()["Swarm"]["NodeID"]
    return SwarmCluster(
        manager=SwarmNode("manager", manager_url, manager, manager_id, host_addr, "127.0.0.1"),
        worker=SwarmNode("worker", worker_url, worker, worker_id, worker_addr, worker_addr),
        netns=b.netns, workdir=b.workdir, setup_seconds=round(time.monotonic() - started, 2), timings=b.timings)


def _leave(client: Any) -> None:
    with contextlib.suppress(Exception):  # an engine that already died has nothing to leave
        client.swarm.leave(force=True)


def _remove_services(client: Any) -> None:
    for service in client.services.list():
        service.remove()


@contextlib.contextmanager
def swarm_cluster_running(tag: str | None = None, worker_flags: tuple[str, ...] = ()) -> Iterator[SwarmCluster]:
    """The cluster for a ``with`` block; torn down (host restored) on exit, also when setup failed."""
    with contextlib.ExitStack() as undo:
        yield build_cluster(undo, tag, worker_flags)


@pytest.fixture(scope="session")
def swarm_cluster() -> Iterator[SwarmCluster]:
    """A two-node swarm of the session's own; skips without root/ip/nsenter/dockerd (fails under REQUIRE)."""
    tag = uuid.uuid4().hex[:6]
    try:
        with swarm_cluster_running(tag) as cluster:
            yield cluster
    except ClusterUnavailableError as exc:
        cluster_unavailable(exc)
    left = traces_of(tag)
    assert not left, f"the swarm cluster's teardown left these on the host: {left}"


def cluster_unavailable(exc: ClusterUnavailableError) -> NoReturn:
    """Skip with the reason, or fail when SHIPMATE_REQUIRE lists docker (CI never goes green by skipping)."""
    if "docker" in required_engines():
        pytest.fail(f"docker is required ({REQUIRE_ENV}={os.environ.get(REQUIRE_ENV)}) but the swarm cluster "
                    f"cannot run: {exc}", pytrace=False)
    pytest.skip(f"swarm cluster: {exc}")
