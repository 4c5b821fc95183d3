"""Helpers to run the sample app as a real child process on an ephemeral loopback port."""

from __future__ import annotations

import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.waiting import port_open, wait_until

START_TIMEOUT = 20.0


@dataclass
class RunningApp:
    proc: subprocess.Popen[bytes]
    port: int
    output: Path

    def text(self) -> str:
        return self.output.read_text(errors="replace")

    def wait_listening(self) -> None:
        wait_until(lambda: port_open(self.port) or self.proc.poll() is not None, START_TIMEOUT,
                   "the app to listen")
        assert self.proc.poll() is None, f"app exited early: {self.text()}"


def stop_process(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
