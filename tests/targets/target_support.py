"""Helpers for process-target tests: launch specs, small scripts, bounded waits."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path
from typing import Any

import psutil

from shipmate.model import InstanceRef, LaunchSpec
from shipmate.targets.process import ProcessTarget


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


def pid_of(ref: InstanceRef) -> int:
    """The app's pid: these tests check the process target itself, so they may read its handle."""
    return int(ref.handle["pid"])


def pump_pid_of(ref: InstanceRef) -> int:
    """The log pump's pid (it leads the instance's session and process group)."""
    return int(ref.handle["pump_pid"])


def log_of(ref: InstanceRef) -> str:
    return str(ref.handle["log_path"])


def log_handle(path: str | Path) -> dict[str, Any]:
    """A process handle that only names a log: enough for read_logs / last_output."""
    return {"log_path": str(path)}


class TrackedTarget(ProcessTarget):
    """Remembers what it started so the fixture can clean up even when a test fails."""

    def __init__(self) -> None:
        super().__init__()
        self.started: list[InstanceRef] = []

    def start(self, launch: LaunchSpec) -> InstanceRef:
        ref = super().start(launch)
        self.started.append(ref)
        return ref
