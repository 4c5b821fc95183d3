"""An MCP service as shipmate deploys one: the official SDK's streamable HTTP app on 127.0.0.1:$PORT, with a
/health route for the router's checks. MCP_APP_BROKEN=1 makes /health answer 500 (a release that must not go live).
MCP_APP_TOOLS adds tools: "echo" (text), "echo_v2" (the same name with another input schema).
POST /control {"mcp_fail": true} makes /mcp answer 503 from then on (an MCP endpoint that breaks after the switch).
"""

from __future__ import annotations

import json
import os
from typing import Any

import uvicorn
from mcp.server.mcpserver import MCPServer
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

VERSION = os.environ.get("SHIPMATE_VERSION", "dev")
TOOLS = {t.strip() for t in os.environ.get("MCP_APP_TOOLS", "").split(",") if t.strip()}
server = MCPServer("shipmate-e2e-mcp", version=VERSION)
STATE = {"mcp_fail": False}


@server.tool()
def served_version() -> str:
    """The release this instance runs."""
    return VERSION


if "echo" in TOOLS:
    @server.tool()
    def echo(text: str) -> dict[str, Any]:
        """Say it back."""
        return {"text": text, "version": VERSION}

if "echo_v2" in TOOLS:
    @server.tool(name="echo")
    def echo_v2(text: str, times: int = 1) -> dict[str, Any]:
        """Say it back, maybe more than once."""
        return {"text": text * times, "version": VERSION}


async def health(request: Request) -> JSONResponse:
    broken = os.environ.get("MCP_APP_BROKEN", "") not in ("", "0")
    return JSONResponse({"version": VERSION, "ok": not broken}, status_code=500 if broken else 200)


async def root(request: Request) -> JSONResponse:
    return JSONResponse({"version": VERSION})


async def items(request: Request) -> JSONResponse:
    if request.method == "POST":
        body = json.loads(await request.body() or b"{}")
        return JSONResponse({"created": body.get("name"), "version": VERSION}, status_code=201)
    return JSONResponse({"items": [{"name": "a"}], "version": VERSION})


async def control(request: Request) -> JSONResponse:
    STATE.update(json.loads(await request.body() or b"{}"))
    return JSONResponse(STATE)


inner = server.streamable_http_app()  # type: ignore[attr-defined]
inner.router.routes.extend([Route("/", root), Route("/health", health), Route("/items", items, methods=["GET", "POST"]),
                            Route("/control", control, methods=["POST"])])


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "http" and STATE["mcp_fail"] and scope["path"].startswith("/mcp"):
        await JSONResponse({"error": "mcp broken on purpose"}, status_code=503)(scope, receive, send)
        return
    await inner(scope, receive, send)


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(os.environ["PORT"]), log_level="error", lifespan="on")
