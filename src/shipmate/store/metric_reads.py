"""What `/metrics` reads from one state database on each scrape (``store.metric_reads``): grouped counts, never
rows one by one, so a scrape of many homes stays cheap."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from shipmate.store import schema

TERMINAL = ("succeeded", "rolled_back", "failed")


@dataclass(frozen=True)
class FinishedDeployment:
    service: str
    environment: str
    kind: str             # deploy | rollback | down
    state: str            # succeeded | rolled_back | failed
    actor: str
    seconds: float


class MetricReads:
    def __init__(self, read: Callable[[], AbstractContextManager[Connection]]) -> None:
        self._read = read

    def finished_deployments(self) -> list[FinishedDeployment]:
        d = schema.deployments
        with self._read() as conn:
            rows = conn.execute(select(d.c.service, d.c.environment, d.c.kind, d.c.state, d.c.actor, d.c.started_at,
                                       d.c.finished_at).where(d.c.state.in_(TERMINAL))).all()
        return [FinishedDeployment(s, e, k, st, a, max(0.0, (fin or start) - start))
                for s, e, k, st, a, start, fin in rows]

    def event_counts(self, event_type: str) -> dict[tuple[str, str], int]:
        """(service, environment) -> how many audit events of this type."""
        e = schema.events
        with self._read() as conn:
            rows = conn.execute(select(e.c.service, e.c.environment, func.count()).where(
                e.c.event_type == event_type).group_by(e.c.service, e.c.environment)).all()
        return {(s, env): int(n) for s, env, n in rows}

    def pending_approvals(self) -> dict[tuple[str, str], int]:
        a = schema.approvals
        with self._read() as conn:
            rows = conn.execute(select(a.c.service, a.c.environment, func.count()).where(
                a.c.state == "pending").group_by(a.c.service, a.c.environment)).all()
        return {(s, env): int(n) for s, env, n in rows}
