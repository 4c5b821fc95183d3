"""Helpers for process-target tests: launch specs, small scripts, bounded waits."""

from __future__ import annotations

import socket
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import psutil

from shipmate.model import InstanceRef, LaunchSpec
from shipmate.targets.process import ProcessTarget

APP = Path(__file__).resolve().parents[2] / "examples" / "hello" / "app.py"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def python_argv(code: str) -> tuple[str, ...]:
    """argv running ``code`` in a fresh interpreter (unbuffered, so log lines appear at once)."""
    return (sys.executable, "-u", "-c", textwrap.dedent(code))


def pid_gone(pid: int) -> bool:
    """Dead or a zombie: the container's PID 1 may never reap orphans."""
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def log_contains(path: Path, text: str) -> bool:
    files = [path, *sorted(path.parent.glob(path.name + ".*"))]
    return any(p.exists() and text in p.read_text(errors="replace") for p in files)


class TrackedTarget(ProcessTarget):
    """Remembers what it started so the fixture can clean up even when a test fails."""

    def __init__(self) -> None:
        super().__init__()
        self.started: list[InstanceRef] = []

    def start(self, launch: LaunchSpec) -> InstanceRef:
        ref = super().start(launch)
        self.started.append(ref)
        return ref
