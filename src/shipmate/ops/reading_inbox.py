"""inbox_status: what the inbox holds, per folder, and what the store knows of the tasks in flight (read-only)."""

from __future__ import annotations

from typing import Any

from shipmate.ops.common.inbox_folder import FINISHED, InboxFolder, inbox_of, read_json_file
from shipmate.ops.common.workspace import Workspace
from shipmate.ops.results.inbox_results import InboxStatus


def inbox_status(spec_file: str | None, *, recent: int = 10) -> InboxStatus:
    """Never creates anything: a missing inbox or state folder reads as empty."""
    from shipmate.store.owners import owner_alive

    ws = Workspace.locate(spec_file)
    folder = InboxFolder(inbox_of(ws.spec_path))
    rows: dict[str, Any] = {}
    store = ws.open_store_readonly()
    if store is not None:
        try:
            rows = {row.file_name: row for row in store.inbox_tasks(states=("claimed", "waiting"))}
        finally:
            store.close()
    active: list[dict[str, Any]] = []
    for path in folder.tasks("active"):
        row = rows.get(path.name)
        entry: dict[str, Any] = {"file": f"active/{path.name}", "trace_id": None, "state": "unclaimed"}
        if row is not None:
            alive = owner_alive(row.owner or {}) if row.state == "claimed" else None
            entry.update(trace_id=row.trace_id, state=row.state, approval_id=row.approval_id,
                         owner_pid=(row.owner or {}).get("pid"), owner_alive=alive,
                         message=(row.result or {}).get("message"))
        active.append(entry)
    finished = sorted(((p.stat().st_mtime, name, p) for name in FINISHED for p in _safe_tasks(folder, name)),
                      reverse=True)[:recent]
    recent_out: list[dict[str, Any]] = []
    for _, name, path in finished:
        companion = ".error.json" if name == "rejected" else ".result.json"
        data = read_json_file(path.with_name(path.stem + companion)) or {}
        recent_out.append({"file": f"{name}/{path.name}", "status": data.get("status", name),
                           "trace_id": data.get("trace_id"), "deployment_id": data.get("deployment_id"),
                           "duration_s": data.get("duration_s"), "finished_at": data.get("finished_at"),
                           "problems": len(data.get("problems") or []) or None})
    return InboxStatus(str(folder.root), folder.counts(), tuple(active), tuple(recent_out))


def _safe_tasks(folder: InboxFolder, name: str) -> list[Any]:
    out = []
    for path in folder.tasks(name):
        try:
            path.stat()
        except FileNotFoundError:
            continue
        out.append(path)
    return out
