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
from shipmate.web.dashboard.rendering import page, render

PAGE_SIZE = 25
HISTORY_READ = 1000          # newest rows read per environment for the filters; one page of them is sent
STATES = ("succeeded", "failed", "rolled_back", "running", "monitoring", "rolling_back", "planned", "verifying")
END_STATES = frozenset({"succeeded", "failed", "rolled_back"})
ERRORS = {"invalid_token": "That token is unknown or revoked."}


def _home(request: Request) -> str | None:
    return request.query_params.get("home") or None


def _matrix(result: ops.OverviewResult) -> tuple[list[dict[str, Any]], list[str]]:
    """One row per service (and home), one column per environment, in the order the specs declare them."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    environments: list[str] = []
    for cell in result.services:
        row = rows.setdefault((cell.service, cell.home_id), {
            "service": cell.service, "home": cell.home, "home_id": cell.home_id, "supervised": cell.supervised,
            "cells": {}})
        row["cells"][cell.environment] = cell
        if cell.environment not in environments:
            environments.append(cell.environment)
    return list(rows.values()), environments


@page
async def overview_page(request: Request) -> Response:
    caller = require(request, "read")
    result = await run_in_threadpool(ops.overview)
    rows, environments = _matrix(result)
    return render(request, "overview.html", caller, rows=rows, environments=environments, warnings=result.warnings)


async def login_page(request: Request) -> Response:
    nxt = request.query_params.get("next", "/")
    error = ERRORS.get(request.query_params.get("error", ""), "")
    return render(request, "login.html", None, next=nxt if nxt.startswith("/") else "/", error=error)


@page
async def history_page(request: Request) -> Response:
    caller = require(request, "read")
    service, home = request.path_params["service"], _home(request)
    filters = {key: request.query_params.get(key, "").strip()[:100] for key in ("environment", "state", "actor")}
    try:
        number = max(1, min(10_000, int(request.query_params.get("page", "1"))))
    except ValueError:
        number = 1

    def read() -> tuple[list[ops.DeploymentRecord], list[str], str]:
        spec = ops.service_spec(service, home)
        environments = [c.environment for c in ops.overview().services
                        if c.service == service and c.spec == spec]
        found = ops.history(spec, environment=filters["environment"] or None, limit=HISTORY_READ).deployments
        return found, environments, spec

    found, environments, _ = await run_in_threadpool(read)
    matching = [d for d in found if (not filters["state"] or d.state == filters["state"])
                and (not filters["actor"] or filters["actor"].lower() in d.actor.lower())]
    shown = matching[(number - 1) * PAGE_SIZE:number * PAGE_SIZE]

    def link(to: int) -> str:
        query = {"home": home or "", **{k: v for k, v in filters.items() if v}, "page": str(to)}
        return f"/services/{service}/history?{urlencode(query)}"

    return render(request, "history.html", caller, service=service, home=home or "", rows=shown,
                  environments=environments, states=STATES, filters=filters, page=number,
                  prev_url=link(number - 1) if number > 1 else None,
                  next_url=link(number + 1) if len(matching) > number * PAGE_SIZE else None)


@page
async def deployment_page(request: Request) -> Response:
    caller = require(request, "read")
    deployment_id = request.path_params["deployment_id"]
    service = request.query_params.get("service", "")
    home = _home(request)

    def read() -> tuple[ops.DeploymentDetail, list[str], list[ops.InstanceLog], str]:
        spec = ops.service_spec(service, home)
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
        spec = ops.service_spec(service, home)
        deployment_id = wanted
        home_id = home or ""
        if not deployment_id:
            cell = next((c for c in ops.overview().services
                         if c.spec == spec and c.environment == environment), None)
            last = cell.last_deployment if cell else None
            deployment_id = (cell.in_progress or "") if cell else ""
            if not deployment_id and last is not None and last.started_at >= after:
                deployment_id = last.deployment_id      # ?after=: the one that started since (it may be done)
            home_id = cell.home_id if cell else home_id
        return (ops.deployment_detail(spec, deployment_id) if deployment_id else None), home_id

    detail, home_id = await run_in_threadpool(read)
    holder = caller.holder
    return render(request, "live.html", caller, detail=detail, service=service, environment=environment,
                  home=home_id, may_cancel=holder.allows("deploy"),
                  finished=detail is not None and detail.deployment.state in END_STATES)
