"""Host plumbing of the swarm test cluster: commands, a free address block, mounts, and the host state to restore.

Each cluster writes what it created into ``<workdir>/state.json`` as it goes, so a later session can
undo a cluster whose pytest was killed before its teardown (``reap_abandoned``). Only processes whose
command line names a cluster's own directory are ever signalled.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

CMD_TIMEOUT_S = 20.0
WORKDIR_PREFIX = "shipmate-sw-"
HOST_PATHS = ("/etc/docker/key.json", "/etc/docker", "/run/docker/plugins", "/run/docker",
              "/run/containerd/s", "/run/containerd")  # what dockerd creates outside its own directories
BLOCK_TRIES = 64  # random 10.x.y.0/24 blocks tried before giving up


class ClusterUnavailableError(Exception):
    """The sandbox cannot host the cluster (not root, a tool missing, no netns): skip, or fail when required."""


def run(argv: list[str], check: bool = True) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=CMD_TIMEOUT_S, check=False)
    if check and done.returncode != 0:
        raise RuntimeError(f"`{' '.join(argv)}` failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return done.stdout


def check_prerequisites() -> None:
    if os.geteuid() != 0:
        raise ClusterUnavailableError("a second dockerd in a network namespace needs root")
    for tool in ("ip", "nsenter", "unshare", "dockerd", "ss"):
        if shutil.which(tool) is None:
            raise ClusterUnavailableError(f"`{tool}` is not installed (apt-get install iproute2 util-linux docker.io)")
    try:
        import docker  # noqa: F401
    except ImportError as exc:
        raise ClusterUnavailableError("the docker SDK is not installed (make install)") from exc


def pick_block() -> ipaddress.IPv4Network:
    """A random private 10.x.y.0/24 that no host address or route overlaps."""
    used = []
    for line in run(["ip", "-4", "-o", "addr", "show"]).splitlines() + run(["ip", "-4", "route"]).splitlines():
        for word in line.split():
            if "/" in word and word[0].isdigit():
                with contextlib.suppress(ValueError):
                    used.append(ipaddress.ip_network(word, strict=False))
    for _ in range(BLOCK_TRIES):
        raw = uuid.uuid4().bytes
        block = ipaddress.ip_network(f"10.{100 + raw[0] % 150}.{raw[1]}.0/24")
        if not any(block.overlaps(net) for net in used):
            return block
    raise RuntimeError("no free 10.x.y.0/24 block for the cluster's veth and bridges")


def _processes() -> list[tuple[int, bytes, str]]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            with contextlib.suppress(OSError):
                found.append((int(entry.name), (entry / "cmdline").read_bytes(), (entry / "comm").read_text().strip()))
    return found


def any_dockerd_running() -> bool:
    return any(comm == "dockerd" for _, _, comm in _processes())


def kill_processes_mentioning(path: Path) -> None:
    """SIGKILL what still runs from our directory (containerd, shims of a dockerd that had to be killed)."""
    needle = str(path).encode()
    for pid, cmdline, _ in _processes():
        if needle in cmdline:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)


def unmount_under(path: Path) -> None:
    """dockerd leaves ``<exec-root>/netns/default`` (nsfs: it keeps a netns alive) and overlay mounts behind."""
    prefix = str(path).rstrip("/") + "/"
    with open("/proc/self/mounts") as mounts:
        points = [line.split()[1] for line in mounts]
    for point in sorted((p for p in points if p.startswith(prefix)), key=len, reverse=True):
        if subprocess.run(["umount", point], capture_output=True, timeout=CMD_TIMEOUT_S).returncode != 0:
            subprocess.run(["umount", "-l", point], capture_output=True, timeout=CMD_TIMEOUT_S)


class HostRecord:
    """What the cluster created so far, kept on disk; ``undo_all`` reverses it (also from another session)."""

    def __init__(self, workdir: Path) -> None:
        self.path = workdir / "state.json"
        self.state: dict[str, Any] = {"owner": os.getpid(), "netns": None, "links": [], "dockerd_pids": [],
                                      "paths_before": [p for p in HOST_PATHS if os.path.lexists(p)],
                                      "ip_forward": Path("/proc/sys/net/ipv4/ip_forward").read_text()}
        self.save()

    def save(self) -> None:
        self.path.write_text(json.dumps(self.state))

    def add(self, key: str, value: Any) -> None:
        if isinstance(self.state[key], list):
            self.state[key].append(value)
        else:
            self.state[key] = value
        self.save()


def _alive(pid: int) -> bool:
    """Running, not a zombie waiting for a parent that may never reap it."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def undo_host_state(workdir: Path, state: dict[str, Any]) -> None:
    """Stop leftover dockerds of ``workdir``, unmount, delete netns/links, restore /run and /etc/docker."""
    for pid in state["dockerd_pids"]:
        with contextlib.suppress(OSError):
            if str(workdir).encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(pid) for pid in state["dockerd_pids"]):
        time.sleep(0.05)
    kill_processes_mentioning(workdir)
    unmount_under(workdir)
    if state["netns"]:
        run(["ip", "netns", "del", state["netns"]], check=False)
    for link in state["links"]:
        run(["ip", "link", "del", link], check=False)
    if any_dockerd_running():
        return _remove_workdir(workdir)  # another engine may use /run/docker, /run/containerd, key.json, ip_forward
    forward = Path("/proc/sys/net/ipv4/ip_forward")
    if forward.read_text() != state["ip_forward"]:  # --ip-forward=false should keep it; a safety net
        forward.write_text(state["ip_forward"])
    for p in HOST_PATHS:
        if p not in state["paths_before"] and os.path.lexists(p):
            with contextlib.suppress(OSError):
                (os.rmdir if os.path.isdir(p) and not os.path.islink(p) else os.unlink)(p)
    _remove_workdir(workdir)


def _remove_workdir(workdir: Path) -> None:
    shutil.rmtree(workdir, ignore_errors=True)


def reap_abandoned() -> list[str]:
    """Undo clusters whose owning pytest died before its teardown (SIGKILL, OOM); their directory names."""
    reaped = []
    for workdir in Path(tempfile.gettempdir()).glob(f"{WORKDIR_PREFIX}*"):
        try:
            state = json.loads((workdir / "state.json").read_text())
        except (OSError, ValueError):
            continue
        if Path(f"/proc/{state['owner']}").exists():
            continue  # a live session (maybe another worker's) still owns it
        undo_host_state(workdir, state)
        reaped.append(workdir.name)
    return reaped


def traces_of(tag: str) -> list[str]:
    """Everything on the host that still names cluster ``tag``: links, netns, directories, mounts, processes."""
    found = [f"link {line.split()[0]}" for line in run(["ip", "-o", "link"]).splitlines()
             if f"smsw{tag}" in line.split(":")[1]]
    found += [f"netns {name}" for name in run(["ip", "netns", "list"]).split() if name == f"{WORKDIR_PREFIX}{tag}"]
    workdirs = list(Path(tempfile.gettempdir()).glob(f"{WORKDIR_PREFIX}{tag}-*"))
    found += [f"dir {path}" for path in workdirs]
    with open("/proc/self/mounts") as mounts:
        found += [f"mount {line.split()[1]}" for line in mounts if f"/{WORKDIR_PREFIX}{tag}-" in line.split()[1]]
    found += [f"process {pid} {comm}" for pid, cmdline, comm in _processes()
              if f"/{WORKDIR_PREFIX}{tag}-".encode() in cmdline]
    return found
