"""status: each environment's current release, its instances as their targets see them, and what is in progress."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shipmate.ops.common.reading import (
    deployment_record,
    files_view,
    open_reader_reconciled,
    service_and_envs,
    targets_by_kind,
)
from shipmate.ops.common.workspace import Workspace
from shipmate.ops.results.status import (
    CurrentRelease,
    DeploymentInProgress,
    EnvironmentStatus,
    InstanceStatus,
    NeverDeployedEnvironment,
    StatusResult,
    Supervisor,
)

if TYPE_CHECKING:
    from shipmate.store.rows import CurrentRow, DeploymentRow, InstanceRow, ReleaseRow
    from shipmate.store.sqlite_reader import SqliteReader


def _answers(port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout):
            return True
    except OSError:
        return False


def status(spec_file: str | None, *, environment: str | None = None) -> StatusResult:
    ws = Workspace.locate(spec_file)
    service, envs = service_and_envs(ws, environment)
    store = open_reader_reconciled(ws)  # stdlib sqlite3: status is called in loops, keep it fast
    if store is None:
        return StatusResult(service, str(ws.home), [NeverDeployedEnvironment(e) for e in envs], never_deployed=True)
    environments: list[EnvironmentStatus | NeverDeployedEnvironment] = []
    try:
        seen = status_rows(store, service, envs)
    finally:
        store.close()
    from shipmate.ops.common.instance_view import artifact_hash, instances_view, members
    from shipmate.ops.deploying_files import files_in_place
    from shipmate.release_config import ReleaseConfig

    targets = targets_by_kind()
    only_files = True
    for env in envs:
        cur, last = seen.current[env], seen.last[env]
        dep = seen.active.get((service, env))
        rel = seen.releases.get(cur.release_id) if cur is not None else None
        config = ReleaseConfig.from_dict(rel.spec) if rel else None
        routable = config is not None and targets(config.target_kind).capabilities.routable
        file_set = config is not None and targets(config.target_kind).capabilities.file_set
        only_files = only_files and (cur is None or file_set)
        in_route = members(ws.traffic_router(), config.port) if config and routable else None
        instances = [InstanceStatus(**item) for item in instances_view(
            seen.instances[env], seen.releases, targets, cur.release_id if cur else None, dep, in_route)]
        current, serving = None, False
        if cur is not None:
            live = sum(1 for i in instances if i.role == "current" and i.alive)
            current = CurrentRelease(
                version=rel.version if rel else None, artifact=artifact_hash(rel), release_id=cur.release_id,
                deployment_id=cur.deployment_id, since=cur.updated_at,
                replicas=config.replicas if config else None, live=live, port=config.port if config else None,
                **files_view(config, look_inside=True))
            serving = files_in_place(ws, config) if config and file_set else \
                bool(config and live and _answers(config.port))
        in_progress = None if dep is None else DeploymentInProgress(dep.id, str(dep.state), dep.kind)
        environments.append(EnvironmentStatus(
            environment=env, current=current, serving=serving, instances=instances,
            deployment_in_progress=in_progress,
            last_deployment=deployment_record(seen.releases.get(last.release_id), last) if last else None))
    # Files releases have nothing to supervise: no "a crash stays down" warning about them.
    return StatusResult(service, str(ws.home), environments,
                        supervisor=None if only_files else _supervisor(seen.serve_owner))


@dataclass(frozen=True)
class StatusRows:
    """What status reads from the store, per environment, as of one moment."""
    active: dict[tuple[str, str], DeploymentRow]
    current: dict[str, CurrentRow | None]
    instances: dict[str, list[InstanceRow]]   # the live ones
    last: dict[str, DeploymentRow | None]
    releases: dict[str, ReleaseRow]   # of the current pointers, the instances and the last deployments
    serve_owner: dict[str, Any] | None


def status_rows(store: SqliteReader, service: str, envs: list[str]) -> StatusRows:
    """status's reads in one snapshot: one consistent view (an instance and the pointer naming its release
    agree) and one transaction; the targets and the router are asked afterwards, with no transaction open."""
    from shipmate.ops.common.instance_view import SERVE_LOCK

    with store.snapshot():
        active = {(d.service, d.environment): d for d in store.active_deployments()}
        # A service's pointers and live instances in one statement each, not one per environment.
        pointers = {c.environment: c for c in store.all_current() if c.service == service}
        current = {env: pointers.get(env) for env in envs}
        live = store.instances(service, None, live_only=True)
        instances = {env: [row for row in live if row.environment == env] for env in envs}
        last = {env: next(iter(store.deployments(service, env, limit=1)), None) for env in envs}
        wanted = [r.release_id for r in [*current.values(), *last.values()] if r is not None]
        wanted += [i.release_id for rows in instances.values() for i in rows]
        releases = store.releases_by_id(wanted)
        owner = store.live_lock_owner(SERVE_LOCK)
    return StatusRows(active, current, instances, last, releases, owner)


def _supervisor(owner: dict[str, Any] | None) -> Supervisor:
    if owner is not None:
        return Supervisor(True, pid=owner.get("pid"), command=owner.get("command"))
    return Supervisor(False, message="nothing supervises this home: a crash stays down until the next deploy",
                      hint="start `shipmate serve` (foreground), or install `shipmate serve --systemd` as a unit")
