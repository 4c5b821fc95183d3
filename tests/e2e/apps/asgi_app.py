"""A minimal ASGI app for uvicorn: the server, not the app, is what these tests exercise.

uvicorn closes idle keep-alive connections at once on SIGTERM — the case that lost requests
behind the connection-pinning TCP router.
"""

import json
import os

VERSION = os.environ.get("SHIPMATE_VERSION", "?")


async def app(scope, receive, send):  # type: ignore[no-untyped-def]
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    body = json.dumps({"version": VERSION, "path": scope["path"]}).encode()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
