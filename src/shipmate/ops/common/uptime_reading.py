"""Uptime over a period for one service/environment, read from the store (reports, `uptime`, /metrics)."""

from __future__ import annotations

import calendar
import time
from typing import TYPE_CHECKING

from shipmate.analysis.uptime_math import error_budget
from shipmate.ops.results.uptime import ErrorBudgetView, Incident, UptimePeriod

if TYPE_CHECKING:
    from shipmate.store.store import Store


def uptime_over(store: Store, service: str, environment: str, *, since: float, until: float,
                target_percent: float | None = None, budget_window: str = "period",
                now: float | None = None) -> UptimePeriod:
    """Uptime, incidents (with durations) and, with a target, the error budget of [since, until).

    The budget is the bad time the target allows over the period, minus the bad time measured in it.
    """
    now = time.time() if now is None else now
    counts = store.uptime.counts(service, environment, since, until)
    rows = store.uptime.incidents(service, environment, since, until)
    incidents = [Incident(id=r.id, started_at=r.started_at, ended_at=r.ended_at,
                          duration_seconds=round(r.duration_until(min(now, until)), 3), cause=r.cause)
                 for r in rows]
    ended = [i.duration_seconds for i in incidents if i.ended_at is not None and i.ended_at < until]
    ratio = counts.ratio
    budget = None
    if target_percent is not None:
        b = error_budget(target_percent, until - since, counts.bad_seconds)
        budget = ErrorBudgetView(target_percent=target_percent, window=budget_window,
                                 allowed_minutes=round(b.allowed_minutes, 3),
                                 spent_minutes=round(b.spent_minutes, 3), left_minutes=round(b.left_minutes, 3))
    return UptimePeriod(
        service=service, environment=environment, since=since, until=until, checks=counts.checks,
        failures=counts.failures, lost=counts.lost,
        uptime_percent=None if ratio is None else round(ratio * 100, 4), incidents=incidents,
        mttr_seconds=round(sum(ended) / len(ended), 3) if ended else None, error_budget=budget)


def slo_window_start(window: str, now: float) -> float:
    """Start of the SLO window ending now: rolling ("30d", "7d", "12h") or the calendar month (UTC)."""
    if window == "month":
        t = time.gmtime(now)
        return float(calendar.timegm((t.tm_year, t.tm_mon, 1, 0, 0, 0)))
    return now - window_seconds(window)


def window_seconds(window: str) -> float:
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
    return float(window[:-1]) * units[window[-1]]
