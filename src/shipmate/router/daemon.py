"""The router daemon: route table, listeners and the JSON-lines control socket.

Every change is written to routes.json before it is acknowledged, so a route the client was
told about survives a crash of the daemon; listeners are re-bound from the table on start.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import logging
import os
import signal
from typing import Any

from shipmate.router.paths import RouterPaths, ensure_runtime_dir
from shipmate.router.proxy import RouteState
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

    async def start(self, table: dict[int, Route]) -> None:
        """Re-bind every saved listener (failures are kept and reported), then open the control socket."""
        self.table = dict(table)
        for port, route in self.table.items():
            state = self._state(port)
            state.route = route
            try:
                await state.listen()
                log.info("restored route %d -> %s (%s)", port, route.backend, route.instance_id)
            except OSError:
                log.error("restored route %d cannot listen: %s", port, state.error)
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
        with contextlib.suppress(OSError):
            self.paths.socket_path.unlink(missing_ok=True)

    def _state(self, port: int) -> RouteState:
        state = self.states.get(port)
        if state is None:
            state = self.states[port] = RouteState(port)
        return state

    def _forget_idle(self) -> None:
        for port in [p for p, s in self.states.items() if s.idle]:
            del self.states[port]

    async def _serve_control(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while line := await reader.readline():
                reply = await self.handle_line(line)
                writer.write(json.dumps(reply).encode() + b"\n")
                await writer.drain()
                if reply.get("stopping"):
                    self.stopped.set()
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
        return {"pid": os.getpid()}

    async def op_set_route(self, request: dict[str, Any]) -> Reply:
        route = Route.from_dict(request)
        state = self._state(route.port)
        newly_bound = False
        if state.server is None:
            try:
                await state.listen()
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
        state.route = route  # from here on, new connections go to the new backend
        if previous != route:
            log.info("route %d -> %s (%s)", route.port, route.backend, route.instance_id)
        return {"route": route.to_dict()}

    async def op_remove_route(self, request: dict[str, Any]) -> Reply:
        port = int(request["port"])
        close_connections = bool(request.get("close_connections", False))
        if port in self.table:
            self._persist({p: r for p, r in self.table.items() if p != port})
        state = self.states.get(port)
        if state is not None:
            state.route = None
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

    async def op_shutdown(self, request: dict[str, Any]) -> Reply:
        return {"stopping": True}

    async def op_shutdown_if_idle(self, request: dict[str, Any]) -> Reply:
        return {"stopping": not self.table}
