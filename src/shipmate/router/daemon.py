"""The router daemon: route table, listeners and the JSON-lines control socket.

Every change is written to routes.json before it is acknowledged, so a route the client was
told about survives a crash of the daemon; listeners are re-bound from the table on start.
Changes carry the caller's fencing number: one older than the route's last is refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import logging
import os
import secrets
import signal
import socket
from collections.abc import Callable
from typing import Any

from shipmate.router.fingerprint import code_fingerprint
from shipmate.router.handover import finish_then_stop, spawn_successor
from shipmate.router.http_proxy import HttpClient
from shipmate.router.paths import RouterPaths, ensure_runtime_dir
from shipmate.router.proxy import ClientSide
from shipmate.router.route_state import RouteState
from shipmate.router.table import Route, TableError, save_table

log = logging.getLogger("shipmate.router")

Reply = dict[str, Any]


class RequestError(Exception):
    """A request the daemon refuses; ``code`` travels to the client in the reply."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class RouterDaemon:
    def __init__(self, paths: RouterPaths) -> None:
        self.paths = paths
        self.table: dict[int, Route] = {}
        self.states: dict[int, RouteState] = {}
        self.stopped = asyncio.Event()
        self.control: asyncio.AbstractServer | None = None
        self.mutex = asyncio.Lock()
        self.code = code_fingerprint()  # the code this process runs (see fingerprint.py)
        self.token = ""
        self.release_lock: Callable[[], None] | None = None  # set by __main__: lets a successor take over
        self.handed_over = False
        self.finishing: asyncio.Task[None] | None = None

    async def bind_routes(self, table: dict[int, Route], *, probe: bool = True,
                          inherited: dict[int, socket.socket] | None = None) -> None:
        """Apply every saved route and bind the ports not bound yet (failures are kept and reported);
        ``inherited`` listening sockets (a restart) are used as they are."""
        if not self.token:
            self.token = load_or_create_token(self.paths)
        self.table = dict(table)
        for port, route in self.table.items():
            state = self._state(port)
            state.apply(route)
            if state.server is not None:
                continue
            try:
                await state.listen(self._factory(state), probe=probe, inherited=(inherited or {}).get(port))
                log.info("restored route %d (%s, %d backends)", port, route.mode, len(route.backends))
            except OSError:
                log.error("restored route %d cannot listen: %s", port, state.error)

    async def start(self, table: dict[int, Route]) -> None:
        """Re-bind every saved listener, then open the control socket."""
        await self.bind_routes(table)
        sock_path = self.paths.socket_path
        ensure_runtime_dir()
        sock_path.unlink(missing_ok=True)  # we hold the lock: any socket file left is stale
        self.control = await asyncio.start_unix_server(self._serve_control, path=str(sock_path))
        os.chmod(sock_path, 0o600)
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self.stopped.set)
        log.info("router pid %d serving %s on %s", os.getpid(), self.paths.state_dir, sock_path)

    async def close(self) -> None:
        if self.control is not None:
            self.control.close()
        for state in self.states.values():
            state.stop_listening(close_connections=True)
            state.stop()
        if not self.handed_over:  # else the socket path is the successor's now
            with contextlib.suppress(OSError):
                self.paths.socket_path.unlink(missing_ok=True)

    def _hand_over(self) -> None:
        """A successor listens on every port: stop accepting, free the socket path and the lock."""
        self.handed_over = True
        if self.control is not None:
            self.control.close()
        with contextlib.suppress(OSError):
            self.paths.socket_path.unlink(missing_ok=True)
        for state in self.states.values():
            state.hand_over()
        if self.release_lock is not None:
            self.release_lock()
        self.finishing = asyncio.get_running_loop().create_task(
            finish_then_stop(list(self.states.values()), self.stopped))
        log.info("router pid %d handed over", os.getpid())

    @staticmethod
    def _factory(state: RouteState) -> Callable[[], asyncio.BaseProtocol]:
        """Each accepted connection follows the route's mode at that moment."""
        def make() -> asyncio.BaseProtocol:
            route = state.route
            if route is not None and route.mode == "tcp":
                return ClientSide(state)
            return HttpClient(state)
        return make

    def _state(self, port: int) -> RouteState:
        state = self.states.get(port)
        if state is None:
            state = self.states[port] = RouteState(port, self.token)
        return state

    def _forget_idle(self) -> None:
        for port in [p for p, s in self.states.items() if s.idle]:
            self.states.pop(port).stop()

    async def _serve_control(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while line := await reader.readline():
                reply = await self.handle_line(line)
                writer.write(json.dumps(reply).encode() + b"\n")
                await writer.drain()
                if reply.get("stopping"):
                    self.stopped.set()
                    break
                if reply.get("handed_over"):
                    self._hand_over()
                    break
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            pass  # client went away or sent a line over the stream limit: drop just this connection
        except asyncio.CancelledError:
            pass  # daemon stopping while a client idles on the socket
        finally:
            writer.close()

    async def handle_line(self, line: bytes) -> Reply:
        try:
            request = json.loads(line)
            if not isinstance(request, dict):
                raise RequestError("bad_request", "a request must be a JSON object")
            op = request.get("op")
            handler = getattr(self, f"op_{op}", None) if isinstance(op, str) else None
            if handler is None:
                raise RequestError("bad_request", f"unknown op {op!r}")
            async with self.mutex:  # one op at a time: two set_route on one port must not race the bind
                result: Reply = await handler(request)
            return {"ok": True, **result}
        except RequestError as exc:
            return {"ok": False, "error": {"code": exc.code, "message": exc.message}}
        except TableError as exc:
            return {"ok": False, "error": {"code": "bad_request", "message": str(exc)}}
        except (ValueError, KeyError, TypeError) as exc:
            return {"ok": False, "error": {"code": "bad_request", "message": f"bad request: {exc}"}}
        finally:
            self._forget_idle()

    def _persist(self, table: dict[int, Route]) -> None:
        try:
            save_table(self.paths.routes_file, table)
        except TableError as exc:
            log.error("%s", exc)
            raise RequestError("persist_failed", str(exc)) from exc
        self.table = table

    async def op_ping(self, request: dict[str, Any]) -> Reply:
        return {"pid": os.getpid(), "code": self.code}

    async def op_set_backends(self, request: dict[str, Any]) -> Reply:
        """Replace a route's backend set (and mode, hold, sticky) in one step; bind the port if needed."""
        fencing = request.get("fencing")
        port = int(request["port"])
        stored = self.table.get(port)
        if fencing is None:
            raise RequestError("bad_request", "set_backends needs the caller's fencing number")
        if stored is not None and int(fencing) < stored.fencing:
            raise RequestError("stale_fencing", f"fencing {fencing} is older than the route's {stored.fencing}")
        route = Route.from_dict({**request, "fencing": int(fencing)})
        state = self._state(route.port)
        newly_bound = False
        if state.server is None:
            try:
                await state.listen(self._factory(state))
            except OSError as exc:
                code = "port_in_use" if exc.errno == errno.EADDRINUSE else "bind_failed"
                raise RequestError(code, state.error or str(exc)) from exc
            newly_bound = True
        try:
            self._persist({**self.table, route.port: route})
        except RequestError:
            if newly_bound:
                state.stop_listening(close_connections=False)
            raise
        previous = state.route
        state.apply(route)  # from here on, new requests (tcp: connections) go to the new set
        if previous != route:
            log.info("route %d (%s) -> %s", route.port, route.mode,
                     ", ".join(f"{b.address}@{b.weight}" for b in route.backends) or "no backends")
        return {"route": route.to_dict()}

    async def op_remove_route(self, request: dict[str, Any]) -> Reply:
        port = int(request["port"])
        close_connections = bool(request.get("close_connections", False))
        fencing = request.get("fencing")
        if fencing is None:
            raise RequestError("bad_request", "remove_route needs the caller's fencing number")
        stored = self.table.get(port)
        if stored is not None and int(fencing) < stored.fencing:
            raise RequestError("stale_fencing", f"fencing {fencing} is older than the route's {stored.fencing}")
        if port in self.table:
            self._persist({p: r for p, r in self.table.items() if p != port})
        state = self.states.get(port)
        if state is not None:
            state.apply(None)
            state.stop_listening(close_connections)
            log.info("route %d removed (close_connections=%s)", port, close_connections)
        return {"removed": state is not None}

    async def op_routes(self, request: dict[str, Any]) -> Reply:
        out = []
        for port in sorted(self.table):
            state = self.states.get(port)
            listening = state is not None and state.server is not None
            out.append({**self.table[port].to_dict(), "listening": listening,
                        "error": state.error if state is not None else None})
        return {"routes": out}

    async def op_stats(self, request: dict[str, Any]) -> Reply:
        port = int(request["port"])
        state = self.states.get(port)
        if state is None:
            raise RequestError("not_found", f"no route on port {port}")
        return state.stats()

    async def op_restart(self, request: dict[str, Any]) -> Reply:
        """Start a successor that inherits our listening sockets (see handover.py); its pid."""
        fds = {port: fd for port, state in self.states.items() if (fd := state.listening_fd()) is not None}
        pid = spawn_successor(self.paths, fds)
        return {"pid": pid}

    async def op_handover(self, request: dict[str, Any]) -> Reply:
        """A successor daemon (--takeover) has bound every port; see handover.py."""
        return {"handed_over": self.release_lock is not None, "pid": os.getpid()}

    async def op_shutdown(self, request: dict[str, Any]) -> Reply:
        return {"stopping": True}

    async def op_shutdown_if_idle(self, request: dict[str, Any]) -> Reply:
        return {"stopping": not self.table}


def load_or_create_token(paths: RouterPaths) -> str:
    """The router token (0600 file): lets a non-loopback caller use X-Shipmate-Route."""
    path = paths.router_dir / "token"
    try:
        token = path.read_text(encoding="utf-8").strip()
        if token:
            return token
    except FileNotFoundError:
        pass
    token = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(token + "\n")
    return token
