"""Serve the MCP face over HTTP: streamable HTTP at /mcp, legacy SSE at /sse, on uvicorn.

Host and Origin are checked against explicit allowlists (bad Host 421, bad Origin 403: DNS rebinding), and
every state-changing tool needs the bearer token. The token is SHIPMATE_MCP_TOKEN, or else the file
`<home>/mcp-token`, created 0600 with a random value on first start; only its path is ever printed.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from mcp.server.transport_security import TransportSecuritySettings

from shipmate.http_guard import HostOriginGuard, allowed_names

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from shipmate.mcp.server import ShipmateServer

TOKEN_ENV = "SHIPMATE_MCP_TOKEN"
TOKEN_FILE = "mcp-token"


def resolve_token(home: Path) -> tuple[str, str]:
    """(token, where it came from): the environment variable, or the token file (made on first start)."""
    from shipmate import ops

    return ops.bearer_token(home, env=TOKEN_ENV, file_name=TOKEN_FILE, what="the MCP token file")


def security_settings(host: str, port: int) -> TransportSecuritySettings:
    """Only this server's own address (and localhost) as Host; only browser pages served from it as Origin."""
    hosts, origins = allowed_names(host, port)
    return TransportSecuritySettings(enable_dns_rebinding_protection=True, allowed_hosts=sorted(hosts),
                                     allowed_origins=sorted(origins))


def http_app(server: ShipmateServer, host: str, port: int) -> Starlette:
    """One Starlette app with both transports; its lifespan runs the streamable HTTP session manager."""
    settings = security_settings(host, port)
    app = server.streamable_http_app(streamable_http_path="/mcp", transport_security=settings, host=host)
    legacy = server.sse_app(sse_path="/sse", message_path="/messages/", transport_security=settings, host=host)
    app.router.routes.extend(legacy.routes)
    # The same guard as serve's API in front of the SDK's own check: one behaviour, one error shape.
    hosts, origins = allowed_names(host, port)
    app.add_middleware(HostOriginGuard, hosts=hosts, origins=origins)
    return app


def serve_http(server: ShipmateServer, host: str, port: int) -> None:
    """Serve until interrupted, on a socket made here (IPPROTO_TCP: uvicorn then sets TCP_NODELAY)."""
    import socket

    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        from shipmate.errors import PrerequisiteMissingError

        sock.close()
        raise PrerequisiteMissingError(f"cannot listen on {host}:{port}: {exc.strerror}",
                                       hint="pick another --port") from exc
    bound = sock.getsockname()[1]
    config = uvicorn.Config(http_app(server, host, bound), log_level="warning", lifespan="on")
    uvicorn.Server(config).run(sockets=[sock])
