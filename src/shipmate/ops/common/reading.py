"""What the read-only operations share: the service's environments, a store opened after any crash's
leftovers are reconciled (so what is read is true), one target per kind, a deployment as a row."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shipmate.ops.common.workspace import Workspace, resolve_environment

if TYPE_CHECKING:
    from shipmate.ops.results.deployments import DeploymentRecord
    from shipmate.release_config import ReleaseConfig
    from shipmate.store.rows import InstanceRow, ReleaseRow
    from shipmate.store.sqlite_reader import SqliteReader
    from shipmate.store.store import Store
    from shipmate.targets.base import Target


def service_and_envs(ws: Workspace, environment: str | None) -> tuple[str, list[str]]:
    from shipmate.spec.service_names import read_service_names

    service, declared = read_service_names(ws.spec_path)
    if environment is not None:
        return service, [resolve_environment(declared, environment)]
    return service, declared or ["default"]


def needs_care(reader: SqliteReader | Store, ws: Workspace) -> bool:
    """A crashed deployment waits, or the router died under a live service."""
    crashed, runs_instances = care_signals(reader)
    return crashed or (runs_instances and not ws.traffic_router().is_running())


def care_signals(reader: SqliteReader | Store) -> tuple[bool, bool]:
    """needs_care's reads, in one snapshot: (a crashed deployment waits, a current release runs instances)."""
    from shipmate.engine.instance_releases import current_with_instances

    with reader.snapshot():
        # A deployment whose owner is alive is simply in progress: nothing to reconcile.
        if any(not reader.lock_owner_alive(f"{d.service}/{d.environment}") for d in reader.active_deployments()):
            return True, False
        return False, bool(current_with_instances(reader))


def take_care(ws: Workspace) -> None:
    """Reconcile before answering: what status reports must be true, not a crash's leftovers."""
    from shipmate.ops.common.reconciling import reconcile_all

    store = ws.open_store()
    try:
        reconcile_all(ws.runtime(store))
    finally:
        store.close()


def open_reconciled(ws: Workspace) -> Store | None:
    store = ws.open_store_readonly()
    if store is None or not needs_care(store, ws):
        return store
    store.close()
    take_care(ws)
    return ws.open_store_readonly()


def open_reader_reconciled(ws: Workspace) -> SqliteReader | None:
    """open_reconciled, read with stdlib sqlite3: status and history run in agents' loops, and importing
    SQLAlchemy alone costs more than they take. None: never deployed here."""
    from shipmate.store.sqlite_reader import SqliteReader

    reader = SqliteReader.open(ws.home)
    if reader is not None and needs_care(reader, ws):
        reader.close()
        take_care(ws)
        reader = SqliteReader.open(ws.home)
    return reader


def targets_by_kind() -> Callable[[str], Target]:
    """One target per kind for this read (from the registry): each instance is asked by its own kind."""
    from shipmate.targets.registry import target_for

    return functools.cache(target_for)


def serving_rows(store: Store, service: str, env: str) -> list[InstanceRow]:
    """The current release's live instances: the set that serves (current names a release)."""
    cur = store.current(service, env)
    if cur is None:
        return []
    return [r for r in store.instances(service, env, live_only=True) if r.release_id == cur.release_id]


def deployment_record(rel: ReleaseRow | None, dep: Any, environment: str | None = None) -> DeploymentRecord:
    """``rel``: the deployment's release (read by the caller, with its other reads); ``environment``: named in
    a history row; a status's last deployment leaves it out."""
    from shipmate.ops.results.deployments import DeploymentRecord
    from shipmate.release_config import ReleaseConfig

    duration = None if dep.finished_at is None else round(dep.finished_at - dep.started_at, 3)
    return DeploymentRecord(
        environment=environment, deployment_id=dep.id, trace_id=dep.trace_id, version=rel.version if rel else None,
        artifact_short=files_view(ReleaseConfig.from_dict(rel.spec) if rel else None)["artifact_short"],
        kind=dep.kind,
        state=str(dep.state), strategy=dep.strategy, verified=bool(dep.verified), started_at=dep.started_at,
        finished_at=dep.finished_at, duration_s=duration, actor=dep.actor, error=dep.error,
        confidence=(getattr(dep, "confidence", None) or {}).get("score"),   # the full factors: explain
        origin=getattr(dep, "origin", None))


def files_view(config: ReleaseConfig | None, *, look_inside: bool = False) -> dict[str, Any]:
    """What status/history show of a release's files: its short artifact hash and, with ``look_inside``, its
    snapshot and the files its instances made there (kept and reported, never pruned silently)."""
    from shipmate.ops.common.artifacts import short_artifact
    from shipmate.snapshots import SNAPSHOT_DIR
    from shipmate.snapshots.retention import made_by_instances

    if config is None:
        return {"artifact_short": None}
    out: dict[str, Any] = {"artifact_short": short_artifact(config)}
    snapshot = config.target_settings.get(SNAPSHOT_DIR)
    if look_inside and snapshot:
        out["snapshot"] = str(snapshot)
        out["created_files"] = made_by_instances(Path(str(snapshot)))
    return out
