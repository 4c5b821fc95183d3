"""The one ASGI app on `shipmate serve`'s port. Routes read what they show through callables the serve
operation hands in (the supervisor's own view now, `shipmate.ops` for the API later), never the engine."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

Health = Callable[[], dict[str, Any]]


def create_app(health: Health) -> Starlette:
    """``health()`` says whether the supervisor loop is alive and what it watches; 503 when it is not ok."""

    async def healthz(request: Request) -> JSONResponse:
        body = health()
        return JSONResponse(body, status_code=200 if body.get("ok") else 503)

    from shipmate.web.metrics import metrics_route  # /metrics (issue 20): the homes serve watches, read per scrape

    return Starlette(routes=[Route("/healthz", healthz, methods=["GET"]),
                             metrics_route(lambda: [str(h) for h in health().get("homes", [])])])
