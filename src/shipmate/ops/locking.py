"""lock status / lock release: the per-environment deploy locks, and freeing a stuck one."""

from __future__ import annotations

from shipmate.errors import LockHeldError
from shipmate.ops.common.workspace import Workspace, actor, resolve_environment
from shipmate.ops.results.locks import LockReleaseResult, LocksResult


def lock_status(spec_file: str | None, *, environment: str | None = None) -> LocksResult:
    """The locks of the spec's service, in all its environments (several specs may share one home),
    or in ``environment`` only (each environment has its own lock: "service/env").

    Without -f and without ./shipmate.yaml there is no service to pick: every lock of the home is listed.
    """
    from shipmate.spec.service_names import read_service_names

    ws = Workspace.locate(spec_file)
    service, key = None, None
    if spec_file is not None or ws.spec_path.exists() or environment is not None:
        service, declared = read_service_names(ws.spec_path)
        key = None if environment is None else f"{service}/{resolve_environment(declared, environment)}"
    store = ws.open_store_readonly()
    if store is None:
        return LocksResult(service, [])
    try:
        rows = [row for row in store.locks() if (service is None or row.key.split("/", 1)[0] == service)
                and (key is None or row.key == key)]
        return LocksResult(service, [row.as_dict() for row in rows])
    finally:
        store.close()


def lock_release(spec_file: str | None, *, environment: str | None = None, force: bool = False,
                 dry_run: bool = False) -> LockReleaseResult:
    from shipmate.spec.service_names import read_service_names

    ws = Workspace.locate(spec_file)
    service, declared = read_service_names(ws.spec_path)
    key = f"{service}/{resolve_environment(declared, environment)}"
    store = ws.open_store_readonly() if dry_run else ws.open_store()
    if store is None:
        return LockReleaseResult(key, released=False, message="no lock")
    try:
        row = next((r for r in store.locks() if r.key == key), None)
        if row is None or not (row.held or row.stalled):
            return LockReleaseResult(key, released=False, message="not held")
        if row.held and row.owner_alive and not force:
            raise LockHeldError(f"{key} is held by a live process (pid {row.owner.get('pid')})",
                                hint="wait for it; or pass --force if you are sure it is stuck")
        if dry_run:
            return LockReleaseResult(key, dry_run=True, would_release=row.as_dict())
        store.force_release_lock(key, actor=actor())
        return LockReleaseResult(key, released=True, previous_owner=row.owner)
    finally:
        store.close()
