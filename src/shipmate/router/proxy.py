"""TCP mode: each accepted connection is spliced to one backend chosen (by weight) when it arrives,
so switching never disturbs connections in flight. For services that do not speak HTTP.

Protocols and transports (not streams) keep the per-chunk cost to one ``write`` call; each
side pauses the other's reading when its write buffer fills, so a slow reader cannot make
the router buffer without bound. With no backend ready the connection waits (hold), unread.
"""

from __future__ import annotations

import asyncio
import logging
from typing import cast

from shipmate.router.backend_pool import CONNECT_TIMEOUT, BackendState, set_nodelay
from shipmate.router.route_state import RouteState

log = logging.getLogger("shipmate.router")

# One receive buffer for the whole loop: each chunk is copied out before the next recv_into,
# which is cheaper than asyncio allocating (and shrinking) a fresh 256 KiB bytes per recv.
_RECV_BUFFER = bytearray(65536)
_RECV_VIEW = memoryview(_RECV_BUFFER)


class ClientSide(asyncio.BufferedProtocol):
    """The accepted connection; it owns the pair and counts it on its backend until both sides closed."""

    def __init__(self, state: RouteState) -> None:
        self.state = state
        self.transport: asyncio.Transport | None = None
        self.backend: asyncio.Transport | None = None
        self.chosen: BackendState | None = None
        self.client_eof = False
        self.backend_eof = False
        self.closed = False
        self.connecting: asyncio.Task[None] | None = None
        # Bytes that arrive before the backend is connected (uvloop may deliver a first read
        # even though reading was paused in connection_made): kept, then sent first.
        self.early: list[bytes] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        self.state.accepted += 1
        self.state.connections.add(self)
        set_nodelay(transport)
        self.transport.pause_reading()  # client bytes wait in the kernel until a backend takes them
        self.connecting = asyncio.get_running_loop().create_task(self._connect())

    async def _connect(self) -> None:
        """A member by weight; refused ones are skipped; with none left, wait up to hold_s."""
        loop, state = asyncio.get_running_loop(), self.state
        tried: list[BackendState] = []
        deadline = -1.0
        while not self.closed:
            backend = state.choose(tried)
            if backend is None:
                held = await state.hold(deadline, bool(tried))
                if held is None:
                    self.abort()
                    return
                deadline = held
                tried.clear()
                continue
            try:
                async with asyncio.timeout(CONNECT_TIMEOUT):
                    await loop.create_connection(lambda b=backend: BackendSide(self, b),  # type: ignore[misc]
                                                 backend.entry.host, backend.entry.port)
                return
            except OSError as exc:  # refused, unreachable, or TimeoutError (an OSError too)
                backend.note_refused(state.port, exc)
                tried.append(backend)

    def check_deadline(self, now: float) -> None:
        """TCP connections have no deadline: a quiet connection may be a healthy one."""

    def hand_over(self) -> None:
        """A spliced connection is pinned: it finishes on this daemon."""

    def backend_made(self, transport: asyncio.Transport, backend: BackendState) -> None:
        self.backend = transport
        self.chosen = backend
        metrics = backend.metrics
        metrics.requests += 1
        metrics.in_flight += 1
        metrics.open_connections += 1
        set_nodelay(transport)
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
        self.state.connections.discard(self)
        if self.backend is not None:
            self.backend.close()
        elif self.connecting is not None:
            self.connecting.cancel()

    def backend_lost(self) -> None:
        if self.chosen is not None:
            self.chosen.metrics.in_flight -= 1
            self.chosen.metrics.open_connections -= 1
        if self.transport is not None:
            self.transport.close()

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()
        if self.backend is not None:
            self.backend.abort()


class BackendSide(asyncio.BufferedProtocol):
    """The outgoing connection to the backend; forwards everything to its ClientSide."""

    def __init__(self, client: ClientSide, backend: BackendState) -> None:
        self.client = client
        self.chosen = backend
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        self.client.backend_made(self.transport, self.chosen)

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
