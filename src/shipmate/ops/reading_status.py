"""status: each environment's current release, its instances as their targets see them, and what is in progress."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from shipmate.ops.common.reading import (
    deployment_view,
    files_view,
    needs_care,
    service_and_envs,
    take_care,
    targets_by_kind,
)
from shipmate.ops.common.workspace import Workspace

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


def status(spec_file: str | None, *, environment: str | None = None) -> dict[str, Any]:
    from shipmate.store.sqlite_reader import SqliteReader

    ws = Workspace.locate(spec_file)
    service, envs = service_and_envs(ws, environment)
    store = SqliteReader.open(ws.home)  # stdlib sqlite3: status is called in loops, keep it fast
    if store is not None and needs_care(store, ws):
        store.close()
        take_care(ws)
        store = SqliteReader.open(ws.home)
    out: dict[str, Any] = {"service": service, "home": str(ws.home), "environments": []}
    if store is None:
        out["environments"] = [{"environment": e, "current": None, "serving": False, "instances": []} for e in envs]
        return out
    try:
        from shipmate.release_config import ReleaseConfig

        active = {(d.service, d.environment): d for d in store.active_deployments()}
        targets = targets_by_kind()
        for env in envs:
            entry: dict[str, Any] = {"environment": env, "current": None, "serving": False}
            cur = store.current(service, env)
            dep = active.get((service, env))
            entry["instances"] = _instances_view(store, targets, service, env, cur.release_id if cur else None, dep)
            if cur is not None:
                rel = store.get_release(cur.release_id)
                config = ReleaseConfig.from_dict(rel.spec) if rel else None
                live = sum(1 for i in entry["instances"] if i["role"] == "current" and i["alive"])
                entry["current"] = {
                    "version": rel.version if rel else None, "release_id": cur.release_id,
                    "deployment_id": cur.deployment_id, "since": cur.updated_at,
                    "replicas": config.replicas if config else None, "live": live,
                    "port": config.port if config else None,
                    **files_view(config, look_inside=True),
                }
                entry["serving"] = bool(config and live and _answers(config.port))
            entry["deployment_in_progress"] = None if dep is None else {
                "deployment_id": dep.id, "state": str(dep.state), "kind": dep.kind}
            last = store.deployments(service, env, limit=1)
            entry["last_deployment"] = deployment_view(store, last[0]) if last else None
            out["environments"].append(entry)
        return out
    finally:
        store.close()


def _role(row: InstanceRow, current_release: str | None, deploying: DeploymentRow | None) -> str:
    """new: started by the deployment in progress for the release it brings (a forced redeploy of the
    current release included); current: the current release's (restored replicas included); old: the rest."""
    if deploying is not None and row.deployment_id == deploying.id and row.release_id == deploying.release_id:
        return "new"
    return "current" if row.release_id == current_release else "old"


def _instances_view(store: SqliteReader | Store, targets: Callable[[str], Target], service: str, env: str,
                    current_release: str | None, deploying: DeploymentRow | None) -> list[dict[str, Any]]:
    """Each live instance as its target sees it now, with its role: current, new (in-progress deploy) or old."""
    from shipmate.engine.context import ref_of
    from shipmate.errors import ShipmateError

    versions: dict[str, str | None] = {}
    out: list[dict[str, Any]] = []
    for row in store.instances(service, env, live_only=True):
        if row.release_id not in versions:
            rel = store.get_release(row.release_id)
            versions[row.release_id] = rel.version if rel else None
        try:
            seen = targets(row.target_kind).inspect(ref_of(row).handle)
            alive, pid = seen.alive, seen.pid or row.pid
        except ShipmateError:
            alive, pid = False, row.pid   # cannot look (unknown kind, access denied): not shown as serving
        out.append({"instance_id": row.instance_id, "version": versions[row.release_id], "port": row.port,
                    "host": row.host, "pid": pid, "status": row.status, "alive": alive,
                    "role": _role(row, current_release, deploying)})
    return out


