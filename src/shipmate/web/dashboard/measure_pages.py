"""What issue 20 measures, on the dashboard: each service x environment's uptime over 30 d (with its SLO target
and error budget left) for the overview, and a service's report page (the CLI's HTML report inside the
dashboard's layout). Figures come from `shipmate.ops` (uptime, report), never from numbers kept here."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from shipmate import ops
from shipmate.errors import InvalidInputError, ShipmateError
from shipmate.web.auth import require
from shipmate.web.coalesce import FreshRead
from shipmate.web.dashboard.rendering import page, render

PERIODS = ("day", "week", "month")
FRESH_S = 5.0   # a busy overview re-reads each home's uptime at most this often (the page says "as of")


@dataclass(frozen=True)
class UptimeCell:
    percent: float | None           # 30 d; None: uptime is off or has no samples yet (never shown as 100 %)
    checks: int
    slo_target: float | None
    budget_left_minutes: float | None
    down: bool


_reads: FreshRead[dict[str, UptimeCell]] = FreshRead(refresh_after=FRESH_S, max_age=FRESH_S)


def _cells_of(spec: str) -> dict[str, UptimeCell]:
    return _reads.read(spec, lambda: _read_cells(spec))[1]


def _read_cells(spec: str) -> dict[str, UptimeCell]:
    """One service's environments, read through ops.uptime (the same figures `shipmate uptime --json` gives)."""
    try:
        found = ops.uptime(spec)
    except ShipmateError:
        return {}   # an unreadable spec shows "-": the overview's own cells say what is wrong with it
    cells = {}
    for env in found.environments:
        month = next((w for w in env.windows if w.window == "30d"), None)
        cells[env.environment] = UptimeCell(
            month.uptime_percent if month else None, month.checks if month else 0,
            env.slo.target_percent if env.slo else None, env.slo.left_minutes if env.slo else None, env.down)
    return cells


def uptime_cells(services: ops.ServicesResult) -> dict[str, dict[str, UptimeCell]]:
    """home_id -> environment -> its uptime cell, for every registered service."""
    return {ref.home_id: _cells_of(ref.spec) for ref in services.services}


def _body_of(document: str) -> str:
    """The report renderer writes a whole page; the dashboard shows what is inside its <body> (its own markup,
    autoescaped by the report's template), under the dashboard's header."""
    start, end = document.find("<body>"), document.rfind("</body>")
    return document[start + len("<body>"):end] if start >= 0 and end > start else document


@page
async def report_page(request: Request) -> Response:
    caller = require(request, "read")
    service = request.path_params["service"]
    home = request.query_params.get("home") or None
    period = request.query_params.get("period", "week")
    if period not in PERIODS:
        raise InvalidInputError(f"period: {period[:40]!r} is not a report period", hint="use day, week or month")
    since = request.query_params.get("since") or None
    environment = request.query_params.get("environment") or None

    def read() -> tuple[ops.ServiceRef, str]:
        ref = ops.locate_service(service, home)
        made = ops.report(ref.spec, period=period, since=since, environment=environment, fmt="html")
        return ref, ops.redact(ops.render_report(made, "html"))

    ref, document = await run_in_threadpool(read)
    return render(request, "report.html", caller, service=service, home=ref.home_id, period=period,
                  periods=PERIODS, environments=ref.environments, environment=environment or "",
                  report=Markup(_body_of(document)))   # safe: the report's own autoescaped template made it
