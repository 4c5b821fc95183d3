"""Create or update a Swarm service, then judge *our* change by polling the engine (never a CLI exit code):
an update by UpdateStatus that started after we issued it (only `completed` is success; `rollback_completed`,
`paused` and `rollback_paused` are failures, docker/cli#6752), a create by its tasks of our spec hash running."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from shipmate.targets.base import LastOutput, RolloutReport, Seen
from shipmate.targets.docker_engine import engine_errors
from shipmate.targets.swarm_spec_build import hash_of
from shipmate.targets.swarm_tasks import (
    Nodes,
    api,
    failed_of,
    is_running,
    nodes,
    pending_reason,
    published_port,
    ref_of,
    seen,
    task_hash,
    tasks_of,
    why,
)

if TYPE_CHECKING:
    from docker import DockerClient

TICK_S = 0.2
NODES_EVERY_S = 2.0             # node addresses change rarely: look again this often
CREATE_FAILURES = 2             # a new service's task failing this often (failed/rejected) fails the create
FAILED_UPDATE = ("rollback_completed", "paused", "rollback_paused")


@dataclass(frozen=True)
class Watch:
    """What to wait for: ``service_id`` running ``replicas`` tasks of ``spec_hash``. ``mode`` says how it is
    judged (update: UpdateStatus; created / unchanged: the tasks); ``since`` is the engine's clock when we issued
    the update ("" accepts any update, e.g. one of our spec still running from an interrupted deploy)."""

    service_id: str
    spec_hash: str
    replicas: int
    mode: str                   # update | created | unchanged
    since: float = 0.0


def find_service(client: DockerClient, name: str) -> dict[str, Any] | None:
    """The service called exactly ``name`` (the API's filter matches prefixes), inspected."""
    with engine_errors(f"look up service {name}"):
        for found in api(client).services(filters={"name": name}):
            if (found.get("Spec") or {}).get("Name") == name:
                return dict(found)
    return None


def engine_time(client: DockerClient) -> float:
    """The engine's clock (UpdateStatus times are its own; this machine's clock may differ)."""
    with engine_errors("read the engine's clock"):
        return parse_time(str((client.info() or {}).get("SystemTime") or "")) or time.time()


def parse_time(text: str) -> float:
    """Epoch seconds of a Go RFC 3339 time with nanoseconds; 0.0 when empty or unreadable."""
    if not text or text.startswith("0001-"):
        return 0.0
    text = text.replace("Z", "+00:00")
    head, dot, rest = text.partition(".")
    if dot:
        digits = "".join(ch for ch in rest if ch.isdigit())
        text = f"{head}.{digits[:6]}{rest[len(digits):]}"
    try:
        return datetime.fromisoformat(text).timestamp()
    except ValueError:
        return 0.0


def issue(client: DockerClient, spec: dict[str, Any], existing: dict[str, Any] | None, force: bool = False) -> str:
    """Create the service, or replace the whole spec of ``existing`` at its version index; the service id."""
    fields = {"labels": spec["Labels"], "mode": spec["Mode"], "update_config": spec["UpdateConfig"],
              "rollback_config": spec["RollbackConfig"], "endpoint_spec": spec["EndpointSpec"]}
    template = dict(spec["TaskTemplate"])
    if existing is None:
        with engine_errors(f"create service {spec['Name']}"):
            made = api(client).create_service(template, name=spec["Name"], **fields)
        return str(made["ID"])
    if force:   # the same spec again (a paused update of it): Swarm replaces tasks only when something changes
        current = ((existing.get("Spec") or {}).get("TaskTemplate") or {}).get("ForceUpdate") or 0
        template["ForceUpdate"] = int(current) + 1
    with engine_errors(f"update service {spec['Name']}"):
        api(client).update_service(existing["ID"], int(existing["Version"]["Index"]), task_template=template,
                                  name=spec["Name"], **fields)
    return str(existing["ID"])


def converge(client: DockerClient, watch: Watch, deadline_s: float, on_tick: Callable[[list[Seen]], None],
             output_of: Callable[[dict[str, Any]], LastOutput]) -> RolloutReport:
    """Poll every ~0.2 s until ``watch`` is settled or ``deadline_s`` (seconds from now) passes."""
    deadline = time.monotonic() + deadline_s
    where: Nodes | None = None
    looked = 0.0
    while True:
        if where is None or time.monotonic() - looked > NODES_EVERY_S:
            where, looked = nodes(client), time.monotonic()
        service = _inspect(client, watch.service_id)
        if service is None:
            return RolloutReport(state="failed", ok=False, message="the service was removed while it rolled out")
        tasks = tasks_of(client, watch.service_id)
        on_tick(seen(tasks, where))
        report = _settled(watch, service, tasks, where, output_of)
        if report is not None:
            return report
        if time.monotonic() >= deadline:
            return _timed_out(watch, service, tasks, deadline_s)
        time.sleep(TICK_S)


def _inspect(client: DockerClient, service_id: str) -> dict[str, Any] | None:
    from docker.errors import NotFound

    with engine_errors(f"inspect service {service_id[:12]}"):
        try:
            return dict(api(client).inspect_service(service_id))
        except NotFound:
            return None


def _ours_running(tasks: list[dict[str, Any]], spec_hash: str) -> list[dict[str, Any]]:
    return [t for t in tasks if is_running(t) and task_hash(t) == spec_hash and published_port(t) > 0]


def _settled(watch: Watch, service: dict[str, Any], tasks: list[dict[str, Any]], where: Nodes,
             output_of: Callable[[dict[str, Any]], LastOutput]) -> RolloutReport | None:
    ours = _ours_running(tasks, watch.spec_hash)
    refs = tuple(ref_of(t, where) for t in ours)
    if watch.mode == "update":
        status = service.get("UpdateStatus") or {}
        if parse_time(str(status.get("StartedAt") or "")) < watch.since:
            return None                     # still the previous update's status: ours has not begun
        state, message = str(status.get("State") or ""), str(status.get("Message") or "")
        if state == "completed" and len(ours) >= watch.replicas:
            return RolloutReport(state="completed", ok=True, message=message or "update completed", instances=refs)
        if state in FAILED_UPDATE:
            return _failed(state, message, tasks, watch, where, output_of)
        if state == "completed" and len(failed_of(tasks, watch.spec_hash)) >= CREATE_FAILURES:
            # failure_action: continue (or max_failure_ratio) let a crashing spec "complete": still a failure
            return _failed("failed", "update completed but its tasks keep failing", tasks, watch, where, output_of)
        return None
    if len(ours) >= watch.replicas:
        return RolloutReport(state=watch.mode, ok=True, message=f"{len(ours)} task(s) running", instances=refs)
    failed = failed_of(tasks, watch.spec_hash)
    if len(failed) >= CREATE_FAILURES or any(t.get("Status", {}).get("State") == "rejected" for t in failed):
        return _failed("failed", "the service's tasks keep failing", tasks, watch, where, output_of)
    return None


def _failed(state: str, message: str, tasks: list[dict[str, Any]], watch: Watch, where: Nodes,
            output_of: Callable[[dict[str, Any]], LastOutput]) -> RolloutReport:
    failed = failed_of(tasks, watch.spec_hash)
    said = "; ".join([message or state, *(why(t) for t in failed[:2])])
    output = output_of(ref_of(failed[0], where).handle) if failed else None
    return RolloutReport(state=state, ok=False, message=said, failed_output=output)


def _timed_out(watch: Watch, service: dict[str, Any], tasks: list[dict[str, Any]], deadline_s: float
               ) -> RolloutReport:
    status = service.get("UpdateStatus") or {}
    waiting = pending_reason(tasks, watch.spec_hash) or str(status.get("Message") or status.get("State") or "")
    running = len(_ours_running(tasks, watch.spec_hash))
    message = f"not converged after {deadline_s:g}s: {running}/{watch.replicas} task(s) of the new spec running"
    return RolloutReport(state="timeout", ok=False, message=message + (f"; {waiting}" if waiting else ""))


def current_hash(service: dict[str, Any]) -> str:
    return hash_of((service.get("Spec") or {}).get("Labels"))
