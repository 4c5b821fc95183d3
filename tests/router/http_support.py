"""Real backends for the http-mode tests: uvicorn processes, and raw-socket servers that misbehave
on purpose (close a kept-alive connection under a request, die mid-response, never answer)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from router_support import DaemonTracker, free_port, wait_for

from shipmate.traffic import Backend, RouteSpec

HERE = Path(__file__).resolve().parent


class Uvicorn:
    """`python -m uvicorn asgi_backend:app` as its own process, answering with ``name``."""

    def __init__(self, name: str, keep_alive_s: int = 5) -> None:
        self.name = name
        self.port = free_port()
        env = {**os.environ, "NAME": name}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "asgi_backend:app", "--app-dir", str(HERE), "--host", "127.0.0.1",
             "--port", str(self.port), "--timeout-keep-alive", str(keep_alive_s), "--log-level", "warning",
             "--ws", "websockets-sansio"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_for(self._listening, timeout=20, what=f"uvicorn {name} listening")

    def _listening(self) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError(f"uvicorn {self.name} exited with {self.proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
            return True
        except OSError:
            return False

    def backend(self, weight: int = 100, role: str = "stable", version: str = "") -> Backend:
        return Backend("127.0.0.1", self.port, weight=weight, version=version or self.name,
                       instance_id=self.name, role=role)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)


class RawBackend:
    """A one-thread-per-connection socket server whose ``handle(conn, index)`` does what a test needs."""

    def __init__(self, handle: Callable[[socket.socket, int], None]) -> None:
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = int(self.listener.getsockname()[1])
        self.handle = handle
        self.accepted = 0
        self.received: list[bytes] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            index, self.accepted = self.accepted, self.accepted + 1
            threading.Thread(target=self._run, args=(conn, index), daemon=True).start()

    def _run(self, conn: socket.socket, index: int) -> None:
        with conn, contextlib.suppress(OSError):
            self.handle(conn, index)

    def backend(self, weight: int = 100) -> Backend:
        return Backend("127.0.0.1", self.port, weight=weight, version="raw", instance_id="raw")

    def close(self) -> None:
        self.listener.close()


def read_head(conn: socket.socket) -> bytes:
    """Bytes up to and including the blank line ending one request head ('' when the peer closed)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(1)
        if not chunk:
            return b""
        data += chunk
    return data


def route(daemon: DaemonTracker, port: int, backends: list[Backend], *, fencing: int = 1,
          **options: float | bool | str) -> None:
    """set_backends in http mode; options are RouteSpec fields or the router's timeouts."""
    timeouts = {k: float(v) for k, v in options.items() if k.endswith("timeout_s")}
    spec = {k: v for k, v in options.items() if not k.endswith("timeout_s")}
    daemon.client.set_backends(RouteSpec(port, "web", "prod", **spec), backends,  # type: ignore[arg-type]
                               fencing=fencing, timeouts=timeouts)


def exchange(port: int, request: bytes, timeout: float = 10.0) -> bytes:
    """Send raw bytes, read until the router closes the connection (or the timeout)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(request)
        return read_all(sock)


def read_all(sock: socket.socket) -> bytes:
    """Everything until the peer closes (a reset or the socket's timeout ends it too)."""
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except (ConnectionResetError, TimeoutError):
        pass
    return data
