"""Command probe: run a check command (no shell); exit 0 passes, its last output line is the detail."""

from __future__ import annotations

import os

from shipmate.bounded_run import run_bounded
from shipmate.model import ProbeResult
from shipmate.probes.base import Stopwatch, describe_os_error, failed, passed

MAX_DETAIL = 200


class CommandProbe:
    def __init__(self, argv: list[str] | tuple[str, ...], *, cwd: str | None = None,
                 env: dict[str, str] | None = None, timeout: float = 10.0, name: str | None = None) -> None:
        """``env`` is added to the current environment (secrets travel there, never in argv)."""
        self.argv = list(argv)
        self.cwd = cwd
        self.env = env
        self.timeout = timeout
        self.name = name or f"command {os.path.basename(self.argv[0]) if self.argv else '?'}"

    def run(self) -> ProbeResult:
        watch = Stopwatch()
        if not self.argv:
            return failed(self.name, watch, "no command given")
        env = {**os.environ, **self.env} if self.env is not None else None
        done = run_bounded(self.argv, cwd=self.cwd, env=env, timeout=self.timeout)
        if isinstance(done.start_error, FileNotFoundError):
            return failed(self.name, watch, f"command not found: {self.argv[0]}")
        if done.start_error is not None:
            return failed(self.name, watch, f"cannot run {self.argv[0]}: {describe_os_error(done.start_error)}")
        if done.timed_out:
            return failed(self.name, watch, f"timed out after {self.timeout}s")
        last = last_line(done.output)
        if done.returncode == 0:
            return passed(self.name, watch, last)
        prefix = f"exit {done.returncode}"
        return failed(self.name, watch, f"{prefix}: {last}" if last else prefix)


def last_line(output: bytes) -> str:
    lines = output.decode("utf-8", errors="replace").strip().splitlines()
    return lines[-1].strip()[:MAX_DETAIL] if lines else ""
