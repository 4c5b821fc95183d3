"""Uptime in the state database: raw samples, hourly rollups, incidents and alert state (``store.uptime``).

Reads of a window combine the hourly rollups (complete hours already rolled up) with the raw samples after the
last rolled-up hour, so a window is exact within the raw retention's not-yet-rolled part and hour-granular
before it (an hour counts when it starts inside the window).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

from sqlalchemy import Connection, func, select

from shipmate.analysis.uptime_math import HOUR, WindowCounts, counts_of, hour_of, total
from shipmate.store import schema
from shipmate.store.uptime_rows import AlertRow, IncidentRow, UptimeSample

if TYPE_CHECKING:
    from sqlalchemy import RowMapping

    from shipmate.store.mutations import WriteTx

_raw, _hour, _inc, _alert = (schema.uptime_samples, schema.uptime_hourly, schema.uptime_incidents,
                             schema.uptime_alerts)


def _incident(m: RowMapping) -> IncidentRow:
    return IncidentRow(id=m["id"], service=m["service"], environment=m["environment"],
                       started_at=m["started_at"], ended_at=m["ended_at"],
                       duration_seconds=m["duration_seconds"], cause=m["cause"])


def _rolled_end(conn: Connection, service: str, environment: str) -> float:
    last = conn.execute(select(func.max(_hour.c.hour)).where(
        _hour.c.service == service, _hour.c.environment == environment)).scalar()
    return float("-inf") if last is None else float(last) + HOUR


class UptimeRepository:
    """The store's transactions with the uptime operations (loaded only when asked for)."""

    def __init__(self, read: Callable[[], AbstractContextManager[Connection]],
                 write: Callable[[], AbstractContextManager[WriteTx]]) -> None:
        self._read = read
        self._write = write

    # -- samples and rollups ---------------------------------------------------------------------

    def record(self, samples: Sequence[UptimeSample]) -> None:
        """Append samples in one transaction (the prober batches them)."""
        if not samples:
            return
        with self._write() as tx:
            tx.conn.execute(_raw.insert(), [
                {"service": s.service, "environment": s.environment, "at": s.at, "ok": s.ok,
                 "latency_ms": s.latency_ms, "span_seconds": s.span_seconds, "source": s.source,
                 "detail": s.detail} for s in samples])

    def record_lost(self, service: str, environment: str, at: float, count: int) -> None:
        """Count samples dropped while the store was unreachable (in their hour's rollup, never as checks)."""
        hour = hour_of(at)
        with self._write() as tx:
            row = self._hour_row(tx.conn, service, environment, hour)
            base = row if row is not None else WindowCounts()
            self._put_hour(tx.conn, service, environment, hour, base + WindowCounts(lost=count))

    def roll_up(self, since: float, until: float) -> int:
        """(Re)compute the hourly rows of every complete hour in [since, until) from the raw samples.

        Recomputing (not adding) makes it idempotent: a late sample or a second serve rolling up the same
        hour gives the same row. Returns the number of hourly rows written.
        """
        start, end = hour_of(since), hour_of(until)
        written = 0
        with self._write() as tx:
            stmt = select(_raw.c.service, _raw.c.environment, _raw.c.at, _raw.c.ok, _raw.c.latency_ms,
                          _raw.c.span_seconds).where(_raw.c.at >= start, _raw.c.at < end)
            groups: dict[tuple[str, str, int], list[tuple[bool, float | None, float]]] = {}
            for m in tx.conn.execute(stmt).mappings():
                key = (m["service"], m["environment"], hour_of(m["at"]))
                groups.setdefault(key, []).append((bool(m["ok"]), m["latency_ms"], float(m["span_seconds"])))
            for (service, environment, hour), samples in groups.items():
                old = self._hour_row(tx.conn, service, environment, hour)
                lost = 0 if old is None else old.lost
                self._put_hour(tx.conn, service, environment, hour, counts_of(samples) + WindowCounts(lost=lost))
                written += 1
        return written

    def prune(self, raw_before: float, hourly_before: float) -> tuple[int, int]:
        """Delete raw samples older than raw_before and hourly rows older than hourly_before."""
        with self._write() as tx:
            raw = tx.conn.execute(_raw.delete().where(_raw.c.at < raw_before)).rowcount
            hourly = tx.conn.execute(_hour.delete().where(_hour.c.hour < hourly_before)).rowcount
        return int(raw or 0), int(hourly or 0)

    def counts(self, service: str, environment: str, since: float, until: float) -> WindowCounts:
        """The checks of [since, until): rolled-up hours first, raw samples after the last rolled hour."""
        with self._read() as conn:
            rolled_end = _rolled_end(conn, service, environment)
            rows = conn.execute(select(_hour).where(
                _hour.c.service == service, _hour.c.environment == environment,
                _hour.c.hour >= since, _hour.c.hour < min(until, rolled_end))).mappings()
            parts = [self._counts_of_hour(m) for m in rows]
            raw = conn.execute(select(_raw.c.ok, _raw.c.latency_ms, _raw.c.span_seconds).where(
                _raw.c.service == service, _raw.c.environment == environment,
                _raw.c.at >= max(since, rolled_end), _raw.c.at < until)).all()
            parts.append(counts_of([(bool(ok), lat, float(span)) for ok, lat, span in raw]))
        return total(parts)

    def hourly(self, service: str, environment: str, since: float,
               until: float) -> list[tuple[int, WindowCounts]]:
        """The rolled-up hours in [since, until), oldest first (charts, reports)."""
        with self._read() as conn:
            rows = conn.execute(select(_hour).where(
                _hour.c.service == service, _hour.c.environment == environment,
                _hour.c.hour >= since, _hour.c.hour < until).order_by(_hour.c.hour)).mappings()
            return [(int(m["hour"]), self._counts_of_hour(m)) for m in rows]

    def table_rows(self) -> dict[str, int]:
        """Row count per uptime table (the store-size figures)."""
        with self._read() as conn:
            return {t.name: int(conn.execute(select(func.count()).select_from(t)).scalar() or 0)
                    for t in schema.UPTIME_TABLES}

    @staticmethod
    def _counts_of_hour(m: RowMapping) -> WindowCounts:
        return WindowCounts(checks=m["checks"], failures=m["failures"], bad_seconds=m["bad_seconds"],
                            lost=m["lost"], latency_sum_ms=m["latency_sum_ms"],
                            latency_buckets=tuple(int(c) for c in m["latency_buckets"]))

    def _hour_row(self, conn: Connection, service: str, environment: str, hour: int) -> WindowCounts | None:
        m = conn.execute(select(_hour).where(_hour.c.service == service, _hour.c.environment == environment,
                                             _hour.c.hour == hour)).mappings().first()
        return None if m is None else self._counts_of_hour(m)

    @staticmethod
    def _put_hour(conn: Connection, service: str, environment: str, hour: int, c: WindowCounts) -> None:
        key = (_hour.c.service == service, _hour.c.environment == environment, _hour.c.hour == hour)
        conn.execute(_hour.delete().where(*key))
        conn.execute(_hour.insert().values(
            service=service, environment=environment, hour=hour, checks=c.checks, failures=c.failures,
            bad_seconds=c.bad_seconds, lost=c.lost, latency_sum_ms=c.latency_sum_ms,
            latency_buckets=list(c.latency_buckets)))

    # -- incidents ---------------------------------------------------------------------------------

    def open_incident(self, service: str, environment: str, *, started_at: float, cause: str) -> IncidentRow:
        """Open a down incident, or return the one already open (one open incident per target)."""
        with self._write() as tx:
            found = self._open(tx.conn, service, environment)
            if found is not None:
                return found
            row = IncidentRow(id=f"inc_{uuid.uuid4().hex[:16]}", service=service, environment=environment,
                              started_at=started_at, ended_at=None, duration_seconds=None, cause=cause)
            tx.conn.execute(_inc.insert().values(
                id=row.id, service=service, environment=environment, started_at=started_at,
                ended_at=None, duration_seconds=None, cause=cause))
            return row

    def close_incident(self, incident_id: str, *, ended_at: float, duration_seconds: float) -> None:
        with self._write() as tx:
            tx.conn.execute(_inc.update().where(_inc.c.id == incident_id, _inc.c.ended_at.is_(None))
                            .values(ended_at=ended_at, duration_seconds=max(0.0, duration_seconds)))

    def open_incident_of(self, service: str, environment: str) -> IncidentRow | None:
        with self._read() as conn:
            return self._open(conn, service, environment)

    def incidents(self, service: str, environment: str, since: float, until: float) -> list[IncidentRow]:
        """Incidents that overlap [since, until), oldest first (an open one overlaps every later window)."""
        with self._read() as conn:
            stmt = select(_inc).where(
                _inc.c.service == service, _inc.c.environment == environment, _inc.c.started_at < until,
                (_inc.c.ended_at.is_(None)) | (_inc.c.ended_at >= since)).order_by(_inc.c.started_at)
            return [_incident(m) for m in conn.execute(stmt).mappings()]

    @staticmethod
    def _open(conn: Connection, service: str, environment: str) -> IncidentRow | None:
        m = conn.execute(select(_inc).where(_inc.c.service == service, _inc.c.environment == environment,
                                            _inc.c.ended_at.is_(None))
                         .order_by(_inc.c.started_at.desc())).mappings().first()
        return None if m is None else _incident(m)

    # -- alert state -------------------------------------------------------------------------------

    def alerts(self, service: str, environment: str) -> dict[str, AlertRow]:
        with self._read() as conn:
            rows = conn.execute(select(_alert).where(_alert.c.service == service,
                                                     _alert.c.environment == environment)).mappings()
            return {m["alert"]: AlertRow(service=m["service"], environment=m["environment"], alert=m["alert"],
                                         firing=bool(m["firing"]), since=m["since"],
                                         notified_at=m["notified_at"], detail=m["detail"]) for m in rows}

    def set_alert(self, row: AlertRow) -> None:
        with self._write() as tx:
            key = (_alert.c.service == row.service, _alert.c.environment == row.environment,
                   _alert.c.alert == row.alert)
            tx.conn.execute(_alert.delete().where(*key))
            tx.conn.execute(_alert.insert().values(
                service=row.service, environment=row.environment, alert=row.alert, firing=row.firing,
                since=row.since, notified_at=row.notified_at, detail=row.detail))
