"""Turning ops results into HTML: the Jinja2 environment (autoescaped), the filters the templates share, and
the page wrapper that sends a logged-out browser to /login and shows any other refusal as a readable page."""

from __future__ import annotations

import functools
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from shipmate.errors import NotAuthenticatedError, ShipmateError
from shipmate.web.auth import Caller, csrf_token
from shipmate.web.errors import status_of

Page = Callable[[Request], Awaitable[Response]]


def _ago(ts: float | None) -> str:
    if ts is None:
        return ""
    seconds = max(0.0, time.time() - ts)
    for size, unit in ((86400, "d"), (3600, "h"), (60, "min")):
        if seconds >= size:
            return f"{int(seconds // size)} {unit} ago"
    return f"{int(seconds)} s ago"


def _when(ts: float | None) -> str:
    return "" if ts is None else datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _dur(seconds: float | None) -> str:
    if seconds is None:
        return "…"
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.1f} s" if seconds < 120 else \
        f"{seconds / 60:.1f} min"


def _pct(rate: float | None) -> str:
    return "no data" if rate is None else f"{rate:.1%}"


def _ms(value: float | None) -> str:
    return "no data" if value is None else f"{value:g} ms"


def _figure(value: float | None, rule: str) -> str:
    """A rule's observed value or limit in its own unit (rates in %, latencies in ms)."""
    if value is None:
        return "no data"
    if "rate" in rule or rule == "min_coverage":
        return f"{value:.1%}"
    return f"{value:.4g} ms" if rule.endswith("_ms") else f"{value:.4g}"


@functools.cache
def environment() -> Environment:
    env = Environment(loader=PackageLoader("shipmate.web", "templates"), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(ago=_ago, when=_when, dur=_dur, pct=_pct, ms=_ms, figure=_figure)
    return env


def render(request: Request, template: str, caller: Caller | None, http_status: int = 200, **context: Any
           ) -> HTMLResponse:
    holder = caller.holder if caller else None
    shown = {"actor": caller.actor, "scope": holder.scope, "agent": holder.agent} if caller and holder else None
    html = environment().get_template(template).render(caller=shown, csrf=csrf_token(request) if caller else "",
                                                       now=time.time(), **context)
    return HTMLResponse(html, status_code=http_status, headers={"Cache-Control": "no-store"})


def page(handler: Page) -> Page:
    """A GET page: logged out -> /login?next=<this page>; any other ShipmateError -> an error page with the
    status the API would give (404 unknown id, 403 scope, ...), never a traceback."""
    @functools.wraps(handler)
    async def wrapped(request: Request) -> Response:
        try:
            return await handler(request)
        except NotAuthenticatedError:
            here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(here, safe='')}", status_code=303)
        except ShipmateError as exc:
            return render(request, "error.html", None, http_status=status_of(exc), status=status_of(exc),
                          title="That did not work", message=exc.message, hint=exc.hint)
    return wrapped
