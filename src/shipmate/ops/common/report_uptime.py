"""The uptime part of a report: each service's uptime, incidents and error budget in the period, per day too.

Read through `serve`'s uptime read function (ops/common/uptime_reading.py); a service without checks in the
period says "insufficient data", never 100 %.
"""

from __future__ import annotations

import statistics
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from shipmate.ops.results.reports import UptimeLine

if TYPE_CHECKING:
    from shipmate.analysis.report_facts import Period
    from shipmate.store.store import Store

NOT_MEASURED = "not measured: shipmate serve's uptime probing recorded no checks for these services in the period"


def uptime_lines(store: Store | None, services: list[str], environment: str, span: Period, *, now: float,
                 slo_target: float | None = None) -> tuple[list[UptimeLine], str, float | None, int]:
    """(one line per service, a note when nothing was measured, MTTR of the incidents that ended, incidents)."""
    from shipmate.ops.common.uptime_reading import uptime_over

    if store is None:
        return [], NOT_MEASURED, None, 0
    starts = span.day_starts(ZoneInfo(span.tz_name))
    bounds = [*starts[1:], span.end]
    lines: list[UptimeLine] = []
    ended: list[float] = []
    count = 0
    for service in services:
        whole = uptime_over(store, service, environment, since=span.start, until=span.end, target_percent=slo_target,
                            now=now)
        if whole.checks == 0 and not whole.incidents:
            continue
        ratios = [store.uptime.counts(service, environment, a, b).ratio for a, b in zip(starts, bounds, strict=True)]
        days = [None if r is None else round(r * 100, 4) for r in ratios]   # rounded as uptime_over rounds
        budget: Any = whole.error_budget
        count += len(whole.incidents)
        ended += [i.duration_seconds for i in whole.incidents if i.ended_at is not None and i.ended_at < span.end]
        lines.append(UptimeLine(
            service=service, uptime_percent=whole.uptime_percent, checks=whole.checks, failures=whole.failures,
            incidents=len(whole.incidents), mttr_seconds=whole.mttr_seconds,
            slo_target_percent=None if budget is None else budget.target_percent,
            budget_allowed_minutes=None if budget is None else budget.allowed_minutes,
            budget_spent_minutes=None if budget is None else budget.spent_minutes,
            budget_left_minutes=None if budget is None else budget.left_minutes, daily_percent=days))
    mttr = statistics.fmean(ended) if ended else None
    return lines, "" if lines else NOT_MEASURED, mttr, count
