"""A two-node Docker Swarm of its own for multi-node tests: a manager dockerd on the host, a worker in a netns.

Nothing here touches the shared test engine at DOCKER_HOST. The worker runs in a network namespace joined
to the host by a veth pair (addresses chosen here), started with ``nsenter --net`` because ``ip netns exec``
remounts /sys and dockerd then fails with "Devices cgroup isn't mounted". Host-mode published ports bind
127.0.0.1 on the manager (dockerd --ip) and the worker's veth address inside its namespace. Every step
registers its undo before the next one runs, so a setup that fails half-way still leaves the host as found.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.engines import REQUIRE_ENV, required_engines

READY_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 30.0
JOIN_TIMEOUT_S = 30.0
CMD_TIMEOUT_S = 20.0
SWARM_PORT = 2377
HOST_PATHS = ("/etc/docker/key.json", "/etc/docker", "/run/docker/plugins", "/run/docker",
              "/run/containerd/s", "/run/containerd")  # what dockerd creates outside its own directories
BASE_CANDIDATES = 64  # random 10.x.y.0/24 blocks tried before giving up


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
        return _run(["nsenter", f"--net=/run/netns/{self.netns}", *argv])


class ClusterUnavailable(Exception):
    """A prerequisite (root, ip, nsenter, dockerd, the SDK) is missing: skip, or fail under SHIPMATE_REQUIRE."""


def _run(argv: list[str], check: bool = True) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=CMD_TIMEOUT_S, check=False)
    if check and done.returncode != 0:
        raise RuntimeError(f"`{' '.join(argv)}` failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return done.stdout


def _check_prerequisites() -> None:
    if os.geteuid() != 0:
        raise ClusterUnavailable("a second dockerd in a network namespace needs root")
    for tool in ("ip", "nsenter", "unshare", "dockerd"):
        if shutil.which(tool) is None:
            raise ClusterUnavailable(f"`{tool}` is not installed (apt-get install iproute2 util-linux docker.io)")
    try:
        import docker  # noqa: F401
    except ImportError as exc:
        raise ClusterUnavailable("the docker SDK is not installed (make install)") from exc


def _used_networks() -> list[ipaddress.IPv4Network]:
    used = []
    for line in _run(["ip", "-4", "-o", "addr", "show"]).splitlines() + _run(["ip", "-4", "route"]).splitlines():
        for word in line.split():
            if "/" in word and word[0].isdigit():
                with contextlib.suppress(ValueError):
                    used.append(ipaddress.ip_network(word, strict=False))
    return used


def _pick_block() -> ipaddress.IPv4Network:
    """A random private 10.x.y.0/24 that no host address or route overlaps."""
    used = _used_networks()
    for _ in range(BASE_CANDIDATES):
        raw = uuid.uuid4().bytes
        block = ipaddress.ip_network(f"10.{100 + raw[0] % 150}.{raw[1]}.0/24")
        if not any(block.overlaps(net) for net in used):
            return block
    raise RuntimeError("no free 10.x.y.0/24 block for the cluster's veth and bridges")


def _other_dockerd_running(mine: set[int]) -> bool:
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) not in mine:
            with contextlib.suppress(OSError):
                if (entry / "comm").read_text().strip() == "dockerd":
                    return True
    return False


def _pids_mentioning(path: Path) -> list[int]:
    """Processes whose command line names our directory: our dockerds' containerd and shims, never anyone else's."""
    needle = str(path).encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            with contextlib.suppress(OSError):
                if needle in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
    return found


def _mounts_under(path: Path) -> list[str]:
    prefix = str(path).rstrip("/") + "/"
    with open("/proc/self/mounts") as mounts:
        points = [line.split()[1] for line in mounts]
    return sorted((p for p in points if p.startswith(prefix) or p == str(path)), key=len, reverse=True)


def _unmount_under(path: Path) -> None:
    # dockerd leaves <exec-root>/netns/default (an nsfs mount that keeps a netns alive) and overlay mounts.
    for point in _mounts_under(path):
        if subprocess.run(["umount", point], capture_output=True, timeout=CMD_TIMEOUT_S).returncode != 0:
            subprocess.run(["umount", "-l", point], capture_output=True, timeout=CMD_TIMEOUT_S)


class _Builder:
    """Creates the cluster step by step; ``undo`` holds the inverse of every step already done."""

    def __init__(self, undo: contextlib.ExitStack) -> None:
        self.undo = undo
        tag = uuid.uuid4().hex[:6]
        self.netns = f"shipmate-sw-{tag}"
        self.host_veth, self.ns_veth = f"smsw{tag}a", f"smsw{tag}b"
        self.bridge, self.gwbridge = f"smsw{tag}br", f"smsw{tag}gw"  # interface names stay under 16 chars
        self.workdir = Path(tempfile.mkdtemp(prefix=f"shipmate-sw-{tag}-"))
        self.started_pids: set[int] = set()
        self.timings: dict[str, float] = {}

    # ---- host state -------------------------------------------------------------------------------------
    def record_host(self) -> None:
        existing = {p for p in HOST_PATHS if os.path.lexists(p)}
        forward = Path("/proc/sys/net/ipv4/ip_forward").read_text()

        def restore() -> None:
            Path("/proc/sys/net/ipv4/ip_forward").write_text(forward)
            if _other_dockerd_running(set()):
                return  # another engine may use /run/docker, /run/containerd and key.json now
            for p in HOST_PATHS:
                if p not in existing and os.path.lexists(p):
                    with contextlib.suppress(OSError):
                        (os.rmdir if os.path.isdir(p) else os.unlink)(p)

        self.undo.callback(restore)

    def own_workdir(self) -> None:
        def remove() -> None:
            _unmount_under(self.workdir)
            shutil.rmtree(self.workdir, ignore_errors=True)

        self.undo.callback(remove)

    # ---- network ------------------------------------------------------------------------------------------
    def make_network(self) -> tuple[str, str, str, str]:
        block = _pick_block()
        subnets = list(block.subnets(new_prefix=26))
        veth, bridge_net, gw_net = subnets[0], subnets[1], subnets[2]
        host_addr, worker_addr = str(veth[1]), str(veth[2])
        _run(["ip", "netns", "add", self.netns])
        self.undo.callback(_run, ["ip", "netns", "del", self.netns], False)
        _run(["ip", "link", "add", self.host_veth, "type", "veth", "peer", "name", self.ns_veth])
        self.undo.callback(_run, ["ip", "link", "del", self.host_veth], False)
        _run(["ip", "link", "set", self.ns_veth, "netns", self.netns])
        _run(["ip", "addr", "add", f"{host_addr}/{veth.prefixlen}", "dev", self.host_veth])
        _run(["ip", "link", "set", self.host_veth, "up"])
        inside = ["nsenter", f"--net=/run/netns/{self.netns}", "ip"]
        _run([*inside, "addr", "add", f"{worker_addr}/{veth.prefixlen}", "dev", self.ns_veth])
        _run([*inside, "link", "set", self.ns_veth, "up"])
        _run([*inside, "link", "set", "lo", "up"])
        # The manager's own bridge: the shared engine's docker0/shipmate-dk0 stay untouched.
        _run(["ip", "link", "add", self.bridge, "type", "bridge"])
        self.undo.callback(_run, ["ip", "link", "del", self.bridge], False)
        _run(["ip", "addr", "add", f"{bridge_net[1]}/{bridge_net.prefixlen}", "dev", self.bridge])
        _run(["ip", "link", "set", self.bridge, "up"])
        self.undo.callback(_run, ["ip", "link", "del", self.gwbridge], False)  # dockerd leaves it behind
        return host_addr, worker_addr, str(gw_net), str(gw_net[1])

    # ---- engines ------------------------------------------------------------------------------------------
    def start_dockerd(self, role: str, prefix: list[str], extra: list[str]) -> tuple[str, Any]:
        import docker

        root = self.workdir / role
        root.mkdir()
        url = f"unix://{root}/docker.sock"
        argv = [*prefix, "dockerd", "--data-root", str(root / "data"), "--exec-root", str(root / "exec"),
                "--pidfile", str(root / "docker.pid"), "-H", url, "--iptables=false", "--ip-forward=false",
                "--userland-proxy=true", *extra]
        log = (root / "dockerd.log").open("wb")
        started = time.monotonic()
        process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True)
        log.close()
        self.started_pids.add(process.pid)
        self.undo.callback(self._stop_dockerd, process, root)
        deadline = started + READY_TIMEOUT_S
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{role} dockerd exited ({process.returncode}): {self._log_tail(root)}")
            with contextlib.suppress(docker.errors.DockerException):
                client = docker.DockerClient(base_url=url, timeout=60)  # asks the server for its API version
                self.undo.callback(client.close)
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"{role} dockerd did not answer within {READY_TIMEOUT_S}s: {self._log_tail(root)}")
            time.sleep(0.05)
        self.timings[f"{role}_dockerd_ready"] = round(time.monotonic() - started, 2)
        return url, client

    @staticmethod
    def _log_tail(root: Path) -> str:
        with contextlib.suppress(OSError):
            return " | ".join((root / "dockerd.log").read_text(errors="replace").splitlines()[-8:])
        return "(no log)"

    def _stop_dockerd(self, process: subprocess.Popen[bytes], root: Path) -> None:
        if process.poll() is None:
            with contextlib.suppress(Exception):  # containers first, so their shims and proxies go with them
                import docker

                client = docker.DockerClient(base_url=f"unix://{root}/docker.sock", timeout=15)
                for container in client.containers.list(all=True):
                    container.remove(force=True)
                client.close()
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=STOP_TIMEOUT_S)
        for pid in _pids_mentioning(root):  # containerd / shims of a dockerd that had to be killed
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        _unmount_under(root)


def _wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


def _ready_nodes(client: Any) -> int:
    return sum(1 for node in client.nodes.list() if node.attrs["Status"]["State"] == "ready")


def build_cluster(undo: contextlib.ExitStack) -> SwarmCluster:
    """Create the two-node swarm; every undo step is pushed on ``undo`` before the step it reverts runs."""
    _check_prerequisites()
    started = time.monotonic()
    b = _Builder(undo)
    b.record_host()
    b.own_workdir()
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
    undo.callback(lambda: manager.swarm.leave(force=True))
    manager.swarm.init(advertise_addr=host_addr, listen_addr=f"{host_addr}:{SWARM_PORT}", data_path_addr=host_addr)
    _wait_for(lambda: bool(manager.networks.list(names=["ingress"])), 10, "the ingress network")
    for network in manager.networks.list(names=["ingress"]):
        network.remove()  # no IPVS here; it would only open a VXLAN socket on 0.0.0.0:4789
    b.timings["swarm_init"] = round(time.monotonic() - mark, 2)

    worker_prefix = ["nsenter", f"--net=/run/netns/{b.netns}", "unshare", "--uts", "--",
                     "sh", "-c", f'hostname "{b.netns}-w" && exec "$@"', "dockerd"]
    worker_url, worker = b.start_dockerd("worker", worker_prefix, ["--ip", worker_addr])
    token = manager.swarm.attrs["JoinTokens"]["Worker"]
    mark = time.monotonic()
    undo.callback(lambda: worker.swarm.leave(force=True))
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


def _remove_services(client: Any) -> None:
    for service in client.services.list():
        service.remove()


@contextlib.contextmanager
def swarm_cluster_running() -> Iterator[SwarmCluster]:
    """The cluster for a ``with`` block; torn down (host restored) on exit, also when setup failed."""
    with contextlib.ExitStack() as undo:
        yield build_cluster(undo)


@pytest.fixture(scope="session")
def swarm_cluster() -> Iterator[SwarmCluster]:
    """A two-node swarm of the session's own; skips without root/ip/nsenter/dockerd (fails under REQUIRE)."""
    try:
        with swarm_cluster_running() as cluster:
            yield cluster
    except ClusterUnavailable as exc:
        if "docker" in required_engines():
            pytest.fail(f"docker is required ({REQUIRE_ENV}={os.environ.get(REQUIRE_ENV)}) but {exc}", pytrace=False)
        pytest.skip(f"swarm cluster: {exc}")
