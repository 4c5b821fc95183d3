"""status: each environment's current release, its instances as their targets see them, and what is in progress."""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING

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
        from shipmate.ops.common.instance_view import artifact_hash, instances_view, members
        from shipmate.ops.deploying_files import files_in_place
        from shipmate.release_config import ReleaseConfig

        active = {(d.service, d.environment): d for d in store.active_deployments()}
        targets = targets_by_kind()
        only_files = True
        for env in envs:
            cur = store.current(service, env)
            dep = active.get((service, env))
            rel = store.get_release(cur.release_id) if cur is not None else None
            config = ReleaseConfig.from_dict(rel.spec) if rel else None
            routable = config is not None and targets(config.target_kind).capabilities.routable
            file_set = config is not None and targets(config.target_kind).capabilities.file_set
            only_files = only_files and (cur is None or file_set)
            in_route = members(ws.traffic_router(), config.port) if config and routable else None
            instances = [InstanceStatus(**item) for item in instances_view(
                store, targets, service, env, cur.release_id if cur else None, dep, in_route)]
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
            last = store.deployments(service, env, limit=1)
            environments.append(EnvironmentStatus(
                environment=env, current=current, serving=serving, instances=instances,
                deployment_in_progress=in_progress,
                last_deployment=deployment_record(store, last[0]) if last else None))
        # Files releases have nothing to supervise: no "a crash stays down" warning about them.
        return StatusResult(service, str(ws.home), environments,
                            supervisor=None if only_files else _supervisor(store))
    finally:
        store.close()


def _supervisor(store: SqliteReader) -> Supervisor:
    owner = store.live_lock_owner("serve")
    if owner is not None:
        return Supervisor(True, pid=owner.get("pid"), command=owner.get("command"))
    return Supervisor(False, message="nothing supervises this home: a crash stays down until the next deploy",
                      hint="start `shipmate serve` (foreground), or install `shipmate serve --systemd` as a unit")
