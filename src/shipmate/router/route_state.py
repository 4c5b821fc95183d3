"""The live state of one public port: listener, member backends, retired ones still counted, hold.

``apply`` swaps the backend set in one step (no await), so every request after it sees the new
set and none sees half of it. Retired backends stay counted (member=False) until drained and for
a while after, so a monitor reading deltas sees their last requests.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from shipmate.router.backend_pool import BackendState
from shipmate.router.balancer import Balancer
from shipmate.router.table import Route

log = logging.getLogger("shipmate.router")

KEEP_RETIRED = 16           # idle retired backends kept in stats after they drained
SWEEP_INTERVAL = 0.1        # how often connection deadlines (idle, head, response) are checked


class Connection(Protocol):
    """A client connection the route can time out or cut."""

    def check_deadline(self, now: float) -> None: ...

    def hand_over(self) -> None: ...

    def abort(self) -> None: ...


class RouteState:
    """Listener, backends and route counters of one public port (outlives removal while draining)."""

    def __init__(self, port: int, token: str = "") -> None:
        self.port = port
        self.token = token
        self.route: Route | None = None
        self.server: asyncio.Server | None = None
        self.error: str | None = None
        self.members: list[BackendState] = []
        self.retired: list[BackendState] = []
        self.balancer: Balancer[BackendState] = Balancer([], lambda b: 0)
        self.connections: set[Connection] = set()
        self.accepted = 0
        self.held = 0
        self.hold_timeouts = 0
        self.rejected = 0
        self.changed = asyncio.Event()
        self.sweeper: asyncio.Task[None] | None = None
        self.handing_over = False
        self.factory: Callable[[], asyncio.BaseProtocol] | None = None
        self.adopting: set[asyncio.Task[None]] = set()

    # -- backend set ----------------------------------------------------------------------

    def apply(self, route: Route | None) -> None:
        """Make ``route``'s backends the members (None: no route, every backend retires)."""
        self.route = route
        wanted = route.backends if route is not None else ()
        known = {(b.address, b.entry.instance_id): b for b in [*self.retired, *self.members]}
        members: list[BackendState] = []
        for entry in wanted:
            backend = known.pop((entry.address, entry.instance_id), None)
            if backend is None:
                backend = BackendState(entry)
            backend.entry, backend.member = entry, True
            members.append(backend)
        kept = {id(b) for b in members}
        for backend in self.members:
            if id(backend) not in kept:
                backend.retire()
                self.retired.append(backend)
        self.retired = [b for b in self.retired if id(b) not in kept]
        self.members = members
        self.balancer = Balancer(members, lambda b: b.entry.weight)
        self._trim_retired()
        self.changed.set()
        self.changed = asyncio.Event()  # waiters hold the old (now set) event

    def _trim_retired(self) -> None:
        busy = [b for b in self.retired if b.busy]
        idle = [b for b in self.retired if not b.busy][-KEEP_RETIRED:]
        self.retired = [b for b in self.retired if b in busy or b in idle]

    def choose(self, exclude: Iterable[BackendState] = (), side: str | None = None,
               prefer_role: str | None = None) -> BackendState | None:
        """A member for the next request: ``side`` (X-Shipmate-Route) may reach weight-0 members."""
        skip = set(map(id, exclude))
        if side is not None:
            wanted = [b for b in self.members if id(b) not in skip and side in (b.entry.role, b.entry.version)]
            weighted = [b for b in wanted if b.entry.weight > 0]
            return self.balancer.pick(lambda b: b in weighted) if weighted else (wanted[0] if wanted else None)
        if prefer_role is not None:
            picked = self.balancer.pick(lambda b: id(b) not in skip and b.entry.role == prefer_role)
            if picked is not None:
                return picked
        if not skip:
            return self.balancer.pick()
        return self.balancer.pick(lambda b: id(b) not in skip)

    async def wait_changed(self, timeout: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.changed.wait(), timeout)

    async def hold(self, deadline: float, retrying: bool) -> float | None:
        """Wait once for the backend set to change, under router.hold (kamal-proxy's pause).

        Pass -1 the first time (the request or connection is then counted as held) and the returned
        deadline after; None means hold ran out (counted too). ``retrying`` members that refused are
        tried again every 100 ms instead of waiting for a change.
        """
        now = asyncio.get_running_loop().time()
        if deadline < 0:
            deadline = now + (self.route.hold_s if self.route is not None else 0.0)
            if deadline > now:
                self.held += 1
        if now >= deadline:
            self.hold_timeouts += 1
            return None
        await self.wait_changed(min(deadline - now, 0.1 if retrying else deadline - now))
        return deadline

    # -- listener -------------------------------------------------------------------------

    async def listen(self, factory: Callable[[], asyncio.BaseProtocol], *, probe: bool = True,
                     inherited: socket.socket | None = None) -> None:
        """Bind 127.0.0.1:port with SO_REUSEPORT (so a successor daemon can bind before this one lets go);
        ``probe`` first checks nobody else holds the port. Raises OSError and records it in ``error``.

        ``inherited``: the very listening socket of the daemon this one replaces (same accept queue,
        so a restart neither refuses nor resets a single connection)."""
        loop = asyncio.get_running_loop()
        try:
            if inherited is not None:
                self.server = await loop.create_server(factory, sock=inherited, backlog=1024)
            elif probe:
                with socket.socket() as sock:  # no SO_REUSEPORT: fails on any listener, ours included
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    sock.bind(("127.0.0.1", self.port))
            if inherited is None:
                self.server = await loop.create_server(factory, "127.0.0.1", self.port, reuse_address=True,
                                                       reuse_port=True, backlog=1024)
        except OSError as exc:
            self.error = f"cannot listen on 127.0.0.1:{self.port}: {exc.strerror or exc}"
            raise
        self.error = None
        self.factory = factory
        if self.sweeper is None:
            self.sweeper = loop.create_task(self._sweep())

    def hand_over(self) -> None:
        """Stop accepting (the successor accepts now) and let every connection finish, then close."""
        self.handing_over = True
        self._adopt_accept_queue()
        self.stop_listening(close_connections=False)
        for conn in list(self.connections):
            conn.hand_over()

    def _adopt_accept_queue(self) -> None:
        """Take every connection the kernel already queued on our listener before closing it: with
        SO_REUSEPORT, closing a listener resets what waits in its own accept queue (the successor
        gets only new connections). What arrives in the microseconds between this and close() is lost."""
        if self.server is None or self.factory is None:
            return
        loop = asyncio.get_running_loop()
        for listener in self.server.sockets:
            raw = socket.socket(fileno=os.dup(listener.fileno()))
            raw.setblocking(False)
            try:
                while True:
                    try:
                        conn, _ = raw.accept()
                    except (BlockingIOError, InterruptedError):
                        break
                    except OSError as exc:
                        log.warning("port %d: accept during hand-over failed: %s", self.port, exc)
                        break
                    conn.setblocking(False)
                    task = loop.create_task(self._adopt(conn))
                    self.adopting.add(task)
                    task.add_done_callback(self.adopting.discard)
            finally:
                raw.close()

    async def _adopt(self, conn: socket.socket) -> None:
        assert self.factory is not None
        loop = asyncio.get_running_loop()
        try:
            _, protocol = await loop.connect_accepted_socket(self.factory, conn)
        except OSError:
            conn.close()
            return
        hand_over = getattr(protocol, "hand_over", None)  # a Connection: finish, then close, like the rest
        if callable(hand_over):
            hand_over()

    def listening_fd(self) -> int | None:
        """The listening socket's descriptor, to hand to a successor daemon (None when not listening)."""
        if self.server is None or not self.server.sockets:
            return None
        return int(self.server.sockets[0].fileno())

    def stop_listening(self, close_connections: bool) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None
        if close_connections:
            for conn in list(self.connections):
                conn.abort()
            for backend in [*self.members, *self.retired]:
                backend.close_all_idle()

    async def _sweep(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(SWEEP_INTERVAL)
            now = loop.time()
            for conn in list(self.connections):
                try:
                    conn.check_deadline(now)
                except Exception:  # one connection's bug must not stop timeouts for all others
                    log.exception("port %d: deadline check failed", self.port)

    def stop(self) -> None:
        if self.sweeper is not None:
            self.sweeper.cancel()
            self.sweeper = None

    @property
    def idle(self) -> bool:
        return self.route is None and self.server is None and not self.connections

    # -- stats ----------------------------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        self._trim_retired()
        mode = self.route.mode if self.route is not None else "http"
        return {
            "port": self.port, "mode": mode,
            "backends": [b.metrics.to_dict(b.entry, b.member) for b in [*self.members, *self.retired]],
            "accepted": self.accepted, "held": self.held, "hold_timeouts": self.hold_timeouts,
            "rejected": self.rejected, "connections": len(self.connections),
            "listening": self.server is not None,
        }
