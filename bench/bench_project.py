"""A throwaway project for benchmarks: the sample app, a spec, and the installed CLI."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SHIPMATE = str(Path(sys.executable).parent / "shipmate")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class BenchProject:
    def __init__(self, monitor: str = "0s") -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="shipmate-bench-"))
        self.root = self.tmp / "proj"
        self.root.mkdir()
        shutil.copy(REPO / "examples" / "hello" / "app.py", self.root / "app.py")
        self.port = free_port()
        self.monitor = monitor
        self.env = {**os.environ, "SHIPMATE_RUNTIME_DIR": str(self.tmp / "run"), "SHIPMATE_ACTOR": "bench"}

    def spec(self, version: str, *, strategy: str = "blue-green", replicas: int = 1, extra: str = "") -> None:
        replicas_line = f"replicas: {replicas}\n" if replicas != 1 else ""
        (self.root / "shipmate.yaml").write_text(f"""service: bench
version: "{version}"
port: {self.port}
{replicas_line}target: {{kind: process, command: ["{sys.executable}", "app.py"], stop_grace: 5s}}
health:
  interval: 50ms
  deadline: 20s
  checks: [{{http: {{path: /health}}}}]
strategy: {strategy}
drain: 5s
monitor: {{duration: {self.monitor}, interval: 100ms, min_samples: 3}}
{extra}""")

    def run(self, *args: str, check: bool = True) -> dict[str, Any]:
        proc = subprocess.run([SHIPMATE, *args, "--json"], cwd=self.root, env=self.env, capture_output=True,
                              text=True, timeout=300)
        if check and proc.returncode != 0:
            raise RuntimeError(f"shipmate {' '.join(args)} exited {proc.returncode}: {proc.stdout} {proc.stderr}")
        out: dict[str, Any] = json.loads(proc.stdout)
        return out

    def close(self) -> None:
        subprocess.run([SHIPMATE, "down"], cwd=self.root, env=self.env, capture_output=True, timeout=120)
        pid_file = self.root / ".shipmate" / "router" / "router.pid"
        if pid_file.exists():
            with contextlib.suppress(ValueError, ProcessLookupError, IndexError):
                os.kill(int(pid_file.read_text().split()[0]), signal.SIGKILL)
        shutil.rmtree(self.tmp, ignore_errors=True)
