"""The one ASGI app on `shipmate serve`'s port: /healthz, the JSON API under /api/v1 (OpenAPI at
/openapi.json), the dashboard's login, later its pages. Routes read what they show through `shipmate.ops`
(and the supervisor's health the serve operation hands in), never the engine.

Every request first passes the Host/Origin/body-size guard (shipmate.http_guard), then the polled status may be
answered from its kept read (web/api/kept_status.py); who may do what is web/auth.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from shipmate.errors import ShipmateError
from shipmate.http_guard import HostOriginGuard, allowed_names
from shipmate.web.dashboard import page_routes
from shipmate.web.errors import on_shipmate_error, on_unexpected, shape
from shipmate.web.sessions import session_routes

Health = Callable[[], dict[str, Any]]
DEFAULT_PORT = 8765


def create_app(health: Health, *, port: int = DEFAULT_PORT, host: str = "127.0.0.1",
               extra_hosts: tuple[str, ...] = ()) -> Any:
    """``health()`` says whether the supervisor loop is alive and what it watches; 503 when it is not ok.
    ``extra_hosts``: more `name:port` values the Host allowlist accepts (a reverse proxy's name)."""
    from shipmate.web.api import api_router

    app = FastAPI(title="shipmate", version="1", docs_url=None, redoc_url=None,
                  description="The HTTP face of shipmate: the same operations as the CLI and MCP.")

    async def healthz(request: Request) -> JSONResponse:
        body = health()
        return JSONResponse(body, status_code=200 if body.get("ok") else 503)

    app.add_route("/healthz", healthz, methods=["GET"], include_in_schema=False)
    from shipmate.web.metrics import metrics_route  # /metrics (issue 20): the homes serve watches, read per scrape

    app.router.routes.append(metrics_route(lambda: [str(h) for h in health().get("homes", [])]))
    app.router.routes.extend(session_routes())
    app.router.routes.extend(page_routes())      # the dashboard (web/dashboard, web/templates)
    app.include_router(api_router(), prefix="/api/v1")
    app.add_exception_handler(ShipmateError, on_shipmate_error)
    app.add_exception_handler(RequestValidationError, _on_invalid_request)
    app.add_exception_handler(HTTPException, _on_http_exception)
    app.add_exception_handler(Exception, on_unexpected)
    from shipmate.web.api.kept_status import KeptStatus

    hosts, origins = allowed_names(host, port)
    extra = frozenset(extra_hosts)
    # Around the app: the guard first, for every request; then the polled status from its kept read, which so
    # skips FastAPI's per-request work too (routing, dependencies, its hooks).
    return HostOriginGuard(KeptStatus(app), hosts=hosts | extra, origins=origins | {f"http://{h}" for h in extra})


async def _on_invalid_request(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    first = errors[0] if errors else {}
    where = ".".join(str(part) for part in first.get("loc", ()))
    if first.get("type") == "json_invalid":
        return shape(400, "invalid_json", f"the body is not valid JSON ({where})", "send a JSON object")
    return shape(422, "invalid_input", f"{where}: {first.get('msg', 'invalid')}",
                 "see /openapi.json for this route's parameters",
                 details={"errors": [{"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", ""))}
                                     for e in errors[:20]]})


async def _on_http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    hint = "see /openapi.json for the routes" if exc.status_code in (404, 405) else None
    return shape(exc.status_code, code, f"{request.method} {request.url.path[:200]}: {exc.detail}", hint)
