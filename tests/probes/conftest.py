"""Servers the probes look at, each shut down after its test."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator

import pytest
from probe_support import FixedServer
from tests.waiting import APP, free_port, port_open, wait_until


@pytest.fixture
def hello_port() -> Iterator[Callable[..., int]]:
    """Start the sample app (extra env as keywords); returns its port once it listens."""
    procs: list[subprocess.Popen[bytes]] = []

    def start(**env: str) -> int:
        port = free_port()
        proc = subprocess.Popen([sys.executable, str(APP)], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, env={**os.environ, "PORT": str(port), **env})
        procs.append(proc)
        wait_until(lambda: port_open(port) or proc.poll() is not None, 20, "the sample app")
        assert proc.poll() is None, "the sample app exited early"
        return port

    yield start
    for proc in procs:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture
def fixed_server() -> Iterator[Callable[[int, bytes], int]]:
    servers: list[FixedServer] = []

    def start(status: int, body: bytes) -> int:
        server = FixedServer(status, body)
        servers.append(server)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return server.port

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections (kernel backlog) but never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    yield int(sock.getsockname()[1])
    sock.close()
