"""One backend of a route: its counters, whether it is still a member, and its idle keep-alive pool.

A pooled connection the backend closes while idle (uvicorn does on SIGTERM) simply leaves the
pool; a request that raced such a close is retried by the proxy when that is safe.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
from typing import Protocol, cast

from shipmate.router.red_metrics import BackendMetrics
from shipmate.traffic import Backend

log = logging.getLogger("shipmate.router")

CONNECT_TIMEOUT = 5.0   # backends are local; a connect this slow means the instance is wedged
MAX_IDLE = 256          # idle pooled connections kept per backend


def set_nodelay(transport: asyncio.BaseTransport) -> None:
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class UpstreamOwner(Protocol):
    """Whoever currently uses a backend connection (one client connection at a time)."""

    def upstream_data(self, data: bytes) -> None: ...

    def upstream_lost(self, upstream: Upstream) -> None: ...

    def upstream_pause_writing(self) -> None: ...

    def upstream_resume_writing(self) -> None: ...


class Upstream(asyncio.Protocol):
    """A connection to one backend; idle in the pool when ``owner`` is None."""

    def __init__(self, backend: BackendState) -> None:
        self.backend = backend
        self.transport: asyncio.Transport | None = None
        self.owner: UpstreamOwner | None = None
        self.closed = False
        self.uses = 0       # requests sent on it so far (>0: it came from the pool)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        set_nodelay(transport)
        self.backend.metrics.open_connections += 1

    def data_received(self, data: bytes) -> None:
        owner = self.owner
        if owner is not None:
            owner.upstream_data(data)
        else:
            self.close()  # bytes nobody asked for: this connection's framing can no longer be trusted

    def eof_received(self) -> bool:
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.backend.metrics.open_connections -= 1
        self.backend.idle.pop(self, None)
        owner, self.owner = self.owner, None
        if owner is not None:
            owner.upstream_lost(self)

    def pause_writing(self) -> None:
        if self.owner is not None:
            self.owner.upstream_pause_writing()

    def resume_writing(self) -> None:
        if self.owner is not None:
            self.owner.upstream_resume_writing()

    def write(self, data: bytes) -> None:
        if self.transport is not None:
            self.transport.write(data)

    def close(self) -> None:
        self.owner = None
        if self.transport is not None:
            self.transport.close()

    def abort(self) -> None:
        self.owner = None
        if self.transport is not None:
            self.transport.abort()


class BackendState:
    """A backend as the route sees it now: saved entry, membership, counters, idle connections."""

    def __init__(self, entry: Backend) -> None:
        self.entry = entry
        self.member = True
        self.metrics = BackendMetrics()
        # Insertion-ordered set: popitem() hands out the most recently used (likeliest alive) first.
        self.idle: dict[Upstream, None] = {}
        self.last_refusal_logged = 0.0

    def note_refused(self, port: int, exc: OSError) -> None:
        """Count a failed connect; log it at most once a second (held requests retry every 100 ms)."""
        self.metrics.errors += 1
        now = time.monotonic()
        if now - self.last_refusal_logged >= 1.0:
            self.last_refusal_logged = now
            log.warning("port %d: backend %s refused: %s", port, self.address, exc or type(exc).__name__)

    @property
    def address(self) -> str:
        return self.entry.address

    def take_idle(self) -> Upstream | None:
        idle = self.idle
        while idle:
            upstream, _ = idle.popitem()
            if not upstream.closed:
                return upstream
        return None

    async def connect(self) -> Upstream:
        """A fresh connection; OSError (refused, timeout) is the caller's to count and handle."""
        loop = asyncio.get_running_loop()
        async with asyncio.timeout(CONNECT_TIMEOUT):
            _, upstream = await loop.create_connection(
                lambda: Upstream(self), self.entry.host, self.entry.port)
        return upstream

    def release(self, upstream: Upstream, reusable: bool) -> None:
        """Back to the pool when it can carry another request and we still route here; else closed."""
        upstream.owner = None
        if reusable and self.member and not upstream.closed and len(self.idle) < MAX_IDLE:
            self.idle[upstream] = None
        else:
            upstream.close()

    def retire(self) -> None:
        """No longer a member: new requests go elsewhere, idle connections close now (drain)."""
        self.member = False
        for upstream in list(self.idle):
            upstream.close()
        self.idle.clear()

    def close_all_idle(self) -> None:
        for upstream in list(self.idle):
            upstream.close()
        self.idle.clear()

    @property
    def busy(self) -> bool:
        return self.metrics.in_flight > 0 or self.metrics.open_connections > 0
