"""Byte forwarding for one public port: each accepted connection is spliced to the backend
that was current when it arrived, so switching a route never disturbs connections in flight.

Protocols and transports (not streams) keep the per-chunk cost to one ``write`` call; each
side pauses the other's reading when its write buffer fills, so a slow reader cannot make
the router buffer without bound.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from typing import cast

from shipmate.router.table import Route

log = logging.getLogger("shipmate.router")

CONNECT_TIMEOUT = 10.0  # backends are local; a connect this slow means the instance is wedged

# One receive buffer for the whole loop: each chunk is copied out before the next recv_into,
# which is cheaper than asyncio allocating (and shrinking) a fresh 256 KiB bytes per recv.
_RECV_BUFFER = bytearray(65536)
_RECV_VIEW = memoryview(_RECV_BUFFER)


def _set_nodelay(transport: asyncio.BaseTransport) -> None:
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class RouteState:
    """Listener, current backend and counters of one public port (outlives removal while draining)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.route: Route | None = None
        self.server: asyncio.Server | None = None
        self.error: str | None = None
        self.accepted = 0
        self.backend_refused = 0
        self.active: dict[str, int] = {}
        self.connections: set[ClientSide] = set()

    async def listen(self) -> None:
        """Bind 127.0.0.1:port; raises OSError (EADDRINUSE etc.) and records it in ``error``."""
        loop = asyncio.get_running_loop()
        try:
            self.server = await loop.create_server(
                lambda: ClientSide(self), "127.0.0.1", self.port, reuse_address=True, backlog=1024
            )
        except OSError as exc:
            self.error = f"cannot listen on 127.0.0.1:{self.port}: {exc.strerror or exc}"
            raise
        self.error = None

    def stop_listening(self, close_connections: bool) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None
        if close_connections:
            for conn in list(self.connections):
                conn.abort()

    @property
    def idle(self) -> bool:
        return self.route is None and self.server is None and not self.connections

    def stats(self) -> dict[str, object]:
        return {
            "port": self.port,
            "backend": self.route.backend if self.route else None,
            "active": dict(self.active),
            "accepted": self.accepted,
            "backend_refused": self.backend_refused,
        }

    def _opened(self, conn: ClientSide) -> None:
        self.connections.add(conn)
        self.active[conn.backend_key] = self.active.get(conn.backend_key, 0) + 1

    def _closed(self, conn: ClientSide) -> None:
        self.connections.discard(conn)
        left = self.active.get(conn.backend_key, 0) - 1
        if left > 0:
            self.active[conn.backend_key] = left
        else:
            self.active.pop(conn.backend_key, None)


class ClientSide(asyncio.BufferedProtocol):
    """The accepted connection; it owns the pair and counts it active until both sides closed."""

    def __init__(self, state: RouteState) -> None:
        self.state = state
        self.transport: asyncio.Transport | None = None
        self.backend: asyncio.Transport | None = None
        self.backend_key = ""
        self.open_sides = 0
        self.client_eof = False
        self.backend_eof = False
        self.closed = False
        self.connecting: asyncio.Task[None] | None = None
        # Bytes that arrive before the backend is connected (uvloop may deliver a first read
        # even though reading was paused in connection_made): kept, then sent first.
        self.early: list[bytes] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        route = self.state.route
        self.state.accepted += 1
        if route is None:
            self.transport.close()
            return
        _set_nodelay(transport)
        # Hold client bytes in the kernel until the backend is there to take them.
        self.transport.pause_reading()
        self.backend_key = route.backend
        self.open_sides = 2  # the client, and the backend being connected
        self.state._opened(self)
        # Referenced from here: the loop keeps only weak references to tasks.
        self.connecting = asyncio.get_running_loop().create_task(
            self._connect(route.backend_host, route.backend_port)
        )

    async def _connect(self, host: str, port: int) -> None:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(CONNECT_TIMEOUT):
                await loop.create_connection(lambda: BackendSide(self), host, port)
        except OSError as exc:  # refused, unreachable, or TimeoutError (an OSError too)
            self.state.backend_refused += 1
            log.warning("port %d: backend %s:%d refused: %s", self.state.port, host, port, exc)
            if self.transport is not None:
                self.transport.abort()
            self._side_done()

    def backend_made(self, transport: asyncio.Transport) -> None:
        self.backend = transport
        _set_nodelay(transport)
        if self.closed:
            transport.close()
            return
        if self.early:
            transport.write(b"".join(self.early))
            self.early.clear()
            if self.client_eof and transport.can_write_eof():
                transport.write_eof()
        if self.transport is not None:
            self.transport.resume_reading()

    def get_buffer(self, sizehint: int) -> memoryview:
        return _RECV_VIEW

    def buffer_updated(self, nbytes: int) -> None:
        if self.backend is not None:
            self.backend.write(_RECV_BUFFER[:nbytes])
        else:
            self.early.append(bytes(_RECV_BUFFER[:nbytes]))

    def eof_received(self) -> bool:
        self.client_eof = True
        if self.backend is None:
            return True  # half-close is passed on once the backend is connected
        if not self.backend.can_write_eof():
            return False
        self.backend.write_eof()
        self._close_if_both_eof()
        return True

    def backend_eof_received(self) -> bool:
        self.backend_eof = True
        if self.transport is None or self.closed or not self.transport.can_write_eof():
            return False
        self.transport.write_eof()
        self._close_if_both_eof()
        return True

    def _close_if_both_eof(self) -> None:
        if self.client_eof and self.backend_eof:
            if self.transport is not None:
                self.transport.close()
            if self.backend is not None:
                self.backend.close()

    def pause_writing(self) -> None:
        if self.backend is not None:
            self.backend.pause_reading()

    def resume_writing(self) -> None:
        if self.backend is not None:
            self.backend.resume_reading()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.backend is not None:
            self.backend.close()
        self._side_done()

    def backend_lost(self) -> None:
        if self.transport is not None:
            self.transport.close()
        self._side_done()

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()
        if self.backend is not None:
            self.backend.abort()

    def _side_done(self) -> None:
        self.open_sides -= 1
        if self.open_sides == 0:
            self.state._closed(self)


class BackendSide(asyncio.BufferedProtocol):
    """The outgoing connection to the backend; forwards everything to its ClientSide."""

    def __init__(self, client: ClientSide) -> None:
        self.client = client
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        self.client.backend_made(self.transport)

    def get_buffer(self, sizehint: int) -> memoryview:
        return _RECV_VIEW

    def buffer_updated(self, nbytes: int) -> None:
        client = self.client.transport
        if client is not None:
            client.write(_RECV_BUFFER[:nbytes])

    def eof_received(self) -> bool:
        return self.client.backend_eof_received()

    def pause_writing(self) -> None:
        if self.client.transport is not None:
            self.client.transport.pause_reading()

    def resume_writing(self) -> None:
        if self.client.transport is not None:
            self.client.transport.resume_reading()

    def connection_lost(self, exc: Exception | None) -> None:
        self.client.backend_lost()
