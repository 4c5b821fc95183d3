"""GET routes (scope read) for what issue 20 measures: `shipmate uptime` and `shipmate report` of one service.

The report answers in the format asked for: json is the typed ReportResult, md and html are the very text the
CLI writes (same renderer, secrets filtered), with their own content type."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from starlette.responses import JSONResponse, Response

from shipmate import ops
from shipmate.web.api.params import Environment, Home, Service
from shipmate.web.api.report_schema import ReportOut
from shipmate.web.api.responses import result
from shipmate.web.auth import Caller, needs

router = APIRouter(tags=["read"])
Reader = Annotated[Caller, Depends(needs("read"))]

Period = Annotated[str, Query(pattern=r"^(day|week|month)$", description="day | week | month.")]
# A date or an ISO time of this millennium (a year 9999 would overflow the period's end).
ReportSince = Annotated[str | None, Query(
    pattern=r"^(19|20)\d\d-\d\d-\d\d([T ]\d\d:\d\d(:\d\d(\.\d{1,6})?)?(Z|[+-]\d\d:?\d\d)?)?$",
    description="Start of the period (YYYY-MM-DD or an ISO time); default: the period ending now.")]
Format = Annotated[str, Query(pattern=r"^(json|md|html)$", description="json (typed) | md | html.")]
MEDIA = {"md": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8"}
TEXT: dict[int | str, dict[str, Any]] = {200: {"content": {
    "text/markdown": {"schema": {"type": "string"}}, "text/html": {"schema": {"type": "string"}}}}}


@router.get("/services/{service}/uptime", response_model=ops.UptimeResult,
            summary="As `shipmate uptime`: 24 h / 7 d / 30 d and the SLO window, error budget left, incidents")
def uptime(service: Service, caller: Reader, home: Home = None, environment: Environment = None) -> JSONResponse:
    return result(ops.uptime(ops.locate_service(service, home).spec, environment=environment))


@router.get("/services/{service}/report", response_model=ReportOut, responses=TEXT,
            summary="As `shipmate report`: DORA keys, rollbacks, calibration, uptime, approvals of one period")
def report(service: Service, caller: Reader, home: Home = None, environment: Environment = None,
           period: Period = "week", since: ReportSince = None, format: Format = "json") -> Response:
    made = ops.report(ops.locate_service(service, home).spec, period=period, since=since,
                      environment=environment, fmt=format)
    if format == "json":
        return result(made)
    return Response(ops.redact(ops.render_report(made, format)) + "\n", media_type=MEDIA[format])
