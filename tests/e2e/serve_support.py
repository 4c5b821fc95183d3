"""Running `shipmate serve` for a test project: its own port, its own host registry (XDG_STATE_HOME is the
test's), and bounded waits on what it says."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import urllib.request
from typing import Any

import psutil

from tests.e2e.cli_project import Project
from tests.waiting import free_port, wait_until

SUPERVISE = """supervise:
  interval: 500ms
  failure_threshold: 3
{more}"""


def supervise_block(**more: str) -> str:
    return SUPERVISE.format(more="".join(f"  {key}: {value}\n" for key, value in more.items()))


class Serve:
    """One `shipmate serve -f shipmate.yaml` of the project, on a port of the test's slice."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.port = free_port()
        self.proc: subprocess.Popen[str] | None = None

    def start(self) -> Serve:
        self.proc = self.project.spawn("serve", "-f", "shipmate.yaml", "--port", str(self.port))
        proc = self.proc
        # serve reconciles its homes before it answers: a wide bound for a loaded machine, an early end if it died
        wait_until(lambda: proc.poll() is not None or self.health().get("ok") is True, 60, "serve's /healthz")
        assert proc.poll() is None, proc.communicate(timeout=10)
        return self

    def health(self) -> dict[str, Any]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2) as resp:
                body: dict[str, Any] = json.loads(resp.read())
                return body
        except (OSError, ValueError):
            return {}

    def stop(self) -> int:
        """SIGTERM, as systemd or Ctrl-C would; returns its exit code."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        _, err = self.project.finish(self.proc, 30)
        assert "Traceback" not in err, err
        return self.proc.returncode

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()
        self.proc.communicate(timeout=30)


def current(project: Project) -> list[dict[str, Any]]:
    return [i for i in project.json("status")["environments"][0]["instances"] if i["role"] == "current"]


def events_of(project: Project, event_type: str) -> list[dict[str, Any]]:
    return [e for e in project.json("events", "--limit", "500")["events"] if e["event_type"] == event_type]


def listening(ports: set[int]) -> set[int]:
    """Which of ``ports`` something on this machine listens on now."""
    found = set()
    for conn in psutil.net_connections(kind="inet"):
        if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port in ports:
            found.add(int(conn.laddr.port))
    return found


def marked(project: Project) -> list[psutil.Process]:
    """Every process carrying this project's home marker (pumps, apps, their children)."""
    return project.our_processes()


def app_pid(instance: dict[str, Any]) -> int:
    pid = int(instance["pid"])
    assert "SHIPMATE_INSTANCE_ID" in psutil.Process(pid).environ(), "status must name the app, a marked process"
    return pid


def kill(pid: int, sig: int = signal.SIGKILL) -> None:
    os.kill(pid, sig)
