"""history and events: the deployments of a service, and its audit log (verified on request)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shipmate.ops.common.reading import (
    deployment_view,
    open_reconciled,
    service_and_envs,
)
from shipmate.ops.common.workspace import Workspace

if TYPE_CHECKING:
    pass


def history(spec_file: str | None, *, environment: str | None = None, limit: int = 20) -> dict[str, Any]:
    ws = Workspace.locate(spec_file)
    service, envs = service_and_envs(ws, environment)
    store = open_reconciled(ws)
    rows: list[dict[str, Any]] = []
    if store is not None:
        try:
            for env in envs:
                rows += [{"environment": env, **deployment_view(store, d)}
                         for d in store.deployments(service, env, limit)]
        finally:
            store.close()
    rows.sort(key=lambda r: r["started_at"], reverse=True)
    return {"service": service, "deployments": rows[:limit]}


def events(spec_file: str | None, *, environment: str | None = None, limit: int = 50,
           deployment_id: str | None = None, verify: bool = False) -> dict[str, Any]:
    ws = Workspace.locate(spec_file)
    service, envs = service_and_envs(ws, environment)
    store = open_reconciled(ws)
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
