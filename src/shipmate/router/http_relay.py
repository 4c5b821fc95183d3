"""The response side of an http-mode client connection: relay, finish, retry, fail, tunnel.

Response bytes go to the client raw; the head is held back until it is complete, so a backend
that dies or stalls before its head can still be answered 502/504 on a clean connection.
"""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from collections import deque
from time import perf_counter

from httptools import HttpParserError, HttpParserUpgrade

from shipmate.router.backend_pool import Upstream
from shipmate.router.http_exchange import CLOSE_HEADER, MAX_HEAD_BYTES, Exchange, error_response
from shipmate.router.route_state import RouteState

log = logging.getLogger("shipmate.router")


class ResponseRelay(asyncio.Protocol, ABC):
    """State shared by both sides of one client connection, and everything about responses."""

    def __init__(self, state: RouteState) -> None:
        self.state = state
        self.loop = asyncio.get_running_loop()
        self.transport: asyncio.Transport | None = None
        self.queue: deque[Exchange] = deque()    # requests with a complete head; queue[0] is active
        self.upstream: Upstream | None = None    # the backend connection serving queue[0]
        self.paused: set[str] = set()            # why client reading is paused
        self.write_paused = False                # the client reads slower than the backend sends
        self.closing = False
        self.closed = False
        self.close_after = False
        self.handover_close = False
        self.tunnel = False

    # the request side (HttpClient) decides these
    @abstractmethod
    def _start(self, ex: Exchange, fresh: bool = False) -> None: ...

    @abstractmethod
    def _go_idle(self) -> None: ...

    # -- flow control -----------------------------------------------------------------------

    def _pause(self, reason: str) -> None:
        if not self.paused and self.transport is not None and not self.closing:
            self.transport.pause_reading()
        self.paused.add(reason)

    def _resume(self, reason: str) -> None:
        paused = self.paused
        if reason in paused:
            paused.discard(reason)
            if not paused and self.transport is not None and not self.closing:
                self.transport.resume_reading()

    def pause_writing(self) -> None:
        self.write_paused = True
        up = self.upstream
        if up is not None and up.transport is not None:
            up.transport.pause_reading()

    def resume_writing(self) -> None:
        self.write_paused = False
        up = self.upstream
        if up is not None and up.transport is not None:
            up.transport.resume_reading()

    def upstream_pause_writing(self) -> None:
        self._pause("upstream")

    def upstream_resume_writing(self) -> None:
        self._resume("upstream")

    # -- response ---------------------------------------------------------------------------

    def upstream_data(self, data: bytes) -> None:
        transport = self.transport
        if transport is None:
            return
        if self.tunnel:
            transport.write(data)
            return
        ex = self.queue[0]
        head_was_done = ex.resp_head_done
        if head_was_done:
            transport.write(data)
        else:
            ex.resp_head.append(data)
        upgraded = False
        try:
            ex.resp_parser.feed_data(data)  # type: ignore[union-attr]
        except HttpParserUpgrade:
            upgraded = True
        except HttpParserError as exc:
            self._backend_failed(ex, f"malformed response: {exc}")
            return
        if not head_was_done:
            if ex.resp_head_done or upgraded:
                head = b"".join(ex.resp_head)
                if ex.extra_headers:
                    end = head.find(b"\r\n\r\n")
                    if end >= 0:
                        head = head[: end + 2] + ex.extra_headers + head[end + 2:]
                transport.write(head)
                ex.resp_forwarded = True
                ex.resp_head = []
            elif ex.interim:
                ex.interim = False
                transport.write(b"".join(ex.resp_head))  # 100 Continue: the client may send its body now
                ex.resp_forwarded = True
                ex.resp_head = []
            elif sum(map(len, ex.resp_head)) > MAX_HEAD_BYTES:
                self._backend_failed(ex, "response head too large")
                return
        if upgraded:
            self._start_tunnel(ex)
        elif ex.resp_complete:
            self._finish(ex)

    def _on_resp_headers(self) -> None:
        ex = self.queue[0]
        parser = ex.resp_parser
        assert parser is not None
        status = parser.get_status_code()
        if 100 <= status < 200 and status != 101:
            ex.interim = True
            return
        ex.status = status
        ex.resp_head_done = True
        ex.resp_keep_alive = parser.should_keep_alive()
        ex.response_deadline = 0.0
        backend = ex.backend
        if backend is not None:
            backend.metrics.record_response(status, (perf_counter() - ex.sent_at) * 1000.0)
        if ex.is_head or status in (204, 304):
            ex.resp_complete = True

    def _on_resp_complete(self) -> None:
        ex = self.queue[0]
        if ex.resp_head_done:  # else it was the end of a 1xx interim response
            ex.resp_complete = True

    def _count_done(self, ex: Exchange | None) -> None:
        if ex is not None and ex.backend is not None:
            ex.backend.metrics.in_flight -= 1
            ex.backend.metrics.requests += 1

    def _finish(self, ex: Exchange) -> None:
        """The whole response went out: pool the backend connection, go on with the client."""
        self._count_done(ex)
        up, self.upstream = self.upstream, None
        if up is not None and ex.backend is not None:
            if self.write_paused and up.transport is not None:
                up.transport.resume_reading()
            ex.backend.release(up, ex.req_complete and ex.resp_keep_alive and not ex.upgrade)
        self.queue.popleft()
        # After a hand-over, close only once a response said "Connection: close": one forwarded before
        # the hand-over said nothing, and its client may already be sending the next request.
        told = CLOSE_HEADER in ex.extra_headers
        if self.close_after or (self.handover_close and told) or ex.upgrade \
                or not (ex.client_keep_alive and ex.resp_keep_alive and ex.req_complete):
            self._close()
            return
        self._resume("upstream")
        self._resume("pipeline")
        if self.queue:
            self._start(self.queue[0])
        elif getattr(self, "reading", None) is None:
            self._go_idle()

    def upstream_lost(self, upstream: Upstream) -> None:
        """The backend closed while serving: retry when safe, else 502 or a closed client connection."""
        if upstream is not self.upstream:
            return
        self.upstream = None
        if self.tunnel or not self.queue:
            self._close()
            return
        ex = self.queue[0]
        backend = ex.backend
        assert backend is not None
        if ex.retryable and not self.closing:
            backend.metrics.in_flight -= 1
            if upstream.uses == 1:
                backend.metrics.errors += 1  # a fresh connection closed unanswered: the backend's fault
            ex.attempts += 1
            self._start(ex, fresh=True)
            return
        if ex.resp_head_done and not ex.resp_keep_alive and not ex.resp_complete:
            self._count_done(ex)  # a response delimited by the backend closing: complete now
            self.queue.clear()
            self._close()
            return
        self._backend_failed(ex, "backend closed the connection mid-response")

    def _backend_failed(self, ex: Exchange, why: str) -> None:
        if ex.backend is not None:
            ex.backend.metrics.errors += 1
            log.warning("port %d: %s: %s", self.state.port, ex.backend.address, why)
        self._reply_and_close(502, why, write=not ex.resp_forwarded)

    def _response_timeout(self, ex: Exchange) -> None:
        if ex.resp_forwarded:
            return
        if ex.backend is not None:
            ex.backend.metrics.errors += 1
        self._reply_and_close(504, "the backend did not answer in time", write=True)

    def _reject(self, status: int, why: str) -> None:
        """A malformed request: answered unless an earlier request's response is owed first."""
        self.state.rejected += 1
        reading = getattr(self, "reading", None)
        owns_line = not self.queue or (self.queue[0] is reading and not self.queue[0].resp_forwarded)
        self._reply_and_close(status, why, write=owns_line)

    def _reply_and_close(self, status: int, why: str, *, write: bool) -> None:
        """Give up on this client connection; answer ``status`` first when no response byte went out."""
        if self.closing:
            return
        up, self.upstream = self.upstream, None
        if up is not None:
            self._count_done(self.queue[0] if self.queue else None)
            up.abort()
        if write and self.transport is not None:
            self.transport.write(error_response(status, why))
        self.queue.clear()
        self._close()

    def _close(self) -> None:
        self.closing = True
        if self.transport is not None:
            self.transport.close()

    def _start_tunnel(self, ex: Exchange) -> None:
        """101 Switching Protocols: from now on bytes flow both ways, pinned to this backend."""
        self._count_done(ex)
        self.tunnel = True
        self.queue.clear()
        if self.upstream is not None and ex.tunnel_tail:
            self.upstream.write(ex.tunnel_tail)
        ex.tunnel_tail = b""
        self.paused.clear()
        if self.transport is not None:
            self.transport.resume_reading()
