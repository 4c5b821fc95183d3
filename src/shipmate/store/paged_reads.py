"""What serve's HTTP face lists, read with the stdlib driver (like status): deployments and events one page at a
time (keyset paging: the page after a (started_at, id) or an event seq, never OFFSET), a deployment by id or
trace id, the events after a seq (the live stream), and the overview's few rows per home."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from shipmate.store.rows import LIVE_INSTANCE_STATUSES, DeploymentRow, EventRow
from shipmate.store.sqlite_reader import SqliteReader


@dataclass(frozen=True)
class Filters:
    service: str | None = None
    environment: str | None = None
    state: str | None = None         # a deployment's state, or an event's status
    actor: str | None = None
    since: float | None = None       # unix seconds


class PagedReader(SqliteReader):
    def deployments_page(self, filters: Filters, *, before: tuple[float, str] | None, limit: int
                         ) -> list[DeploymentRow]:
        """Newest first; ``before``: the (started_at, id) of the last row of the previous page."""
        where, args = _where(filters, actor="actor", status="state", time="started_at")
        if before is not None:
            where.append("(started_at < ? OR (started_at = ? AND id < ?))")
            args += [before[0], before[0], before[1]]
        sql = "SELECT * FROM deployments" + (" WHERE " + " AND ".join(where) if where else "")
        rows = self._rows(sql + " ORDER BY started_at DESC, id DESC LIMIT ?", *args, limit)
        return [DeploymentRow.of(r) for r in rows]  # type: ignore[arg-type]

    def events_page(self, filters: Filters, *, before: int | None, limit: int,
                    deployment_id: str | None = None) -> list[EventRow]:
        """Newest first; ``before``: the seq of the last row of the previous page."""
        where, args = _where(filters, actor="deployed_by", status="status", time="ts")
        if deployment_id is not None:
            where.append("deployment_id = ?")
            args.append(deployment_id)
        if before is not None:
            where.append("seq < ?")
            args.append(before)
        sql = "SELECT * FROM events" + (" WHERE " + " AND ".join(where) if where else "")
        return [_event(r) for r in self._rows(sql + " ORDER BY seq DESC LIMIT ?", *args, limit)]

    def events_after(self, deployment_id: str, after: int, limit: int) -> list[EventRow]:
        """The deployment's events with seq > ``after``, oldest first: a stream resumes from its last id."""
        rows = self._rows("SELECT * FROM events WHERE deployment_id = ? AND seq > ? ORDER BY seq LIMIT ?",
                          deployment_id, after, limit)
        return [_event(r) for r in rows]

    def deployment(self, deployment_id: str) -> DeploymentRow | None:
        rows = self._rows("SELECT * FROM deployments WHERE id = ?", deployment_id)
        return DeploymentRow.of(rows[0]) if rows else None  # type: ignore[arg-type]

    def deployment_by_trace(self, trace_id: str) -> DeploymentRow | None:
        rows = self._rows("SELECT * FROM deployments WHERE trace_id = ? ORDER BY started_at DESC LIMIT 1", trace_id)
        return DeploymentRow.of(rows[0]) if rows else None  # type: ignore[arg-type]

    def last_deployments(self) -> list[DeploymentRow]:
        """The newest deployment of each service and environment (the overview's "last deployment")."""
        rows = self._rows("SELECT d.* FROM deployments d JOIN (SELECT service, environment, max(started_at) AS at "
                          "FROM deployments GROUP BY service, environment) m ON d.service = m.service AND "
                          "d.environment = m.environment AND d.started_at = m.at")
        return [DeploymentRow.of(r) for r in rows]  # type: ignore[arg-type]

    def live_instance_rows(self) -> list[dict[str, Any]]:
        """Every live instance's service, environment, release, status and supervision (restarts)."""
        marks = ",".join("?" for _ in LIVE_INSTANCE_STATUSES)
        return self._rows(f"SELECT service, environment, release_id, status, supervision FROM instances "
                          f"WHERE status IN ({marks})", *sorted(LIVE_INSTANCE_STATUSES))

    def pending_approvals(self, now: float) -> dict[tuple[str, str], int]:
        rows = self._rows("SELECT service, environment, count(*) AS n FROM approvals WHERE state = 'pending' "
                          "AND expires_at > ? GROUP BY service, environment", now)
        return {(r["service"], r["environment"]): int(r["n"]) for r in rows}


def _where(filters: Filters, *, actor: str, status: str, time: str) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    args: list[Any] = []
    for column, value in (("service", filters.service), ("environment", filters.environment),
                          (status, filters.state), (actor, filters.actor)):
        if value is not None:
            where.append(f"{column} = ?")
            args.append(value)
    if filters.since is not None:
        where.append(f"{time} >= ?")
        if time == "ts":   # event timestamps are ISO text (they are hashed): compare as text
            import datetime

            args.append(datetime.datetime.fromtimestamp(filters.since, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
        else:
            args.append(filters.since)
    return where, args


def _event(row: dict[str, Any]) -> EventRow:
    values = dict(row)
    for key in ("errors", "data"):
        if isinstance(values[key], str):
            values[key] = json.loads(values[key])
    return EventRow.of(values)  # type: ignore[arg-type]


def lock_row(reader: SqliteReader, key: str) -> dict[str, Any] | None:
    """The raw lock row (owner decoded), for a caller that judges its liveness later (store.owners.judge)."""
    rows = reader._rows("SELECT owner, heartbeat_at, lease_until, released_at FROM locks WHERE key = ?", key)
    if not rows:
        return None
    row = dict(rows[0])
    row["owner"] = json.loads(row["owner"]) if isinstance(row["owner"], str) else row["owner"]
    return row
