"""status: each environment's current release, its instances as their targets see them, and what is in progress."""

from __future__ import annotations

import socket
from collections.abc import Callable
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
)

if TYPE_CHECKING:
    from shipmate.store.rows import DeploymentRow, InstanceRow
    from shipmate.store.sqlite_reader import SqliteReader
    from shipmate.store.store import Store
    from shipmate.targets.base import Target


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
        from shipmate.release_config import ReleaseConfig

        active = {(d.service, d.environment): d for d in store.active_deployments()}
        targets = targets_by_kind()
        for env in envs:
            cur = store.current(service, env)
            dep = active.get((service, env))
            instances = _instances_view(store, targets, service, env, cur.release_id if cur else None, dep)
            current, serving = None, False
            if cur is not None:
                rel = store.get_release(cur.release_id)
                config = ReleaseConfig.from_dict(rel.spec) if rel else None
                live = sum(1 for i in instances if i.role == "current" and i.alive)
                current = CurrentRelease(
                    version=rel.version if rel else None, release_id=cur.release_id,
                    deployment_id=cur.deployment_id, since=cur.updated_at,
                    replicas=config.replicas if config else None, live=live, port=config.port if config else None,
                    **files_view(config, look_inside=True))
                serving = bool(config and live and _answers(config.port))
            in_progress = None if dep is None else DeploymentInProgress(dep.id, str(dep.state), dep.kind)
            last = store.deployments(service, env, limit=1)
            environments.append(EnvironmentStatus(
                environment=env, current=current, serving=serving, instances=instances,
                deployment_in_progress=in_progress,
                last_deployment=deployment_record(store, last[0]) if last else None))
        return StatusResult(service, str(ws.home), environments)
    finally:
        store.close()


def _role(row: InstanceRow, current_release: str | None, deploying: DeploymentRow | None) -> str:
    """new: started by the deployment in progress for the release it brings (a forced redeploy of the
    current release included); current: the current release's (restored replicas included); old: the rest."""
    if deploying is not None and row.deployment_id == deploying.id and row.release_id == deploying.release_id:
        return "new"
    return "current" if row.release_id == current_release else "old"


def _instances_view(store: SqliteReader | Store, targets: Callable[[str], Target], service: str, env: str,
                    current_release: str | None, deploying: DeploymentRow | None) -> list[InstanceStatus]:
    """Each live instance as its target sees it now, with its role: current, new (in-progress deploy) or old."""
    from shipmate.engine.context import ref_of
    from shipmate.errors import ShipmateError

    versions: dict[str, str | None] = {}
    out: list[InstanceStatus] = []
    for row in store.instances(service, env, live_only=True):
        if row.release_id not in versions:
            rel = store.get_release(row.release_id)
            versions[row.release_id] = rel.version if rel else None
        try:
            seen = targets(row.target_kind).inspect(ref_of(row).handle)
            alive, pid = seen.alive, seen.pid or row.pid
        except ShipmateError:
            alive, pid = False, row.pid   # cannot look (unknown kind, access denied): not shown as serving
        out.append(InstanceStatus(instance_id=row.instance_id, version=versions[row.release_id], port=row.port,
                                  host=row.host, pid=pid, status=row.status, alive=alive,
                                  role=_role(row, current_release, deploying)))
    return out


