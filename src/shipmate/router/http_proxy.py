"""HTTP mode: each request on a client connection goes to the backend that is current right then.

Requests are parsed by llhttp (httptools) and their heads rebuilt; responses are relayed raw, a
response parser only finds where each one ends. Backend connections come from per-backend pools.
A request is retried on a fresh connection only when that is safe: idempotent, not a byte of
response seen, its whole body still at hand. Anything else that goes wrong becomes 502/504, or a
closed client connection once part of a response went out (never a mixed-up response).
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import logging
from time import perf_counter
from typing import cast

from httptools import HttpParserCallbackError, HttpParserError, HttpParserUpgrade, HttpRequestParser

from shipmate.router.backend_pool import BackendState, Upstream, set_nodelay
from shipmate.router.http_exchange import (
    CLOSE_HEADER,
    MAX_HEAD_BYTES,
    MAX_URL_BYTES,
    STICKY_COOKIE,
    Exchange,
    RejectedRequestError,
)
from shipmate.router.http_relay import ResponseRelay
from shipmate.router.route_state import RouteState
from shipmate.router.table import DEFAULT_IDLE_TIMEOUT_S

log = logging.getLogger("shipmate.router")
HANDOVER_IDLE_S = 2.0  # after a handover, an idle keep-alive connection is closed after this
PENDING_LIMIT = 64 * 1024  # body bytes buffered while a backend is being found, before reading pauses


class HttpClient(ResponseRelay):
    """One accepted client connection in http mode (request side; ResponseRelay is the response side)."""

    def __init__(self, state: RouteState) -> None:
        super().__init__(state)
        self.parser: HttpRequestParser | None = HttpRequestParser(self)
        self.reading: Exchange | None = None     # the request whose head/body is being parsed
        self.client_ip = b"127.0.0.1"
        self.trusted = True
        self.deadline = 0.0                      # idle or request-head deadline (loop time; 0 = none)
        self.deadline_kind = ""
        self.upgrading: Exchange | None = None
        self.dispatching: asyncio.Task[None] | None = None

    # -- connection ------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        set_nodelay(transport)
        peer = transport.get_extra_info("peername")
        if isinstance(peer, tuple) and peer:
            self.client_ip = str(peer[0]).encode()
            try:
                self.trusted = ipaddress.ip_address(str(peer[0])).is_loopback
            except ValueError:
                self.trusted = False
        self.state.accepted += 1
        self.state.connections.add(self)
        self._go_idle()

    def data_received(self, data: bytes) -> None:
        if self.tunnel:
            if self.upstream is not None:
                self.upstream.write(data)
            return
        if self.upgrading is not None:
            self.upgrading.tunnel_tail += data  # a read that raced pause_reading: kept for the tunnel
            return
        parser = self.parser
        if parser is None or self.closing:
            return
        try:
            parser.feed_data(data)
        except HttpParserUpgrade as exc:
            self._client_upgraded(data[int(exc.args[0]):])
        except HttpParserCallbackError as exc:
            cause = exc.__context__
            if isinstance(cause, RejectedRequestError):
                self._reject(cause.status, str(cause))
            else:
                log.error("port %d: request handling failed", self.state.port, exc_info=cause)
                self._reply_and_close(500, "", write=not self.queue)
        except HttpParserError as exc:
            self._reject(400, str(exc.args[0]) if exc.args else "malformed request")

    def eof_received(self) -> bool:
        if self.tunnel and self.upstream is not None and self.upstream.transport is not None:
            if self.upstream.transport.can_write_eof():
                self.upstream.transport.write_eof()
            return True
        if self.queue and self.reading is None:
            self.close_after = True  # half-closed after a whole request: answer it, then close
            return True
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = self.closing = True
        self.state.connections.discard(self)
        if self.dispatching is not None:
            self.dispatching.cancel()
        up, self.upstream = self.upstream, None
        if up is not None:
            if self.tunnel:
                up.close()
            else:
                self._count_done(self.queue[0] if self.queue else None)
                up.abort()
        self.queue.clear()

    def abort(self) -> None:
        self.closing = True
        if self.upstream is not None:
            self.upstream.abort()
        if self.transport is not None:
            self.transport.abort()

    def hand_over(self) -> None:
        """Another daemon took the port over: finish what is under way, then close (clients reconnect)."""
        self.handover_close = True  # close once a response told the client so (see _finish)
        if not self.queue and self.reading is None and not self.tunnel:
            # Closing an idle keep-alive connection now would race a request already on its way:
            # its next response says "Connection: close" instead; one idle a while longer just closes.
            soon = self.loop.time() + HANDOVER_IDLE_S
            self.deadline = min(self.deadline, soon) if self.deadline else soon
            self.deadline_kind = "idle"
        for ex in self.queue:
            self._announce_close(ex)

    def _announce_close(self, ex: Exchange) -> None:
        if not ex.resp_forwarded and not ex.upgrade and CLOSE_HEADER not in ex.extra_headers:
            ex.extra_headers += CLOSE_HEADER

    def check_deadline(self, now: float) -> None:
        ex = self.queue[0] if self.queue else None
        if ex is not None and ex.response_deadline and now >= ex.response_deadline:
            ex.response_deadline = 0.0
            self._response_timeout(ex)
        elif self.deadline and now >= self.deadline:
            self.deadline = 0.0
            if self.deadline_kind == "head":
                self._reject(408, "request head not received in time")
            elif not self.queue and self.transport is not None:
                self.transport.close()  # idle keep-alive connection: closed quietly

    def _go_idle(self) -> None:
        route = self.state.route
        idle = route.idle_timeout_s if route is not None else DEFAULT_IDLE_TIMEOUT_S
        if self.handover_close:
            idle = min(idle, HANDOVER_IDLE_S)  # handed over: a quiet client just reconnects to the successor
        self.deadline = self.loop.time() + idle
        self.deadline_kind = "idle"

    # -- request parser callbacks -------------------------------------------------------

    def on_message_begin(self) -> None:
        self.reading = Exchange()
        route = self.state.route
        if route is not None:
            self.deadline = self.loop.time() + route.head_timeout_s
            self.deadline_kind = "head"
        if self.queue:
            self._pause("pipeline")  # one request at a time per client; the next waits in the kernel

    def on_url(self, url: bytes) -> None:
        ex = self.reading
        if ex is not None:
            ex.url += url
            if len(ex.url) > MAX_URL_BYTES:
                raise RejectedRequestError(414, "request target too long")

    def on_header(self, name: bytes, value: bytes) -> None:
        if self.reading is not None:
            self.reading.add_header(name, value)

    def on_headers_complete(self) -> None:
        ex, parser = self.reading, self.parser
        if ex is None or parser is None:
            return
        version = parser.get_http_version()
        if version not in ("1.1", "1.0"):
            if version.startswith("0."):
                raise RejectedRequestError(400, "malformed request line")
            raise RejectedRequestError(505, f"HTTP/{version} is not supported")
        method = parser.get_method()
        if method == b"CONNECT":
            raise RejectedRequestError(405, "CONNECT is not supported")
        if len(ex.url) + ex.head_bytes > MAX_HEAD_BYTES:
            raise RejectedRequestError(431, "request head too large")
        ex.client_keep_alive = parser.should_keep_alive()
        ex.upgrade = parser.should_upgrade()
        ex.build_head(method, version, self.client_ip)
        if ex.side is not None and not (self.trusted or self._token_ok(ex.token)):
            ex.side = None
        self.deadline = 0.0
        self.queue.append(ex)
        if len(self.queue) == 1:
            self._start(ex)

    def on_body(self, body: bytes) -> None:
        ex = self.reading
        if ex is not None:
            self._send_body(ex, ex.frame(body))

    def on_message_complete(self) -> None:
        ex, self.reading = self.reading, None
        if ex is None:
            return
        ex.req_complete = True
        if ex.chunked:
            self._send_body(ex, b"0\r\n\r\n")

    def _send_body(self, ex: Exchange, framed: bytes) -> None:
        if self.upstream is not None and self.queue and self.queue[0] is ex:
            ex.keep_for_retry(framed)
            self.upstream.write(framed)
        else:
            ex.pending.append(framed)
            ex.pending_bytes += len(framed)
            if ex.pending_bytes > PENDING_LIMIT:
                self._pause("waiting")

    def _token_ok(self, token: bytes) -> bool:
        return bool(self.state.token) and hmac.compare_digest(token, self.state.token.encode())

    def _client_upgraded(self, tail: bytes) -> None:
        ex = self.queue[-1] if self.queue else None
        if ex is None or not ex.upgrade:
            self._reject(400, "unexpected protocol upgrade")
            return
        ex.tunnel_tail += tail
        self.upgrading = ex
        self._pause("upgrade")

    # -- choosing a backend -----------------------------------------------------------------

    def _pick(self, ex: Exchange, exclude: list[BackendState]) -> BackendState | None:
        route = self.state.route
        role = ex.cookie_role if route is not None and route.sticky else None
        return self.state.choose(exclude, side=ex.side, prefer_role=role)

    def _start(self, ex: Exchange, fresh: bool = False) -> None:
        """Send the active exchange to a backend: a pooled connection at once, else connect/hold."""
        backend = self._pick(ex, [])
        if backend is not None and not fresh:
            up = backend.take_idle()
            if up is not None:
                self._attach(ex, backend, up)
                return
        self.dispatching = self.loop.create_task(self._dispatch(ex, backend))

    async def _dispatch(self, ex: Exchange, backend: BackendState | None) -> None:
        state, tried, refused, deadline = self.state, [], False, -1.0
        try:
            while not self.closing:
                if backend is not None:
                    try:
                        up = await backend.connect()
                    except OSError as exc:
                        backend.note_refused(state.port, exc)
                        tried.append(backend)
                        refused = True
                        backend = self._pick(ex, tried)
                        continue
                    if self.closing:
                        backend.release(up, True)
                    else:
                        self._attach(ex, backend, up)
                    return
                held = await state.hold(deadline, refused)
                if held is None:
                    status, why = (502, "no backend accepted the connection") if refused else (
                        503, "no backend is ready")
                    self._reply_and_close(status, why, write=True)
                    return
                deadline = held
                tried.clear()
                backend = self._pick(ex, tried)
        finally:
            self.dispatching = None

    def _attach(self, ex: Exchange, backend: BackendState, up: Upstream) -> None:
        ex.backend = backend
        self.upstream = up
        up.owner = self
        up.uses += 1
        backend.metrics.in_flight += 1
        route = self.state.route
        if route is not None and route.sticky and backend.entry.role != ex.cookie_role:
            ex.extra_headers = f"Set-Cookie: {STICKY_COOKIE}={backend.entry.role}; Path=/; HttpOnly\r\n".encode()
        if self.state.handing_over:
            self._announce_close(ex)
        ex.new_response_parser(self._on_resp_headers, self._on_resp_complete)
        ex.sent_at = perf_counter()  # uvloop's loop.time() is cached per iteration, in whole ms
        ex.response_deadline = self.loop.time() + (route.response_timeout_s if route is not None else 60.0)
        if ex.pending or ex.retained:
            chunks = [ex.head, *(ex.retained or ())]
            for framed in ex.pending:
                ex.keep_for_retry(framed)
                chunks.append(framed)
            ex.pending, ex.pending_bytes = [], 0
            up.write(b"".join(chunks))
        else:
            up.write(ex.head)
        if self.write_paused and up.transport is not None:
            up.transport.pause_reading()
        self._resume("waiting")
