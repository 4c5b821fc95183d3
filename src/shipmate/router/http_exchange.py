"""One HTTP request/response exchange as the proxy carries it, and the router's own responses.

The request head is rebuilt from what llhttp parsed (never forwarded raw), so whatever odd
spelling a client used, the backend sees one canonical head: no smuggling through the router.
"""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import TYPE_CHECKING

from httptools import HttpResponseParser

if TYPE_CHECKING:
    from shipmate.router.backend_pool import BackendState

CLOSE_HEADER = b"Connection: close\r\n"
IDEMPOTENT = frozenset({b"GET", b"HEAD", b"OPTIONS", b"PUT", b"DELETE", b"TRACE"})
MAX_HEADERS = 100
MAX_HEAD_BYTES = 32 * 1024
MAX_URL_BYTES = 16 * 1024
RETAIN_BODY_BYTES = 64 * 1024   # a request body up to this size is kept for a safe retry
ROUTE_HEADER = b"x-shipmate-route"
TOKEN_HEADER = b"x-shipmate-router-token"
STICKY_COOKIE = "shipmate_side"
# Set by the router itself (the router is the edge): a client's own values would be trusted lies.
DROPPED = frozenset({ROUTE_HEADER, TOKEN_HEADER, b"x-forwarded-proto", b"x-forwarded-host"})


class RejectedRequestError(Exception):
    """A request the router answers itself and never forwards (400, 405, 414, 431, 505)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


def error_response(status: int, detail: str = "") -> bytes:
    phrase = HTTPStatus(status).phrase
    body = f"{status} {phrase}{': ' + detail if detail else ''}\n".encode()
    return (f"HTTP/1.1 {status} {phrase}\r\nContent-Type: text/plain; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body


class Exchange:
    """A request being read from the client and its response being relayed back."""

    __slots__ = (
        "attempts",
        "backend",
        "body_bytes",
        "chunked",
        "client_keep_alive",
        "cookie_role",
        "expect_continue",
        "extra_headers",
        "head",
        "head_bytes",
        "header_count",
        "headers",
        "hop_by_hop",
        "host",
        "idempotent",
        "interim",
        "is_head",
        "method",
        "pending",
        "pending_bytes",
        "req_complete",
        "resp_complete",
        "resp_forwarded",
        "resp_head",
        "resp_head_done",
        "resp_keep_alive",
        "resp_parser",
        "response_deadline",
        "retained",
        "sent_at",
        "side",
        "status",
        "token",
        "tunnel_tail",
        "upgrade",
        "url",
    )

    def __init__(self) -> None:
        self.url = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.hop_by_hop: list[tuple[bytes, bytes]] = []
        self.header_count = 0
        self.head_bytes = 0
        self.host = b""
        self.side: str | None = None
        self.token = b""
        self.cookie_role: str | None = None
        self.method = b""
        self.head = b""
        self.is_head = False
        self.idempotent = False
        self.chunked = False
        self.client_keep_alive = True
        self.expect_continue = False
        self.upgrade = False
        self.req_complete = False
        self.body_bytes = 0
        self.pending: list[bytes] = []          # framed body bytes not yet written to a backend
        self.pending_bytes = 0
        self.retained: list[bytes] | None = []  # framed body bytes already written (for a retry)
        self.tunnel_tail = b""
        self.attempts = 0
        self.backend: BackendState | None = None
        self.sent_at = 0.0
        self.response_deadline = 0.0
        self.resp_parser: HttpResponseParser | None = None
        self.resp_head: list[bytes] = []
        self.resp_head_done = False
        self.resp_forwarded = False
        self.resp_complete = False
        self.status = 0
        self.interim = False
        self.resp_keep_alive = False
        self.extra_headers = b""

    def add_header(self, name: bytes, value: bytes) -> None:
        self.header_count += 1
        self.head_bytes += len(name) + len(value) + 4
        if self.header_count > MAX_HEADERS or self.head_bytes > MAX_HEAD_BYTES:
            raise RejectedRequestError(431, "request header fields too large")
        if b"\r" in value or b"\n" in value or b"\0" in value:
            raise RejectedRequestError(400, "control character in a header value")
        lower = name.lower()
        if lower == b"host":
            self.host = value
        elif lower == b"expect":
            self.expect_continue = value.lower() == b"100-continue"
        elif lower == b"cookie":
            self._read_cookie(value)
        elif lower in DROPPED:
            if lower == ROUTE_HEADER:
                self.side = value.decode("latin-1").strip()
            elif lower == TOKEN_HEADER:
                self.token = value.strip()
            return
        elif lower == b"connection" or lower == b"keep-alive":
            self.hop_by_hop.append((name, value))  # per connection: kept only where it means something
            return
        elif lower == b"transfer-encoding":
            if value.strip().lower() != b"chunked":  # other codings: we would re-frame them wrongly
                raise RejectedRequestError(501, "only Transfer-Encoding: chunked is supported")
            self.chunked = True
            return  # re-framed by the router: the backend sees chunked again, nothing else
        self.headers.append((name, value))

    def _read_cookie(self, value: bytes) -> None:
        for part in value.decode("latin-1").split(";"):
            key, _, val = part.strip().partition("=")
            if key == STICKY_COOKIE and val in ("stable", "canary"):
                self.cookie_role = val

    def build_head(self, method: bytes, version: str, client_ip: bytes) -> None:
        """The head sent to the backend: request line, kept headers, X-Forwarded-*, framing."""
        self.method = method
        self.is_head = method == b"HEAD"
        self.idempotent = method in IDEMPOTENT
        parts = [method, b" ", self.url, b" HTTP/", version.encode(), b"\r\n"]
        headers = self.headers
        if self.hop_by_hop and (version != "1.1" or self.upgrade):
            headers += self.hop_by_hop  # HTTP/1.0 keep-alive, Upgrade: the backend must see them
        # (HTTP/1.1 without upgrade: a client's "Connection: close" ends only the client connection,
        # the pooled backend connection stays open; the router closes the client side itself.)
        for name, value in headers:
            parts += (name, b": ", value, b"\r\n")
        if self.chunked:
            parts.append(b"Transfer-Encoding: chunked\r\n")
        parts += (b"X-Forwarded-For: ", client_ip, b"\r\nX-Forwarded-Proto: http\r\n")
        if self.host:
            parts += (b"X-Forwarded-Host: ", self.host, b"\r\n")
        parts.append(b"\r\n")
        self.head = b"".join(parts)
        self.headers = []

    def frame(self, body: bytes) -> bytes:
        if self.chunked:
            return b"%x\r\n%b\r\n" % (len(body), body)
        return body

    def keep_for_retry(self, framed: bytes) -> None:
        retained = self.retained
        if retained is not None:
            self.body_bytes += len(framed)
            if self.body_bytes > RETAIN_BODY_BYTES:
                self.retained = None
            else:
                retained.append(framed)

    @property
    def retryable(self) -> bool:
        """Safe to send again: idempotent, nothing of the response seen, whole body still at hand."""
        return (self.idempotent and not self.upgrade and self.status == 0 and not self.resp_head
                and not self.resp_forwarded and self.retained is not None and self.attempts < 3)

    def new_response_parser(self, on_headers: Callable[[], None], on_complete: Callable[[], None]) -> None:
        self.resp_parser = HttpResponseParser(_Callbacks(on_headers, on_complete))
        self.resp_head = []
        self.resp_head_done = False
        self.status = 0
        self.interim = False


class _Callbacks:
    """The two response-parser callbacks the hot path needs (headers are forwarded raw)."""

    __slots__ = ("on_headers_complete", "on_message_complete")

    def __init__(self, on_headers: Callable[[], None], on_complete: Callable[[], None]) -> None:
        self.on_headers_complete = on_headers
        self.on_message_complete = on_complete
