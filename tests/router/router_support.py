"""Real backends (HTTP, echo) and a daemon tracker shared by the router tests."""

from __future__ import annotations

import http.client
import socketserver
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psutil
from tests.waiting import free_port as free_port  # re-exported for the router tests

from shipmate.errors import TargetError
from shipmate.router.client import RouterClient


class NamedHandler(BaseHTTPRequestHandler):
    """Answers every GET with the server's name, keeping the connection alive (HTTP/1.1)."""

    protocol_version = "HTTP/1.1"
    server: NamedServer

    def do_GET(self) -> None:
        body = self.server.name.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class NamedServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def __init__(self, name: str) -> None:
        super().__init__(("127.0.0.1", 0), NamedHandler)
        self.name = name

    @property
    def port(self) -> int:
        return int(self.server_address[1])


class EchoHandler(socketserver.BaseRequestHandler):
    """Reads until the client's EOF, then sends everything back and closes: needs half-close."""

    def handle(self) -> None:
        data = b""
        while chunk := self.request.recv(65536):
            data += chunk
        self.request.sendall(data)


class EchoServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), EchoHandler)

    @property
    def port(self) -> int:
        return int(self.server_address[1])


def http_get(port: int, conn: http.client.HTTPConnection | None = None) -> str:
    """GET / on a fresh connection (or on ``conn`` to reuse a kept-alive one); returns the body."""
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", "/")
        response = conn.getresponse()
        return response.read().decode()
    finally:
        if own:
            conn.close()


def wait_for(predicate: Callable[[], bool], timeout: float = 10.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.02)


class DaemonTracker:
    """A RouterClient that remembers every daemon pid it saw, so the finalizer can stop them all."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self.client = RouterClient(state_dir)
        self.pids: set[int] = set()

    def start(self) -> int:
        pid = self.client.ensure_daemon(timeout=20)
        self.pids.add(pid)
        return pid

    def stop_all(self) -> None:
        try:
            self.pids.add(int(self.client._call("ping")["pid"]))
            self.client.shutdown()
        except TargetError:
            pass
        for pid in self.pids:
            try:
                proc = psutil.Process(pid)
                try:
                    proc.wait(timeout=10)
                except psutil.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=10)
            except psutil.NoSuchProcess:
                pass
