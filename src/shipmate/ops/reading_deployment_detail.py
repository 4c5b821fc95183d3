"""One deployment in full, read back from the store: what the dashboard's deployment page shows.

The timeline and the levels come from the steps' intent/result rows, the verdict (with its per-tick series)
from the deployment row, the events from the audit log: nothing is kept anywhere else.
"""

from __future__ import annotations

from typing import Any

from shipmate.errors import NotFoundError
from shipmate.ops.common.reading import deployment_record, open_reconciled
from shipmate.ops.common.workspace import Workspace
from shipmate.ops.results.audit import AuditEvent
from shipmate.ops.results.deployment_detail import DeploymentDetail, LevelPassed, TimelineStep

EVENTS_SHOWN = 200


def deployment_detail(spec_file: str | None, deployment_id: str) -> DeploymentDetail:
    ws = Workspace.locate(spec_file)
    store = open_reconciled(ws)
    wanted = deployment_id.strip()[:64]
    if store is None:
        raise NotFoundError(f"no deployment {wanted}: nothing has been deployed from here",
                            hint="run it where shipmate.yaml is, or pass -f")
    try:
        with store.snapshot():   # the row, its steps and events as of one moment
            dep = store.get_deployment(wanted)
            if dep is None:
                raise NotFoundError(f"no deployment {wanted}",
                                    hint="`shipmate history --json` lists deployment ids")
            previous = store.get_release(dep.previous_release_id) if dep.previous_release_id else None
            steps = store.steps(dep.id)
            events = store.events(deployment_id=dep.id, limit=EVENTS_SHOWN)
            record = deployment_record(store.get_release(dep.release_id), dep, dep.environment)
    finally:
        store.close()
    timeline = [TimelineStep(s.index, s.name, s.status, s.started_at, s.finished_at,
                             None if s.finished_at is None else round(s.finished_at - s.started_at, 3),
                             round(s.started_at - dep.started_at, 3)) for s in steps]
    healthy = next((s.result for s in steps if s.name == "wait_healthy" and s.result), None)
    # A failed window's verdict is only in its step's result (the row keeps a passed one): the last one decided.
    judged = [s.result["verdict"] for s in steps if s.result and s.result.get("verdict")]
    return DeploymentDetail(service=dep.service, deployment=record,
                            previous_version=previous.version if previous else None, steps=timeline,
                            health_levels=levels_passed(healthy),
                            verdict=dep.verdict or (judged[-1] if judged else None), confidence=dep.confidence,
                            events=[AuditEvent.of(e) for e in events])


def levels_passed(result: dict[str, Any] | None) -> list[LevelPassed]:
    """The wait_healthy step's probes grouped by health level (process 1, tcp 2, http/command 3, mcp 4)."""
    from shipmate.analysis.health_levels import CHECK_LEVEL, LEVEL_NAMES

    by_level: dict[int, list[dict[str, Any]]] = {}
    for proven in (result or {}).get("proven") or []:
        for probe in proven.get("probes") or []:
            kind = str(probe.get("probe", "")).split(" ", 1)[0]
            level = CHECK_LEVEL.get(kind, 4 if kind == "mcp" else 3)
            by_level.setdefault(level, []).append(probe)
    out = []
    for level in sorted(by_level):
        probes = by_level[level]
        phase = "pass" if all(p.get("phase") == "pass" for p in probes) else "fail"
        out.append(LevelPassed(level, LEVEL_NAMES.get(level, "?"), phase,
                               [f"{p.get('probe')}: {p.get('detail', '')}" for p in probes]))
    return out
