"""Run one argv (no shell) to its end or its timeout, in its own session so a timeout kills its children too.

Shared by the command probe and the hook runner; each words its own failures from what this returns.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Finished:
    returncode: int | None             # None: it never started, or it was killed at the timeout
    output: bytes                      # stdout and stderr together (what was read before a kill, too)
    start_error: OSError | None = None
    timed_out: bool = False


def run_bounded(argv: Sequence[str], *, cwd: str | os.PathLike[str] | None, env: Mapping[str, str] | None,
                timeout: float) -> Finished:
    try:
        child = subprocess.Popen(list(argv), cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    except OSError as exc:
        return Finished(None, b"", start_error=exc)
    try:
        output, _ = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child.pid, signal.SIGKILL)
        child.kill()
        output = b""
        with contextlib.suppress(subprocess.TimeoutExpired):
            output, _ = child.communicate(timeout=2.0)
        return Finished(None, output or b"", timed_out=True)
    return Finished(child.returncode, output)
