"""An MCP service as shipmate deploys one: the official SDK's streamable HTTP app on 127.0.0.1:$PORT, with a
/health route for the router's checks. MCP_APP_BROKEN=1 makes /health answer 500 (a release that must not go live).
"""

from __future__ import annotations

import os

import uvicorn
from mcp.server.mcpserver import MCPServer
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

VERSION = os.environ.get("SHIPMATE_VERSION", "dev")
server = MCPServer("shipmate-e2e-mcp", version=VERSION)


@server.tool()
def served_version() -> str:
    """The release this instance runs."""
    return VERSION


async def health(request: Request) -> JSONResponse:
    broken = os.environ.get("MCP_APP_BROKEN", "") not in ("", "0")
    return JSONResponse({"version": VERSION, "ok": not broken}, status_code=500 if broken else 200)


app = server.streamable_http_app()  # type: ignore[attr-defined]
app.router.routes.append(Route("/health", health))

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(os.environ["PORT"]), log_level="error")
