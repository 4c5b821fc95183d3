"""What one Swarm task is and says: its state from the task (any node), its output from its container when it runs
on this node, else from the task-scoped lines of the service logs API; CPU and memory only for a local container."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shipmate.targets.base import InstanceState, LastOutput, Usage
from shipmate.targets.docker_engine import container_usage, engine_errors, listening_in, quietly
from shipmate.targets.swarm_tasks import api

if TYPE_CHECKING:
    from docker import DockerClient
    from docker.models.containers import Container

LOG_DETAILS = "com.docker.swarm."     # the service logs API prefixes each line with these attributes


def task_of(client: DockerClient, handle: dict[str, Any]) -> dict[str, Any] | None:
    task_id = str(handle.get("task_id") or "")
    if not task_id:
        return None
    with engine_errors(f"inspect task {task_id[:12]}"):
        found: dict[str, Any] | None = quietly(lambda: dict(api(client).inspect_task(task_id)), None)
    return found


def local_container(client: DockerClient, handle: dict[str, Any]) -> Container | None:
    """The task's container when this engine has it (a task on another node has none here)."""
    container_id = str(handle.get("container_id") or "")
    if not container_id:
        task = task_of(client, handle) or {}
        container_id = str(((task.get("Status") or {}).get("ContainerStatus") or {}).get("ContainerID") or "")
    if not container_id:
        return None
    with engine_errors(f"inspect container {container_id[:12]}"):
        found: Container | None = quietly(lambda: client.containers.get(container_id), None)
    return found


def exit_status_of(task: dict[str, Any]) -> str | None:
    status = task.get("Status") or {}
    if status.get("State") in ("running", "new", "pending", "assigned", "accepted", "preparing", "starting"):
        return None
    code = (status.get("ContainerStatus") or {}).get("ExitCode")
    if code is not None and (code or status.get("State") in ("complete", "failed", "shutdown")):
        return f"exited with code {int(code)}"      # as the docker target says it (Err repeats the code)
    err = f" ({status['Err']})" if status.get("Err") else ""
    return f"{status.get('State')}{err}"


def state_of(client: DockerClient, handle: dict[str, Any]) -> InstanceState:
    task = task_of(client, handle)
    short = str(handle.get("task_id") or "?")[:12]
    if task is None:
        return InstanceState(alive=False, state="gone", detail=f"task {short} is gone")
    status = task.get("Status") or {}
    state = str(status.get("State") or "")
    pid = int((status.get("ContainerStatus") or {}).get("PID") or 0) or None
    if state == "running":
        desired = task.get("DesiredState")
        container = local_container(client, handle) if desired in ("remove", "shutdown") else None
        if desired in ("remove", "shutdown") and _local(client, task) and (
                container is None or container.status != "running"):
            # Swarm reports a removed service's task as running until its agent catches up; the container is
            # gone, or stopped and not yet removed.
            return InstanceState(alive=False, state="gone", detail=f"task {short} stopped (desired {desired}; "
                                 "its container is gone)")
        return InstanceState(alive=True, state="running", pid=pid, detail=f"task {short} running "
                             f"(desired {desired})")
    ended = exit_status_of(task)
    if ended is None:
        return InstanceState(alive=False, state="gone", detail=f"task {short} {state}, not running yet")
    return InstanceState(alive=False, state="exited", exit_status=ended, detail=f"task {short} {ended}")


def _local(client: DockerClient, task: dict[str, Any]) -> bool:
    """Does ``task`` run on this engine's node (where a missing container means it really ended)?"""
    node = quietly(lambda: str((client.info().get("Swarm") or {}).get("NodeID") or ""), "")
    return bool(node) and task.get("NodeID") == node


def log_lines(client: DockerClient, handle: dict[str, Any], tail: int, timestamps: bool) -> list[str]:
    """The task's last ``tail`` non-empty lines: its local container's log, else the service logs API."""
    if tail <= 0:
        return []
    container = local_container(client, handle)
    if container is not None:
        with engine_errors(f"read the log of {container.short_id}"):
            raw: bytes = quietly(lambda: container.logs(stdout=True, stderr=True, tail=tail,
                                                        timestamps=timestamps), b"")
        return [line for line in raw.decode("utf-8", "replace").splitlines() if line.strip()][-tail:]
    return service_log_lines(client, handle, tail, timestamps)


def service_log_lines(client: DockerClient, handle: dict[str, Any], tail: int, timestamps: bool) -> list[str]:
    """The task's lines from the service logs API (works for a task on any node), without the task attributes."""
    service_id, task_id = str(handle.get("service_id") or ""), str(handle.get("task_id") or "")
    if not service_id or not task_id:
        return []
    with engine_errors(f"read the logs of task {task_id[:12]}"):
        chunks = quietly(lambda: api(client).service_logs(service_id, details=True, stdout=True, stderr=True,
                                                         tail=tail, timestamps=timestamps), None)
        text = b"".join(chunks).decode("utf-8", "replace") if chunks is not None else ""
    lines: list[str] = []
    for line in text.splitlines():
        stamp, _, rest = line.partition(" ") if timestamps else ("", "", line)
        details, _, message = rest.partition(" ")
        if details.startswith(LOG_DETAILS) and f"task.id={task_id}" in details and message.strip():
            lines.append(f"{stamp} {message}" if timestamps else message)
    return lines[-tail:]


def last_output_of(client: DockerClient, handle: dict[str, Any], lines: int) -> LastOutput:
    task = task_of(client, handle)
    ended = exit_status_of(task) if task is not None else None
    said = log_lines(client, handle, lines, timestamps=False) if lines > 0 else []
    return LastOutput(lines=said[-lines:] if lines > 0 else [], exit_status=ended)


def usage_of(client: DockerClient, handle: dict[str, Any]) -> Usage | None:
    """Docker stats of the task's container on this node; None elsewhere or once it stopped."""
    return container_usage(local_container(client, handle))


def ports_listening(client: DockerClient, handle: dict[str, Any], port: int) -> list[int]:
    """[port] once the app listens inside its local container (the engine's proxy holds the host port at once);
    for a running task on another node we cannot look, so its published port is trusted."""
    container = local_container(client, handle)
    if container is None:
        task = task_of(client, handle) or {}
        running = (task.get("Status") or {}).get("State") == "running"
        return [port] if running and port > 0 and str(handle.get("host") or "127.0.0.1") != "127.0.0.1" else []
    state = container.attrs.get("State") or {}
    if not state.get("Running") or port <= 0:
        return []
    published = (container.attrs.get("NetworkSettings") or {}).get("Ports") or {}
    inside = {int(spec.split("/")[0]) for spec, binds in published.items()
              for b in binds or () if str(b.get("HostPort")) == str(port)}
    listening = listening_in(int(state.get("Pid") or 0))
    if listening is None:                 # cannot look into its namespace: trust the engine
        return [port]
    return [port] if inside & listening else []
