"""The polled status read, answered before FastAPI's routing when a kept read can answer it.

`GET /api/v1/services/{service}/status` is what dashboards, CI and bots poll. Its answer comes from a read at most
1 s old (read_routes.status_reads), but reaching it through FastAPI costs ~0.5 ms of the event loop per request:
matching ~60 routes, solving the dependencies, validating the parameters. Here the same answer is sent for the
common case alone: a GET of that path, the same checks as the route (the `read` scope, the parameter patterns)
and a kept read young enough. Anything else (no kept read yet, a refused token, an odd query) goes on to the
route, which reads, refuses or explains as ever; so this adds no behaviour of its own.
"""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from shipmate.errors import ShipmateError
from shipmate.web.api.params import HOME, LABEL
from shipmate.web.api.read_routes import status_key, status_reader, status_reads
from shipmate.web.auth import require

# The route's own patterns (params.py), so this path answers exactly the requests the route would.
_PATH = re.compile(r"/api/v1/services/(" + LABEL.strip("^$") + ")/status")
_QUERY = {"home": re.compile(HOME.strip("^$")), "environment": re.compile(LABEL.strip("^$"))}


class KeptStatus:
    """ASGI wrapper of the app (inside the Host/Origin guard): the kept status read's bytes, or on to the app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            match = _PATH.fullmatch(scope["path"])
            kept = _kept(scope, match.group(1)) if match else None
            if kept is not None:
                body, age = kept
                await send({"type": "http.response.start", "status": 200, "headers": [
                    (b"content-length", str(len(body)).encode()), (b"content-type", b"application/json"),
                    (b"age", str(age).encode())]})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


def _kept(scope: Scope, service: str) -> tuple[bytes, int] | None:
    """(body, age in s) when a kept read answers this request exactly as the route would; else None."""
    query: dict[str, str] = {}
    for name, value in parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True):
        pattern = _QUERY.get(name)
        if pattern is None or name in query or not pattern.fullmatch(value):
            return None   # the route decides what an unknown, repeated or malformed parameter means
        query[name] = value
    try:
        require(Request(scope), "read")
    except ShipmateError:
        return None       # the route says why (401/403), in the one error shape
    except Exception:     # outside FastAPI's error handling here: the route meets it again and answers it
        return None
    key = status_key(service, query.get("home"), query.get("environment"))
    hit = status_reads.peek(key, status_reader(*key))
    if hit is None:
        return None
    return hit[1], max(0, int(time.monotonic() - hit[0]))
