"""The guard every HTTP face puts in front of its routes (serve's app and `shipmate mcp --http`).

A pure ASGI middleware, so streamed responses (SSE) pass untouched:
- Host must be one of this server's own names (else 421): a DNS-rebinding page reaches 127.0.0.1 under its
  own name, and its Host header gives it away;
- Origin, when sent, must be one of this server's own origins (else 403; `null` is refused too): a page of
  another site never gets to act here, nor to read (no CORS headers are ever sent);
- a request body over the limit is refused with 413 before it is read (Content-Length) or while it arrives.

This module is neutral ground: faces may import it, it imports no face and nothing of the core.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY = 10 * 1024 * 1024


def allowed_names(host: str, port: int) -> tuple[frozenset[str], frozenset[str]]:
    """(Host values, Origin values) for a server bound to ``host``:``port``: loopback answers as both
    127.0.0.1 and localhost; any other bind address only as itself."""
    names = {host, "127.0.0.1", "localhost"} if host in ("127.0.0.1", "localhost") else {host}
    hosts = {f"{name}:{port}" for name in names} | (names if port == 80 else set())
    return frozenset(hosts), frozenset(f"http://{value}" for value in hosts)


def refusal(status: int, code: str, message: str, hint: str) -> bytes:
    """The one error shape of shipmate's HTTP faces (web/errors.py gives the same for ShipmateErrors)."""
    return json.dumps({"code": code, "message": message, "hint": hint, "exit_code": 6 if status != 413 else 2,
                       "details": {}}).encode()


class HostOriginGuard:
    def __init__(self, app: ASGIApp, *, hosts: Iterable[str], origins: Iterable[str],
                 max_body: int = MAX_BODY) -> None:
        self.app = app
        self.hosts = frozenset(hosts)
        self.origins = frozenset(origins)
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        host = headers.get("host", "")
        if host not in self.hosts:
            await _send(send, 421, refusal(421, "misdirected", f"Host {host[:80]!r} is not this server's name",
                                           "use the address `shipmate serve` printed (DNS rebinding guard)"))
            return
        origin = headers.get("origin")
        if origin is not None and origin not in self.origins:
            await _send(send, 403, refusal(403, "forbidden", f"Origin {origin[:80]!r} may not call this server",
                                           "only pages this server serves may call it from a browser"))
            return
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > self.max_body:
            await _send(send, 413, _too_large(self.max_body))
            return
        await self.app(scope, _limited(receive, self.max_body), send)


def _too_large(limit: int) -> bytes:
    return refusal(413, "too_large", f"request body over {limit // (1024 * 1024)} MB",
                   "send less; nothing this API takes is that large")


def _limited(receive: Receive, limit: int) -> Receive:
    """A receive that stops a chunked body once it passes the limit (the app sees a disconnect)."""
    seen = 0

    async def wrapped() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                return {"type": "http.disconnect"}
        return message
    return wrapped


async def _send(send: Send, status: int, body: bytes) -> None:
    headers: list[Any] = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
