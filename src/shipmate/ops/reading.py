"""Read-only views: status, history, events, logs, check. All read back from the store."""

from __future__ import annotations

import functools
import socket
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from shipmate.errors import HealthCheckFailed, NotFoundError
from shipmate.ops.workspace import Workspace, resolve_environment

if TYPE_CHECKING:
    from shipmate.store.rows import InstanceRow
    from shipmate.store.sqlite_reader import SqliteReader
    from shipmate.store.store import Store
    from shipmate.targets.base import Target


def _identity(ws: Workspace, environment: str | None) -> tuple[str, list[str]]:
    from shipmate.spec.identity import read_identity

    service, declared = read_identity(ws.spec_path)
    if environment is not None:
        return service, [resolve_environment(declared, environment)]
    return service, declared or ["default"]


def _needs_care(reader: SqliteReader | Store, ws: Workspace) -> bool:
    """A crashed deployment waits, or the router died under a live service."""
    # A deployment whose owner is alive is simply in progress: nothing to reconcile.
    active = [d for d in reader.active_deployments()
              if not reader.lock_owner_alive(f"{d.service}/{d.environment}")]
    if active:
        return True
    return bool(reader.all_current()) and not ws.traffic_router().is_running()


def _take_care(ws: Workspace) -> None:
    """Reconcile before answering: what status reports must be true, not a crash's leftovers."""
    from shipmate.ops.reconciling import reconcile_all

    store = ws.open_store()
    try:
        reconcile_all(ws.runtime(store))
    finally:
        store.close()


def _open_reconciled(ws: Workspace) -> Store | None:
    store = ws.open_store_readonly()
    if store is None or not _needs_care(store, ws):
        return store
    store.close()
    _take_care(ws)
    return ws.open_store_readonly()


def _answers(port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout):
            return True
    except OSError:
        return False


def status(spec_file: str | None, *, environment: str | None = None) -> dict[str, Any]:
    from shipmate.store.sqlite_reader import SqliteReader

    ws = Workspace.locate(spec_file)
    service, envs = _identity(ws, environment)
    store = SqliteReader.open(ws.home)  # stdlib sqlite3: status is called in loops, keep it fast
    if store is not None and _needs_care(store, ws):
        store.close()
        _take_care(ws)
        store = SqliteReader.open(ws.home)
    out: dict[str, Any] = {"service": service, "home": str(ws.home), "environments": []}
    if store is None:
        out["environments"] = [{"environment": e, "current": None, "serving": False, "instances": []} for e in envs]
        return out
    try:
        from shipmate.ops.instance_view import artifact_hash, instances_view, members
        from shipmate.release_config import ReleaseConfig

        active = {(d.service, d.environment): d for d in store.active_deployments()}
        targets = _targets()
        out["supervisor"] = _supervisor(store)
        for env in envs:
            entry: dict[str, Any] = {"environment": env, "current": None, "serving": False}
            cur = store.current(service, env)
            dep = active.get((service, env))
            rel = store.get_release(cur.release_id) if cur is not None else None
            config = ReleaseConfig.from_dict(rel.spec) if rel else None
            in_route = members(ws.traffic_router(), config.port) if config and targets(config.target_kind)\
                .capabilities.routable else None
            entry["instances"] = instances_view(store, targets, service, env, cur.release_id if cur else None, dep,
                                                in_route)
            if cur is not None:
                live = sum(1 for i in entry["instances"] if i["role"] == "current" and i["alive"])
                entry["current"] = {
                    "version": rel.version if rel else None, "artifact": artifact_hash(rel),
                    "release_id": cur.release_id,
                    "deployment_id": cur.deployment_id, "since": cur.updated_at,
                    "replicas": config.replicas if config else None, "live": live,
                    "port": config.port if config else None,
                }
                entry["serving"] = bool(config and live and _answers(config.port))
            entry["deployment_in_progress"] = None if dep is None else {
                "deployment_id": dep.id, "state": str(dep.state), "kind": dep.kind}
            last = store.deployments(service, env, limit=1)
            entry["last_deployment"] = _dep_dict(store, last[0]) if last else None
            out["environments"].append(entry)
        return out
    finally:
        store.close()


def _targets() -> Callable[[str], Target]:
    """One target per kind for this read (from the registry): each instance is asked by its own kind."""
    from shipmate.targets.registry import target_for

    return functools.cache(target_for)


def _supervisor(store: SqliteReader) -> dict[str, Any]:
    """Whether a `shipmate serve` watches this home now (it holds the home's "serve" lock while it runs)."""
    owner = store.live_lock_owner("serve")
    if owner is not None:
        return {"running": True, "pid": owner.get("pid"), "command": owner.get("command")}
    return {"running": False, "message": "nothing supervises this home: a crash stays down until the next deploy",
            "hint": "start `shipmate serve` (foreground), or install `shipmate serve --systemd` as a unit"}


def _serving_rows(store: Store, service: str, env: str) -> list[InstanceRow]:
    """The current release's live instances: the set that serves (current names a release)."""
    cur = store.current(service, env)
    if cur is None:
        return []
    return [r for r in store.instances(service, env, live_only=True) if r.release_id == cur.release_id]


def _dep_dict(store: Store | SqliteReader, dep: Any) -> dict[str, Any]:
    rel = store.get_release(dep.release_id)
    duration = None if dep.finished_at is None else round(dep.finished_at - dep.started_at, 3)
    return {"deployment_id": dep.id, "version": rel.version if rel else None, "kind": dep.kind,
            "state": str(dep.state), "strategy": dep.strategy, "verified": bool(dep.verified),
            "started_at": dep.started_at, "finished_at": dep.finished_at, "duration_s": duration,
            "actor": dep.actor, "error": dep.error,
            "confidence": (getattr(dep, "confidence", None) or {}).get("score"),   # the full factors: explain
            "origin": getattr(dep, "origin", None)}


def history(spec_file: str | None, *, environment: str | None = None, limit: int = 20) -> dict[str, Any]:
    ws = Workspace.locate(spec_file)
    service, envs = _identity(ws, environment)
    store = _open_reconciled(ws)
    rows: list[dict[str, Any]] = []
    if store is not None:
        try:
            for env in envs:
                rows += [{"environment": env, **_dep_dict(store, d)} for d in store.deployments(service, env, limit)]
        finally:
            store.close()
    rows.sort(key=lambda r: r["started_at"], reverse=True)
    return {"service": service, "deployments": rows[:limit]}


def events(spec_file: str | None, *, environment: str | None = None, limit: int = 50,
           deployment_id: str | None = None, verify: bool = False) -> dict[str, Any]:
    ws = Workspace.locate(spec_file)
    service, envs = _identity(ws, environment)
    store = _open_reconciled(ws)
    out: dict[str, Any] = {"service": service, "events": []}
    if store is None:
        return out
    if verify:
        # A writable open first catches the mirror up (a sync skipped while a frozen writer held
        # its lock is written now), so --verify judges the file, not a moment's lag.
        store.close()
        store = ws.open_store()
    try:
        env = envs[0] if environment is not None else None
        rows = store.events(service=service, environment=env, deployment_id=deployment_id, limit=limit)
        out["events"] = [r.mirror_line() for r in rows]
        if verify:
            ok, bad, count = store.verify_chain()
            mirror_ok, mirror_detail = store.verify_mirror()
            out["chain"] = {"ok": ok, "first_bad_seq": bad, "checked": count,
                            "mirror_ok": mirror_ok, "mirror": mirror_detail}
        return out
    finally:
        store.close()


def logs(spec_file: str | None, *, environment: str | None = None, lines: int = 100,
         deployment_id: str | None = None) -> dict[str, Any]:
    from shipmate.engine.context import ref_of

    ws = Workspace.locate(spec_file)
    service, envs = _identity(ws, environment)
    env = envs[0]
    store = ws.open_store_readonly()
    if store is None:
        raise NotFoundError(f"{service}/{env} has never been deployed", hint="run `shipmate deploy` first")
    try:
        rows = store.instances(service, env)
        if deployment_id is not None:
            rows = [r for r in rows if r.deployment_id == deployment_id]
        else:
            rows = _serving_rows(store, service, env) or rows[-1:]
        if not rows:
            raise NotFoundError(f"no instance of {service}/{env} matches", hint="see `shipmate history`")
        targets = _targets()
        return {"service": service, "environment": env, "instances": [
            {"instance_id": r.instance_id, "status": r.status, "log_path": r.log_path,
             "lines": targets(r.target_kind).read_logs(ref_of(r).handle, lines)} for r in rows]}
    finally:
        store.close()


def check(spec_file: str | None, *, environment: str | None = None, level: int | None = None) -> dict[str, Any]:
    """Run the current release's health levels 1..level now (all configured ones by default), directly and
    through the public port; stops at the first failing level (exit 3, the level in the message and details)."""
    from shipmate.ops.level_checking import check_levels

    ws = Workspace.locate(spec_file)
    service, envs = _identity(ws, environment)
    env = envs[0]
    store = _open_reconciled(ws)
    cur = store.current(service, env) if store else None
    if store is None or cur is None:
        if store:
            store.close()
        raise HealthCheckFailed(f"{service}/{env} has no current release", hint="run `shipmate deploy`")
    try:
        rel = store.get_release(cur.release_id)
        serving = _serving_rows(store, service, env)
        if rel is None or not serving:
            raise HealthCheckFailed(f"{service}/{env}: current release has no instance",
                                    hint="run `shipmate deploy --force`")
        return check_levels(service, env, rel, serving, _targets(), level)
    finally:
        store.close()
