"""What every real-process test needs: a free port, a bounded wait, and the sample app's path."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "examples" / "hello" / "app.py"


# Ports a test reserves but does not hold (a project's public port) come from below the kernel's
# ephemeral range (32768+), one slice per xdist worker: the instances shipmate starts and every
# client socket take ephemeral ports, so a port picked with bind(0) could be handed to another
# worker's instance before this test binds it (CI saw "port 44711 is already in use").
_LOW, _HIGH, _SLICES = 20000, 32000, 32
_SLICE = (_HIGH - _LOW) // _SLICES
_next: dict[str, int] = {}


def _worker_slice() -> int:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    digits = "".join(ch for ch in worker if ch.isdigit())
    return int(digits or 0) % _SLICES


def free_port() -> int:
    """A free port in this worker's own slice, so no other worker or instance can take it meanwhile."""
    start = _LOW + _worker_slice() * _SLICE
    for _ in range(_SLICE):
        offset = _next.get("offset", os.getpid() % _SLICE)
        _next["offset"] = (offset + 1) % _SLICE
        port = start + offset
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise AssertionError(f"no free port in {start}..{start + _SLICE - 1}")


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll until ``condition`` holds; fail the test (never hang) after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False
