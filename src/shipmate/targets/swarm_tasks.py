"""Swarm tasks as shipmate sees them: which run, where (this node is 127.0.0.1, another node its address), on
which published port, of which version, and which failed and why. Reads only; never changes a task."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shipmate.model import LOCAL_HOST, InstanceRef
from shipmate.targets.base import Seen
from shipmate.targets.docker_engine import engine_errors
from shipmate.targets.swarm_spec_build import HASH_LABEL, LABEL

if TYPE_CHECKING:
    from docker import DockerClient

FAILED_STATES = ("failed", "rejected")


@dataclass(frozen=True)
class Nodes:
    """The node this client's engine is, and every node's address, looked up once per poll."""

    local_id: str
    addresses: dict[str, str]

    def host_of(self, node_id: str) -> str:
        if not node_id or node_id == self.local_id:
            return LOCAL_HOST
        return self.addresses.get(node_id) or LOCAL_HOST


def api(client: DockerClient) -> Any:
    """The SDK's low-level client: its swarm calls (services, tasks, secrets) take and give the API's own dicts."""
    return client.api


def nodes(client: DockerClient) -> Nodes:
    with engine_errors("list the swarm's nodes"):
        local = str(((client.info() or {}).get("Swarm") or {}).get("NodeID") or "")
        found = {str(n["ID"]): str((n.get("Status") or {}).get("Addr") or "") for n in api(client).nodes()}
    return Nodes(local, found)


def tasks_of(client: DockerClient, service_id: str) -> list[dict[str, Any]]:
    """Every task Swarm still remembers for the service (running, starting, and its history)."""
    from docker.errors import NotFound

    with engine_errors(f"list the tasks of service {service_id[:12]}"):
        try:
            return list(api(client).tasks(filters={"service": service_id}))
        except NotFound:
            return []


def container_labels(task: dict[str, Any]) -> dict[str, str]:
    return dict(((task.get("Spec") or {}).get("ContainerSpec") or {}).get("Labels") or {})


def task_hash(task: dict[str, Any]) -> str:
    return str(container_labels(task).get(HASH_LABEL) or "")


def task_version(task: dict[str, Any]) -> str:
    return str(container_labels(task).get(f"{LABEL}.version") or "")


def task_state(task: dict[str, Any]) -> str:
    return str((task.get("Status") or {}).get("State") or "")


def is_running(task: dict[str, Any]) -> bool:
    """Running and meant to keep running (an old task being stopped by an update gets no new traffic)."""
    return task_state(task) == "running" and task.get("DesiredState") == "running"


def published_port(task: dict[str, Any]) -> int:
    """The host port Swarm gave the task (host mode: Status.PortStatus; we publish one), 0 before it has one."""
    for port in ((task.get("Status") or {}).get("PortStatus") or {}).get("Ports") or ():
        if port.get("PublishMode") == "host" and int(port.get("PublishedPort") or 0) > 0:
            return int(port["PublishedPort"])
    return 0


def container_id(task: dict[str, Any]) -> str:
    return str(((task.get("Status") or {}).get("ContainerStatus") or {}).get("ContainerID") or "")


def ref_of(task: dict[str, Any], where: Nodes) -> InstanceRef:
    """A task as an instance: its id, its published port, and a handle only the swarm target reads (but
    ``host``, which every layer may read: the router and the probes reach the task there)."""
    labels = container_labels(task)
    node_id = str(task.get("NodeID") or "")
    handle = {"task_id": str(task["ID"]), "container_id": container_id(task), "node_id": node_id,
              "host": where.host_of(node_id), "service_id": str(task.get("ServiceID") or ""),
              "version": labels.get(f"{LABEL}.version", ""), "home_id": labels.get(f"{LABEL}.home", ""),
              "deployment_id": labels.get(f"{LABEL}.deployment_id", "")}
    return InstanceRef(instance_id=str(task["ID"]), port=published_port(task), handle=handle)


def seen(tasks: list[dict[str, Any]], where: Nodes) -> list[Seen]:
    """The running tasks (every version) that have a port, oldest first, as the engine syncs the router to them."""
    running = [t for t in tasks if is_running(t) and published_port(t) > 0]
    running.sort(key=lambda t: str(t.get("CreatedAt") or ""))
    return [Seen(ref=ref_of(t, where), version=task_version(t)) for t in running]


def failed_of(tasks: list[dict[str, Any]], spec_hash: str) -> list[dict[str, Any]]:
    """Tasks of ``spec_hash`` that failed or were rejected, newest first."""
    failed = [t for t in tasks if task_hash(t) == spec_hash and task_state(t) in FAILED_STATES]
    failed.sort(key=lambda t: str(t.get("UpdatedAt") or ""), reverse=True)
    return failed


def why(task: dict[str, Any]) -> str:
    """A task's own account of its failure: Status.Err, else its message and exit code."""
    status = task.get("Status") or {}
    code = (status.get("ContainerStatus") or {}).get("ExitCode")
    said = str(status.get("Err") or status.get("Message") or task_state(task))
    return f"task {str(task.get('ID', ''))[:12]}: {said}" + (f" (exit code {code})" if code else "")


def pending_reason(tasks: list[dict[str, Any]], spec_hash: str) -> str:
    """Why a task of ``spec_hash`` is not running yet ("no suitable node ..."), or ""."""
    for task in tasks:
        if task_hash(task) == spec_hash and task.get("DesiredState") == "running" and task_state(task) != "running":
            status = task.get("Status") or {}
            return str(status.get("Err") or status.get("Message") or task_state(task))
    return ""
