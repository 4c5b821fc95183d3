"""Fixtures: real router daemons and real backends on 127.0.0.1 for the router tests."""

from __future__ import annotations

import shutil
import socket
import socketserver
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from http_support import RawBackend, Uvicorn
from router_support import DaemonTracker, EchoServer, NamedServer


@pytest.fixture
def backends() -> Iterator[Callable[..., NamedServer | EchoServer]]:
    started: list[socketserver.TCPServer] = []

    def start(name: str = "", *, echo: bool = False) -> NamedServer | EchoServer:
        server: NamedServer | EchoServer = EchoServer() if echo else NamedServer(name)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.shutdown()
        server.server_close()


@pytest.fixture
def runtime_dir(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    # Short path on purpose: pytest's tmp_path can push a socket path past AF_UNIX's 108 bytes.
    path = Path(tempfile.mkdtemp(prefix="smr-"))
    monkeypatch.setenv("SHIPMATE_RUNTIME_DIR", str(path))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def daemon(tmp_path: Path, runtime_dir: Path) -> Iterator[DaemonTracker]:
    tracker = DaemonTracker(tmp_path / ".shipmate")
    tracker.start()
    yield tracker
    tracker.stop_all()


@pytest.fixture
def uvicorns() -> Iterator[Callable[..., Uvicorn]]:
    started: list[Uvicorn] = []

    def start(name: str, keep_alive_s: int = 5) -> Uvicorn:
        server = Uvicorn(name, keep_alive_s)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def raw_backends() -> Iterator[Callable[..., RawBackend]]:
    started: list[RawBackend] = []

    def start(handle: Callable[[socket.socket, int], None]) -> RawBackend:
        server = RawBackend(handle)
        started.append(server)
        return server

    yield start
    for server in started:
        server.close()
