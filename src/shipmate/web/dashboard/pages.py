"""The dashboard's read pages: overview, a service's history, one deployment, a live deployment, the login form.
Each asks `shipmate.ops` in a worker thread (reads touch SQLite) and renders one template."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from shipmate import ops
from shipmate.errors import ShipmateError
from shipmate.web.auth import require
from shipmate.web.dashboard import measure_pages
from shipmate.web.dashboard.rendering import page, render
from shipmate.web.paging import make_cursor, read_cursor

PAGE_SIZE = 25
STATES = ("succeeded", "failed", "rolled_back", "running", "monitoring", "rolling_back", "planned", "verifying")
END_STATES = frozenset({"succeeded", "failed", "rolled_back"})
ERRORS = {"invalid_token": "That token is unknown or revoked."}


def _home(request: Request) -> str | None:
    return request.query_params.get("home") or None


def _matrix(overview: ops.Overview, services: ops.ServicesResult) -> tuple[list[dict[str, Any]], list[str]]:
    """One row per service (and home), one column per environment, in the order the specs declare them."""
    refs = {ref.home_id: ref for ref in services.services}
    environments: list[str] = []
    for declared in services.services:
        environments += [env for env in declared.environments if env not in environments]
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for cell in overview.services:
        ref = refs.get(cell.home_id)
        row = rows.setdefault((cell.service, cell.home_id), {
            "service": cell.service, "home": ref.home if ref else "", "home_id": cell.home_id,
            "supervised": cell.supervised, "cells": {}})
        last = cell.last_deployment
        row["cells"][cell.environment] = {"cell": cell, "in_progress": last is not None and last.finished_at is None}
        if cell.environment not in environments:
            environments.append(cell.environment)
    return list(rows.values()), environments


@page
async def overview_page(request: Request) -> Response:
    caller = require(request, "read")
    overview, services = await run_in_threadpool(lambda: (ops.overview(), ops.registered_services()))
    rows, environments = _matrix(overview, services)
    uptime = await run_in_threadpool(measure_pages.uptime_cells, services)   # issue 20's figures
    return render(request, "overview.html", caller, rows=rows, environments=environments,
                  warnings=overview.warnings, uptime=uptime)


async def login_page(request: Request) -> Response:
    nxt = request.query_params.get("next", "/")
    error = ERRORS.get(request.query_params.get("error", ""), "")
    return render(request, "login.html", None, next=nxt if nxt.startswith("/") else "/", error=error)


@page
async def history_page(request: Request) -> Response:
    """A service's deployments, newest first, filtered and paged on the server (a signed keyset cursor)."""
    caller = require(request, "read")
    service, home = request.path_params["service"], _home(request)
    filters = {key: request.query_params.get(key, "").strip()[:100] for key in ("environment", "state", "actor")}
    limit = request.query_params.get("limit", "")
    size = max(1, min(200, int(limit))) if limit.isdigit() else PAGE_SIZE
    if limit.isdigit():
        filters["limit"] = str(size)
    scope = {"service": service, "home": home or "", **filters}

    def read() -> tuple[ops.ServiceRef, ops.DeploymentsPage]:
        ref = ops.locate_service(service, home)
        key = read_cursor(request.query_params.get("cursor"), scope)
        wanted = ops.list_filters(service=service, environment=filters["environment"] or None,
                                  state=filters["state"] or None, actor=filters["actor"] or None)
        before = (float(key[0]), str(key[1])) if key else None
        return ref, ops.deployments_page(wanted, home_id=ref.home_id, before=before, limit=size)

    ref, found = await run_in_threadpool(read)
    query = {k: v for k, v in {"home": home or "", **filters}.items() if v}
    first_url = f"/services/{service}/history?{urlencode(query)}"
    next_url = None
    if found.more and found.deployments:
        last = found.deployments[-1]
        cursor = make_cursor([last.started_at, last.deployment_id], scope)
        next_url = f"{first_url}&{urlencode({'cursor': cursor})}"
    return render(request, "history.html", caller, service=service, home=ref.home_id, rows=found.deployments,
                  environments=ref.environments, states=STATES, filters=filters,
                  first_url=first_url if request.query_params.get("cursor") else None, next_url=next_url)


@page
async def deployment_page(request: Request) -> Response:
    caller = require(request, "read")
    deployment_id = request.path_params["deployment_id"]
    service = request.query_params.get("service", "")
    home = _home(request)

    def read() -> tuple[ops.DeploymentDetail, list[str], list[ops.InstanceLog], str]:
        spec = ops.locate_service(service, home).spec if service else ops.find_deployment(deployment_id, home).spec
        detail = ops.deployment_detail(spec, deployment_id)
        try:
            logs = ops.logs(spec, environment=detail.deployment.environment, lines=40,
                            deployment_id=deployment_id).instances
            note = "" if logs else "No instance of this deployment has logs left."
        except ShipmateError as exc:
            logs, note = [], exc.message
        return detail, ops.window_charts(detail.verdict, chart_id=deployment_id), logs, note

    detail, charts, logs, note = await run_in_threadpool(read)
    ends = [s.offset_s + (s.duration_s or 0.0) for s in detail.steps]
    verdict = detail.verdict or None
    return render(request, "deployment.html", caller, detail=detail, home=home or "", charts=charts,
                  verdict=verdict, rules=((verdict or {}).get("evidence") or {}).get("rules") or [],
                  span=max([*ends, 0.001]), logs=logs, logs_note=note,
                  finished=detail.deployment.state in END_STATES)


@page
async def live_page(request: Request) -> Response:
    """A deployment as it runs: the page follows its events over SSE (webapi's stream) and can cancel it.
    Without ?deployment= it follows the one in progress in that environment (or, with ?after=<unix time>, the
    last one that started since), or waits for the next one."""
    caller = require(request, "read")
    service, environment, home = request.path_params["service"], request.path_params["environment"], _home(request)
    wanted = request.query_params.get("deployment", "")
    try:
        after = float(request.query_params.get("after", "") or "inf")
    except ValueError:
        after = float("inf")

    def read() -> tuple[ops.DeploymentDetail | None, str]:
        ref = ops.locate_service(service, home)
        deployment_id = wanted
        if not deployment_id:
            cell = next((c for c in ops.overview().services
                         if c.home_id == ref.home_id and c.environment == environment), None)
            last = cell.last_deployment if cell else None
            if last is not None and (last.finished_at is None or last.started_at >= after):
                deployment_id = last.deployment_id   # running now, or (?after=) the one that started since
        return (ops.deployment_detail(ref.spec, deployment_id) if deployment_id else None), ref.home_id

    detail, home_id = await run_in_threadpool(read)
    holder = caller.holder
    return render(request, "live.html", caller, detail=detail, service=service, environment=environment,
                  home=home_id, may_cancel=holder.allows("deploy"),
                  finished=detail is not None and detail.deployment.state in END_STATES)
