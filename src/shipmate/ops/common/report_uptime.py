"""The uptime part of a report: each service's uptime, incidents and error budget in the period, per day too.

Read through the uptime read function of `serve`'s probing (ops/common/uptime_reading.py) once it is in this
tree; until then the report says that uptime is not measured, never a made-up figure.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shipmate.analysis.report_facts import Period
    from shipmate.ops.results.reports import UptimeLine
    from shipmate.store.store import Store

NOT_MEASURED = "not measured: shipmate serve's uptime probing has not recorded anything for these services"


def uptime_lines(store: Store | None, services: list[str], environment: str, span: Period, *,
                 now: float) -> tuple[list[UptimeLine], str]:
    return [], NOT_MEASURED
