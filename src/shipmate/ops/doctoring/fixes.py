"""`doctor --fix`: only the safe fixes, each a leftover of this home: a dead holder's lock, a router that died
(restarted with its saved routes), an instance no record knows. Anything else is left to a person."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from shipmate.analysis.diagnosis import Finding
from shipmate.errors import ShipmateError
from shipmate.ops.common.workspace import Workspace, actor

if TYPE_CHECKING:
    from shipmate.store.store import Store


def apply_safe_fixes(ws: Workspace, findings: Sequence[Finding]) -> list[str]:
    """Apply the fixable findings; returns what was done, one line each."""
    fixable = [found for found in findings if found.fixable]
    if not fixable:
        return []
    done: list[str] = []
    store = ws.open_store()
    try:
        for found in fixable:
            try:
                done += _fix(ws, store, found)
            except ShipmateError as exc:     # one fix that fails never hides the others; the re-check tells
                done.append(f"could not fix {found.id}: {exc.message}")
    finally:
        store.close()
    return done


def _fix(ws: Workspace, store: Store, found: Finding) -> list[str]:
    """Each fix looks again first: what was true when doctor judged may have changed since."""
    if found.id == "locks.stale":
        key = str((found.detail or {})["key"])
        row = next((r for r in store.locks() if r.key == key), None)
        if row is not None and row.released_at is None and row.free_because == "died":
            store.force_release_lock(key, actor=actor())
            return [f"released lock {key} of pid {row.owner.get('pid')} (gone)"]
    elif found.id == "router.down":
        router = ws.traffic_router()
        if not router.is_running():
            router.ensure_running()        # it restores its durable route table
            return ["restarted the router with its saved routes"]
    elif found.id == "orphans.instance":
        return _stop_orphan(ws, store, str((found.detail or {})["instance_id"]))
    return []


def _stop_orphan(ws: Workspace, store: Store, instance_id: str) -> list[str]:
    """Stop it only if it is still an orphan now (a deploy may have recorded it since)."""
    rt = ws.runtime(store)
    known = {row.instance_id for row in store.instances(live_only=True)}
    active = {dep.id for dep in store.active_deployments()
              if store.lock_owner_alive(f"{dep.service}/{dep.environment}")}
    for ref in rt.target.find_strays(ws.home_id, known):
        if ref.instance_id == instance_id and rt.target.deployment_of(ref) not in active:
            pid = rt.target.inspect(ref.handle).pid
            rt.target.stop(ref, 5.0)
            return [f"stopped instance {instance_id} (pid {pid}), which had no record"]
    return []
