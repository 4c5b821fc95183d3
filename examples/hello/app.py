"""A tiny HTTP service whose health, errors and latency can be steered, for testing deploys.

Stdlib only, so any Python can run it. Steering by environment (read at start):

    PORT                    required; listens on HELLO_HOST:PORT
    HELLO_HOST              address to bind (default 127.0.0.1; a container publishing its port needs 0.0.0.0)
    GREETING                greeting in GET / (default "hello")
    HELLO_FAIL_HEALTH=1     /health always answers 500
    HELLO_START_DELAY=S     sleep S seconds before listening (slow start)
    HELLO_EXIT_AT_START=N   print a message and exit N at once (a release that crashes on start)
    HELLO_FAIL_AFTER=S      healthy at first; / and /health answer 500 after S seconds
    HELLO_ERROR_RATE=R      fraction 0..1 of / and /health answered 500, deterministically
    HELLO_PAGE_ERROR_RATE=R fraction 0..1 of / answered 500 while /health stays 200 (fails users, not probes)
    HELLO_LATENCY_MS=N      added delay per request
    HELLO_CRASH_AFTER=S     the process exits 1 after S seconds

At runtime: POST /control {"fail_health": bool, "error_rate": float, "page_error_rate": float, "latency_ms": int};
GET /control shows the settings and the number of requests in flight (never delayed).
SIGTERM: stop accepting, finish in-flight requests (answering with "Connection: close"), exit 0.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType
from typing import Any

DRAIN_SECONDS = 5.0  # how long SIGTERM waits for in-flight requests before exiting anyway


def _env_float(name: str, default: float = 0.0) -> float:
    raw = os.environ.get(name, "").strip()
    return float(raw) if raw else default


def say(message: str) -> None:
    print(message, flush=True)


class Behaviour:
    """Mutable steering state shared by all handler threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.fail_health = os.environ.get("HELLO_FAIL_HEALTH", "") not in ("", "0", "false")
        self.error_rate = min(max(_env_float("HELLO_ERROR_RATE"), 0.0), 1.0)
        self.latency_ms = int(_env_float("HELLO_LATENCY_MS"))
        self.fail_after = _env_float("HELLO_FAIL_AFTER", -1.0)
        self.started = time.monotonic()
        self.counted = 0          # requests subject to error_rate seen so far
        self.page_error_rate = min(max(_env_float("HELLO_PAGE_ERROR_RATE"), 0.0), 1.0)
        self.page_counted = 0
        self.in_flight = 0
        self.connections = 0   # open client connections, idle keep-alive ones included
        # A plain flag, not an Event: a signal handler taking a lock the main thread holds deadlocks.
        self.stopping = False

    def broken(self) -> bool:
        return self.fail_after >= 0 and time.monotonic() - self.started >= self.fail_after

    def next_is_error(self) -> bool:
        """Every request n fails when floor(n*rate) moves on: exactly `rate` of them, no randomness."""
        with self.lock:
            self.counted += 1
            n, rate = self.counted, self.error_rate
        return int(n * rate) > int((n - 1) * rate)

    def next_page_is_error(self) -> bool:
        with self.lock:
            self.page_counted += 1
            n, rate = self.page_counted, self.page_error_rate
        return int(n * rate) > int((n - 1) * rate)

    def snapshot(self) -> dict[str, Any]:
        return {"fail_health": self.fail_health, "error_rate": self.error_rate,
                "page_error_rate": self.page_error_rate, "latency_ms": self.latency_ms}


BEHAVIOUR = Behaviour()
IDENTITY = {
    "service": os.environ.get("SHIPMATE_SERVICE", "hello"),
    "version": os.environ.get("SHIPMATE_VERSION", "dev"),
    "environment": os.environ.get("SHIPMATE_ENVIRONMENT", "local"),
}


class HelloHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "hello/1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stall
    timeout = 30                    # an idle keep-alive connection is closed after this long

    def setup(self) -> None:
        super().setup()
        with BEHAVIOUR.lock:
            BEHAVIOUR.connections += 1

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            with BEHAVIOUR.lock:
                BEHAVIOUR.connections -= 1

    def do_GET(self) -> None:
        self._serve(self._get)

    def do_POST(self) -> None:
        self._serve(self._post)

    def _serve(self, route: Callable[[], None]) -> None:
        with BEHAVIOUR.lock:
            BEHAVIOUR.in_flight += 1
        try:
            if BEHAVIOUR.latency_ms > 0 and self.path != "/control":
                time.sleep(BEHAVIOUR.latency_ms / 1000)
            route()
        finally:
            with BEHAVIOUR.lock:
                BEHAVIOUR.in_flight -= 1

    def _get(self) -> None:
        if self.path == "/health":
            healthy = not (BEHAVIOUR.fail_health or BEHAVIOUR.broken() or BEHAVIOUR.next_is_error())
            status = 200 if healthy else 500
            self._reply(status, {"status": "ok" if healthy else "failing", "version": IDENTITY["version"]})
        elif self.path == "/":
            if BEHAVIOUR.broken() or BEHAVIOUR.next_is_error() or BEHAVIOUR.next_page_is_error():
                self._reply(500, {"error": "steered failure", "version": IDENTITY["version"]})
            else:
                greeting = os.environ.get("GREETING", "hello")
                self._reply(200, {**IDENTITY, "greeting": greeting})
        elif self.path == "/control":
            with BEHAVIOUR.lock:
                others = BEHAVIOUR.in_flight - 1  # not counting this very request
            self._reply(200, {**BEHAVIOUR.snapshot(), "in_flight": others})
        else:
            self._reply(404, {"error": f"no route {self.path}"})

    def _post(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b"{}"
        if self.path != "/control":
            self._reply(404, {"error": f"no route {self.path}"})
            return
        try:
            wanted = json.loads(raw or b"{}")
            with BEHAVIOUR.lock:
                if "fail_health" in wanted:
                    BEHAVIOUR.fail_health = bool(wanted["fail_health"])
                if "error_rate" in wanted:
                    BEHAVIOUR.error_rate = min(max(float(wanted["error_rate"]), 0.0), 1.0)
                    BEHAVIOUR.counted = 0
                if "page_error_rate" in wanted:
                    BEHAVIOUR.page_error_rate = min(max(float(wanted["page_error_rate"]), 0.0), 1.0)
                    BEHAVIOUR.page_counted = 0
                if "latency_ms" in wanted:
                    BEHAVIOUR.latency_ms = int(wanted["latency_ms"])
        except (ValueError, TypeError, AttributeError) as exc:
            self._reply(400, {"error": f"bad control body: {exc}"})
            return
        self._reply(200, BEHAVIOUR.snapshot())

    def _reply(self, status: int, payload: dict[str, Any]) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if BEHAVIOUR.stopping:
            # Keep-alive clients must reconnect elsewhere (the new release) rather than to us.
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        say(f"{self.command} {self.path} {code}")

    def log_message(self, format: str, *args: Any) -> None:
        say("error: " + (format % args))


def _crash_later(seconds: float) -> None:
    def crash() -> None:
        say(f"crashing now (HELLO_CRASH_AFTER={seconds})")
        os._exit(1)

    timer = threading.Timer(seconds, crash)
    timer.daemon = True
    timer.start()


def request_stop(signum: int, frame: FrameType | None) -> None:
    BEHAVIOUR.stopping = True


def sleep_unless_stopped(seconds: float) -> bool:
    """Sleep up to ``seconds``; True if a stop was requested meanwhile."""
    deadline = time.monotonic() + seconds
    while not BEHAVIOUR.stopping and time.monotonic() < deadline:
        time.sleep(min(0.05, max(deadline - time.monotonic(), 0)))
    return BEHAVIOUR.stopping


def main() -> int:
    exit_code = os.environ.get("HELLO_EXIT_AT_START", "").strip()
    if exit_code:
        say(f"exiting at start with code {exit_code} (HELLO_EXIT_AT_START)")
        return int(exit_code)
    port_text = os.environ.get("PORT", "").strip()
    if not port_text:
        print("PORT is required", file=sys.stderr, flush=True)
        return 2

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    delay = _env_float("HELLO_START_DELAY")
    if delay > 0 and sleep_unless_stopped(delay):
        say("stopped before listening")
        return 0
    crash_after = _env_float("HELLO_CRASH_AFTER", -1.0)
    if crash_after >= 0:
        _crash_later(crash_after)

    host = os.environ.get("HELLO_HOST", "").strip() or "127.0.0.1"
    server = ThreadingHTTPServer((host, int(port_text)), HelloHandler)
    BEHAVIOUR.started = time.monotonic()
    serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    serving.start()
    say(f"listening on {host}:{port_text} version {IDENTITY['version']}")
    while not BEHAVIOUR.stopping:
        time.sleep(0.1)

    server.shutdown()        # stop accepting
    server.server_close()
    say("stop requested: not accepting any more, draining")
    # Keep-alive clients get "Connection: close" on their next answer and reconnect elsewhere;
    # exiting before that would reset a connection a request may be travelling on.
    deadline = time.monotonic() + DRAIN_SECONDS
    while (BEHAVIOUR.in_flight > 0 or BEHAVIOUR.connections > 0) and time.monotonic() < deadline:
        time.sleep(0.02)
    say(f"stopped ({BEHAVIOUR.in_flight} requests cut off)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
