"""The rows a report is computed from, read in a few set-wise queries (10,000 deployments in well under 1 s).

Returns analysis.report_facts rows; the figures themselves are computed in analysis/ (pure), never here.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, func, select
from sqlalchemy.exc import IntegrityError

from shipmate.analysis.report_facts import ApprovalFact, AutoRollback, DeployFact, SignatureCount
from shipmate.store import schema

if TYPE_CHECKING:
    from shipmate.store.mutations import WriteTx

_dep, _rel, _ev = schema.deployments, schema.releases, schema.events
_appr, _sig, _fail = schema.approvals, schema.memory_signatures, schema.memory_failures
_sends = schema.report_sends


def iso_utc(t: float) -> str:
    """The events table's ts format (ISO UTC with microseconds and Z): ordered like the times it names."""
    return datetime.fromtimestamp(t, UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def from_iso(ts: str) -> float:
    return datetime.fromisoformat(ts).timestamp()


class ReportRepository:
    def __init__(self, read: Callable[[], AbstractContextManager[Connection]],
                 write: Callable[[], AbstractContextManager[WriteTx]]) -> None:
        self._read = read
        self._write = write

    def deploy_facts(self, environment: str, since: float) -> list[DeployFact]:
        """Every deployment of ``environment`` that started at or after ``since`` (later ones too: a rollback
        or recovery after the period belongs to a change made in it)."""
        rolling = (select(_ev.c.deployment_id, func.min(_ev.c.ts).label("ts"))
                   .where(_ev.c.event_type == "deployment.rolling_back", _ev.c.environment == environment,
                          _ev.c.ts >= iso_utc(since))
                   .group_by(_ev.c.deployment_id).subquery())
        # The two JSON fields are read in SQL (portable JSON paths): decoding 20,000 documents in Python is the
        # slowest part of a month's report otherwise.
        stmt = (select(_dep.c.id, _dep.c.service, _dep.c.environment, _dep.c.kind, _dep.c.state, _rel.c.version,
                       _dep.c.started_at, _dep.c.finished_at, _dep.c.actor, _dep.c.error,
                       _dep.c.confidence["score"].as_float(), _dep.c.verdict["phase"].as_string(), rolling.c.ts)
                .join(_rel, _rel.c.id == _dep.c.release_id)
                .outerjoin(rolling, rolling.c.deployment_id == _dep.c.id)
                .where(_dep.c.environment == environment, _dep.c.started_at >= since)
                .order_by(_dep.c.started_at))
        with self._read() as conn:
            rows = conn.execute(stmt).all()
        return [DeployFact(id=r[0], service=r[1], environment=r[2], kind=r[3], state=r[4], version=r[5],
                           started_at=r[6], finished_at=r[7], actor=r[8], error=r[9],
                           confidence=None if r[10] is None else float(r[10]),
                           rolling_back_at=from_iso(r[12]) if r[12] else None,
                           monitor_failed=_monitor_failed(r[11], r[9]))
                for r in rows]

    def auto_rollbacks(self, environment: str, since: float) -> list[AutoRollback]:
        stmt = (select(_ev.c.service, _ev.c.environment, _ev.c.ts, _ev.c.version)
                .where(_ev.c.event_type == "rollback.automatic", _ev.c.status == "started",
                       _ev.c.environment == environment, _ev.c.ts >= iso_utc(since))
                .order_by(_ev.c.seq))
        with self._read() as conn:
            return [AutoRollback(r[0], r[1], from_iso(r[2]), r[3] or "") for r in conn.execute(stmt)]

    def approvals(self, environment: str, since: float, until: float) -> list[ApprovalFact]:
        stmt = (select(_appr.c.service, _appr.c.environment, _appr.c.state, _appr.c.requested_at,
                       _appr.c.decided_at)
                .where(_appr.c.environment == environment, _appr.c.requested_at >= since,
                       _appr.c.requested_at < until))
        with self._read() as conn:
            return [ApprovalFact(*r) for r in conn.execute(stmt)]

    def failure_signatures(self, environment: str, since: float, until: float, limit: int = 5) -> list[SignatureCount]:
        """The most frequent failure signatures (a merged signature counts as the one it was merged into)."""
        root = func.coalesce(_sig.c.merged_into, _sig.c.id)
        stmt = (select(root.label("root"), _fail.c.service, func.count().label("n"))
                .select_from(_fail.join(_sig, _sig.c.id == _fail.c.signature_id))
                .where(_fail.c.environment == environment, _fail.c.created_at >= since, _fail.c.created_at < until)
                .group_by(root, _fail.c.service))
        with self._read() as conn:
            counts: dict[str, tuple[int, set[str]]] = {}
            for sig_id, service, n in conn.execute(stmt):
                total, services = counts.get(sig_id, (0, set()))
                counts[sig_id] = (total + n, services | {service})
            top = sorted(counts.items(), key=lambda kv: (-kv[1][0], kv[0]))[:limit]
            texts = {r[0]: (r[1], r[2]) for r in conn.execute(
                select(_sig.c.id, _sig.c.text, _sig.c.phase).where(_sig.c.id.in_([k for k, _ in top])))}
        return [SignatureCount(k, texts.get(k, ("?", "?"))[0], texts.get(k, ("?", "?"))[1], n, tuple(sorted(s)))
                for k, (n, s) in top]

    def services(self, environment: str) -> list[str]:
        with self._read() as conn:
            return sorted(r[0] for r in conn.execute(
                select(_dep.c.service).where(_dep.c.environment == environment).distinct()))


def _monitor_failed(phase: str | None, error: str | None) -> bool:
    """The engine rolls back a failed window with the reason "monitor window <phase>: ..." (engine/actions.py);
    the verdict column holds a window's verdict when one was kept."""
    if phase not in ("pass", None):
        return True
    return bool(error) and str(error).startswith("monitor window")


# -- scheduled reports sent ------------------------------------------------------------------------

def send_key(service: str, environment: str, schedule: str, period_end: float) -> str:
    return f"{service}|{environment}|{schedule}|{iso_utc(period_end)}"


class ReportSends:
    """Claim -> sent | failed, one row per schedule and period. A claim whose owner died is taken over."""

    def __init__(self, read: Callable[[], AbstractContextManager[Connection]],
                 write: Callable[[], AbstractContextManager[WriteTx]]) -> None:
        self._read = read
        self._write = write

    def claim(self, *, service: str, environment: str, schedule: str, period_start: float, period_end: float,
              owner: dict[str, Any], now: float, owner_alive: Callable[[dict[str, Any]], bool]) -> bool:
        """True when this caller may send the report now (nobody sent it and nobody alive is sending it)."""
        key = send_key(service, environment, schedule, period_end)
        with self._write() as tx:
            row = tx.conn.execute(select(_sends.c.state, _sends.c.owner).where(_sends.c.key == key)).first()
            if row is None:
                try:
                    tx.conn.execute(_sends.insert().values(
                        key=key, service=service, environment=environment, schedule=schedule,
                        period_start=period_start, period_end=period_end, state="sending", owner=owner,
                        claimed_at=now))
                except IntegrityError:
                    return False
                return True
            state, holder = row
            if state == "sent" or (state == "sending" and holder and owner_alive(dict(holder))):
                return False
            tx.conn.execute(_sends.update().where(_sends.c.key == key).values(
                state="sending", owner=owner, claimed_at=now, detail=None))
            return True

    def finish(self, service: str, environment: str, schedule: str, period_end: float, *, sent: bool,
               now: float, detail: str | None = None) -> None:
        key = send_key(service, environment, schedule, period_end)
        with self._write() as tx:
            tx.conn.execute(_sends.update().where(_sends.c.key == key).values(
                state="sent" if sent else "failed", sent_at=now if sent else None, detail=detail))

    def sent(self, service: str | None = None) -> list[dict[str, Any]]:
        stmt = select(_sends).order_by(_sends.c.period_end, _sends.c.key)
        if service is not None:
            stmt = stmt.where(_sends.c.service == service)
        with self._read() as conn:
            return [dict(m) for m in conn.execute(stmt).mappings()]
