"""Client load for zero-downtime tests: keep-alive and new-connection clients, every failure kept.

Each client runs until told to stop (or a hard time limit), recording (time, status, body) so a
test can say exactly which request failed, when, and which version answered.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from dataclasses import dataclass, field

HARD_LIMIT_S = 600.0   # a client never outlives a broken test by more than this


@dataclass
class Outcome:
    at: float
    status: int            # 0: the request failed without a response
    version: str
    error: str = ""


@dataclass
class LoadRecord:
    outcomes: list[Outcome] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, outcome: Outcome) -> None:
        with self.lock:
            self.outcomes.append(outcome)

    @property
    def total(self) -> int:
        return len(self.outcomes)

    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status != 200]


class Load:
    """Start ``keepalive`` persistent clients and ``fresh`` new-connection-per-request clients."""

    def __init__(self, port: int, *, keepalive: int = 2, fresh: int = 2, path: str = "/",
                 pause_s: float = 0.0) -> None:
        self.port, self.path, self.pause_s = port, path, pause_s
        self.record = LoadRecord()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._client, args=(True,), daemon=True) for _ in range(keepalive)]
        self._threads += [threading.Thread(target=self._client, args=(False,), daemon=True) for _ in range(fresh)]

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> LoadRecord:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=15)
        return self.record

    def _client(self, keepalive: bool) -> None:
        deadline = time.monotonic() + HARD_LIMIT_S
        conn: http.client.HTTPConnection | None = None
        while not self._stop.is_set() and time.monotonic() < deadline:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            try:
                conn.request("GET", self.path)
                resp = conn.getresponse()
                body = resp.read()
                self.record.add(Outcome(time.monotonic(), resp.status, _version(body)))
                if not keepalive or resp.will_close:
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException) as exc:
                self.record.add(Outcome(time.monotonic(), 0, "", f"{type(exc).__name__}: {exc}"))
                conn.close()
                conn = None
            if self.pause_s:
                self._stop.wait(self.pause_s)
        if conn is not None:
            conn.close()


def _version(body: bytes) -> str:
    try:
        return str(json.loads(body).get("version", ""))
    except (ValueError, AttributeError):
        return ""


@dataclass(frozen=True)
class Reply:
    status: int
    version: str
    side_cookie: str | None   # the router's `shipmate_side` Set-Cookie value, if it sent one


def get_many(port: int, count: int, *, path: str = "/", cookie: str | None = None,
             timeout: float = 10.0) -> list[Reply]:
    """``count`` GETs one after the other on one keep-alive connection (reopened if the server closes it)."""
    headers = {"Cookie": cookie} if cookie else {}
    replies: list[Reply] = []
    conn: http.client.HTTPConnection | None = None
    try:
        for _ in range(count):
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
            conn.request("GET", path, headers=headers)
            resp = conn.getresponse()
            body = resp.read()
            replies.append(Reply(resp.status, _version(body), _side_cookie(resp.getheader("Set-Cookie"))))
            if resp.will_close:
                conn.close()
                conn = None
    finally:
        if conn is not None:
            conn.close()
    return replies


def _side_cookie(header: str | None) -> str | None:
    if not header:
        return None
    name, _, rest = header.partition("=")
    return rest.split(";", 1)[0].strip() if name.strip() == "shipmate_side" else None
