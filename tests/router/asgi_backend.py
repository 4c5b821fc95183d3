"""A tiny ASGI app the http-mode tests run under real uvicorn (one process per backend).

NAME (env) is echoed in every answer, so a test sees which backend served it. Paths:
/ -> NAME; /count -> the request body's length;
/status/<n> -> that status; /slow/<s> -> waits s seconds; /echo -> streams the request
body back (chunked); /stream/<n> -> n chunks of 1 KiB (chunked); /headers -> the request headers as JSON;
/ws -> WebSocket echo prefixed with NAME.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Awaitable, Callable
from typing import Any

NAME = os.environ.get("NAME", "?").encode()

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] == "websocket":
        await _websocket(receive, send)
        return
    path: str = scope["path"]
    if path == "/echo":
        await send({"type": "http.response.start", "status": 200, "headers": [(b"x-name", NAME)]})
        while True:
            message = await receive()
            body = message.get("body", b"")
            if body:
                await send({"type": "http.response.body", "body": body, "more_body": True})
            if not message.get("more_body"):
                break
        await send({"type": "http.response.body", "body": b""})
        return
    size = await _drain(receive)
    status, body, headers = 200, NAME, [(b"content-type", b"text/plain")]
    if path == "/count":
        body = str(size).encode()
    elif path.startswith("/status/"):
        status = int(path.rsplit("/", 1)[1])
    elif path.startswith("/slow/"):
        await asyncio.sleep(float(path.rsplit("/", 1)[1]))
    elif path == "/headers":
        body = json.dumps({k.decode(): v.decode() for k, v in scope["headers"]}).encode()
    elif path.startswith("/stream/"):
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        for _ in range(int(path.rsplit("/", 1)[1])):
            await send({"type": "http.response.body", "body": b"x" * 1024, "more_body": True})
        await send({"type": "http.response.body", "body": b""})
        return
    await send({"type": "http.response.start", "status": status,
                "headers": [*headers, (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


async def _drain(receive: Receive) -> int:
    size = 0
    while True:
        message = await receive()
        size += len(message.get("body", b""))
        if message["type"] != "http.request" or not message.get("more_body"):
            return size


async def _websocket(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "websocket.connect":
            await send({"type": "websocket.accept"})
        elif message["type"] == "websocket.receive":
            text = message.get("text") or (message.get("bytes") or b"").decode()
            await send({"type": "websocket.send", "text": f"{NAME.decode()}:{text}"})
        else:
            return
