"""history and events: the deployments of a service, and its audit log (verified on request)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shipmate.ops.common.reading import (
    deployment_record,
    open_reader_reconciled,
    open_reconciled,
    service_and_envs,
)
from shipmate.ops.common.workspace import Workspace
from shipmate.ops.results.audit import AuditEvent, ChainCheck, EventsResult
from shipmate.ops.results.deployments import HistoryResult

if TYPE_CHECKING:
    from shipmate.store.rows import DeploymentRow, ReleaseRow
    from shipmate.store.sqlite_reader import SqliteReader
    from shipmate.store.store import Store


def history(spec_file: str | None, *, environment: str | None = None, limit: int = 20) -> HistoryResult:
    ws = Workspace.locate(spec_file)
    service, envs = service_and_envs(ws, environment)
    store = open_reader_reconciled(ws)   # stdlib sqlite3, like status: no SQLAlchemy to import
    if store is None:
        return HistoryResult(service, [], never_deployed=True)
    try:
        found, releases = history_rows(store, service, envs, limit)
    finally:
        store.close()
    rows = [deployment_record(releases.get(d.release_id), d, env) for env, d in found]
    rows.sort(key=lambda r: r.started_at, reverse=True)
    return HistoryResult(service, rows[:limit])


def history_rows(store: SqliteReader | Store, service: str, envs: list[str],
                 limit: int) -> tuple[list[tuple[str, DeploymentRow]], dict[str, ReleaseRow]]:
    """history's reads in one snapshot: each environment's newest ``limit`` deployments (the index's order),
    then all their releases in one statement (not one read per row)."""
    with store.snapshot():
        found = [(env, d) for env in envs for d in store.deployments(service, env, limit)]
        return found, store.releases_by_id(d.release_id for _, d in found)


def events(spec_file: str | None, *, environment: str | None = None, limit: int = 50,
           deployment_id: str | None = None, verify: bool = False) -> EventsResult:
    ws = Workspace.locate(spec_file)
    service, envs = service_and_envs(ws, environment)
    store = open_reconciled(ws)
    if store is None:
        return EventsResult(service, [], never_deployed=True)
    if verify:
        # A writable open first catches the mirror up (a sync skipped while a frozen writer held
        # its lock is written now), so --verify judges the file, not a moment's lag.
        store.close()
        store = ws.open_store()
    try:
        env = envs[0] if environment is not None else None
        rows = store.events(service=service, environment=env, deployment_id=deployment_id, limit=limit)
        chain = None
        if verify:
            ok, bad, count = store.verify_chain()
            mirror_ok, mirror_detail = store.verify_mirror()
            chain = ChainCheck(ok=ok, first_bad_seq=bad, checked=count, mirror_ok=mirror_ok, mirror=mirror_detail)
        return EventsResult(service, [AuditEvent.of(r) for r in rows], chain=chain)
    finally:
        store.close()
