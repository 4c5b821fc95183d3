"""Starting one process instance: the pump's argv, the pump's "running PID" word,
and the JSON handle the store keeps (``pid`` is the app's; ``pump_pid`` its pump's)."""

from __future__ import annotations

import os
import select
import sys
from typing import Any

import psutil

from shipmate.model import LaunchSpec
from shipmate.targets import process_family
from shipmate.targets.process_family import PUMP_MODULE


def pump_argv(launch: LaunchSpec, ready_fd: int) -> list[str]:
    # -I: the release directory (cwd) and its PYTHON* env must not shadow the pump's own imports.
    return [sys.executable, "-I", "-m", PUMP_MODULE, "--log", launch.log_path,
            "--max-bytes", str(launch.log_max_bytes), "--backups", str(launch.log_backups),
            "--ready-fd", str(ready_fd), "--", *launch.argv]


def wait_ready(ready_read: int, timeout: float) -> int | None:
    """The app's pid once the pump says its command runs; None on EOF (it died first) or timeout."""
    readable, _, _ = select.select([ready_read], [], [], timeout)
    if not readable:
        return None
    words = os.read(ready_read, 64).split()
    return int(words[1]) if len(words) == 2 and words[0] == b"running" and words[1].isdigit() else None


def process_handle(pid: int, create_time: float, log_path: str, **extra: Any) -> dict[str, Any]:
    """The handle the store keeps for a process instance (JSON-ready): ``pid`` is the app's."""
    return {"pid": pid, "create_time": create_time, "log_path": log_path, **extra}


def app_handle(app: psutil.Process | None, pump: psutil.Process | None, log_path: str,
               **extra: Any) -> dict[str, Any]:
    return process_handle(app.pid if app else 0, process_family.create_time(app), log_path,
                          pump_pid=pump.pid if pump else 0, pump_create_time=process_family.create_time(pump),
                          **extra)
