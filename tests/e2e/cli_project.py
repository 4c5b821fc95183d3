"""Drive the installed `shipmate` CLI as a user would, in a throwaway project folder."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from tests.waiting import wait_until

REPO = Path(__file__).resolve().parents[2]
SHIPMATE = str(Path(sys.executable).parent / "shipmate")


@dataclass
class Project:
    root: Path
    port: int
    env: dict[str, str]
    started: list[subprocess.Popen[str]] = field(default_factory=list)

    def spec(self, version: str, *, name: str = "shipmate.yaml", app_env: dict[str, str] | None = None,
             monitor: str = "1s", strategy: str = "blue-green", deadline: str = "15s",
             drain: str = "1s", extra: str = "", replicas: int = 1, min_samples: int = 3,
             target_extra: str = "", command: str = "app.py") -> Path:
        """``target_extra``: more lines of the target section, each indented by two spaces."""
        env_lines = "".join(f"    {k}: \"{v}\"\n" for k, v in (app_env or {}).items())
        replicas_line = f"replicas: {replicas}\n" if replicas != 1 else ""
        text = f"""service: hello
version: "{version}"
port: {self.port}
{replicas_line}target:
  kind: process
  command: ["{sys.executable}", "{command}"]
  stop_grace: 3s
{target_extra}  env:
    GREETING: hi
{env_lines}health:
  interval: 100ms
  deadline: {deadline}
  checks:
    - http: {{path: /health, status: 200}}
strategy: {strategy}
drain: {drain}
monitor:
  duration: {monitor}
  interval: 100ms
  min_samples: {min_samples}
  rollback_if: {{error_rate: 0.05, p95_ms: 2000}}
{extra}"""
        path = self.root / name
        path.write_text(text)
        return path

    def run(self, *args: str, timeout: float = 180, env: dict[str, str] | None = None
            ) -> subprocess.CompletedProcess[str]:
        proc = self._popen(args, env)
        out, err = self.finish(proc, timeout)
        return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)

    def finish(self, proc: subprocess.Popen[str], timeout: float) -> tuple[str, str]:
        """Wait for a spawned command; one that hangs fails the test with every thread's stack."""
        try:
            return proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGABRT)  # PYTHONFAULTHANDLER=1: it prints all its threads first
            out, err = proc.communicate(timeout=30)
            raise AssertionError(f"`shipmate {' '.join(map(str, proc.args[1:]))}` still ran after {timeout} s; "
                                 f"stdout:\n{out[-2000:]}\nstderr and stacks:\n{err[-8000:]}") from None

    def json(self, *args: str, expect: int | None = 0, **kw: Any) -> dict[str, Any]:
        proc = self.run(*args, "--json", **kw)
        assert proc.stdout.count("\n") == 1, f"--json must print one line:\n{proc.stdout}\n{proc.stderr}"
        data: dict[str, Any] = json.loads(proc.stdout)
        if expect is not None:
            assert proc.returncode == expect, f"exit {proc.returncode}: {proc.stdout}\n{proc.stderr}"
        return data

    def spawn(self, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
        """Start a command in the background; the fixture kills it if the test leaves it running."""
        proc = self._popen(args, env)
        self.started.append(proc)
        return proc

    def _popen(self, args: tuple[str, ...], env: dict[str, str] | None) -> subprocess.Popen[str]:
        return subprocess.Popen([SHIPMATE, *args], cwd=self.root,
                                env={**self.env, "PYTHONFAULTHANDLER": "1", **(env or {})},
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def get(self, path: str = "/", timeout: float = 3.0) -> dict[str, Any]:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=timeout) as resp:
            body: dict[str, Any] = json.loads(resp.read())
            return body

    def serves(self, version: str) -> bool:
        """Does the public port answer GET / from ``version`` right now?"""
        try:
            return self.get("/", timeout=2)["version"] == version
        except (OSError, ValueError):
            return False

    def current_instances(self, environment: int = 0) -> list[dict[str, Any]]:
        """`status`'s instances of the current release (role "current") in one environment."""
        env = self.json("status")["environments"][environment]
        return [i for i in env["instances"] if i["role"] == "current"]

    def instance_ports(self, version: str) -> list[int]:
        """The ports of every live instance of ``version``, read from the processes' own environment.

        (During the monitor window `status` still names the previous release as current.)
        """
        ports: set[int] = set()
        for proc in self.our_processes():
            with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied, ValueError):
                env = proc.environ()
                if env.get("SHIPMATE_VERSION") == version and env.get("PORT"):
                    ports.add(int(env["PORT"]))
        return sorted(ports)

    def steer(self, version: str, body: dict[str, Any]) -> list[int]:
        """POST ``body`` to /control of every instance of ``version`` directly (not through the router)."""
        ports = self.instance_ports(version)
        assert ports, f"no live instance of {version} to steer"
        for port in ports:
            req = urllib.request.Request(f"http://127.0.0.1:{port}/control", data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"}, method="POST")
            with urllib.request.urlopen(req, timeout=10) as resp:
                assert resp.status == 200
        return ports

    def deploy_then_break(self, version: str, body: dict[str, Any], *args: str, timeout: float = 120
                          ) -> tuple[int, dict[str, Any]]:
        """Run `deploy --json`; once the public port serves ``version``, break it through /control.

        The release is healthy until the switch, so this never races health-gating the way a
        wall-clock timer in the app does on a loaded machine. Returns (exit code, JSON output).
        """
        proc = self.spawn("deploy", *args, "--json")
        wait_until(lambda: self.serves(version) or proc.poll() is not None, timeout,
                   f"the public port to serve {version}")
        assert proc.poll() is None, f"deploy ended before {version} could be broken: {proc.communicate()}"
        self.steer(version, body)
        out, err = self.finish(proc, timeout)
        assert out.count("\n") == 1, f"--json must print one line:\n{out}\n{err}"
        data: dict[str, Any] = json.loads(out)
        return proc.returncode, data

    def plan(self, *args: str) -> dict[str, Any]:
        """The plan `deploy --dry-run` prints for the spec as it is now (nothing is started)."""
        plan: dict[str, Any] = self.json("deploy", "--dry-run", *args)["plan"]
        return plan

    def get_direct(self, port: int, path: str = "/", timeout: float = 3.0) -> dict[str, Any]:
        """GET one instance on its own port, past the router."""
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as resp:
            body: dict[str, Any] = json.loads(resp.read())
            return body

    def home(self) -> Path:
        return self.root / ".shipmate"

    def our_processes(self) -> list[psutil.Process]:
        """Instance processes (log pumps and apps) this project started, zombies excluded."""
        from shipmate.ops.common.workspace import Workspace

        home_id = Workspace.locate(self.root / "shipmate.yaml").home_id
        found = []
        for proc in psutil.process_iter(["pid"]):
            try:
                if proc.status() == psutil.STATUS_ZOMBIE:
                    continue
                if proc.environ().get("SHIPMATE_HOME_ID") == home_id:
                    found.append(proc)
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
        return found

    def instance_apps(self) -> list[psutil.Process]:
        """One process per running instance: the app its log pump started (the pid status reports)."""
        ours = self.our_processes()
        pumps = {p.pid for p in ours if _is_pump(p)}
        apps = []
        for proc in ours:
            with contextlib.suppress(psutil.Error):
                if proc.pid not in pumps and (proc.ppid() in pumps or proc.ppid() not in {p.pid for p in ours}):
                    apps.append(proc)
        return apps

    def census(self, path: str = "/health", timeout: float = 1.0) -> tuple[int, int]:
        """(instances running, instances answering ``path`` with 200 on their own port), asked directly.

        An instance is its app carrying this project's marker; the router is not asked.
        """
        ports = []
        for leader in self.instance_apps():
            with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied, KeyError, ValueError):
                ports.append(int(leader.environ()["PORT"]))
        return len(ports), sum(_answers(port, path, timeout) for port in ports)


def _answers(port: int, path: str, timeout: float) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as resp:
            resp.read()
            return bool(resp.status == 200)
    except (OSError, ValueError):
        return False


def _is_pump(proc: psutil.Process) -> bool:
    try:
        return "shipmate.targets.log_pump" in proc.cmdline()
    except psutil.Error:
        return False


def _is_leader(proc: psutil.Process) -> bool:
    try:
        return os.getpgid(proc.pid) == proc.pid
    except ProcessLookupError:
        return False



def cleanup(proj: Project, runtime: Path) -> None:
    """Leave nothing running: instances by their marker, the router by its pid file."""
    for proc in proj.our_processes():
        with contextlib.suppress(ProcessLookupError, PermissionError, psutil.NoSuchProcess):
            os.killpg(proc.pid, signal.SIGKILL) if _is_leader(proc) else proc.kill()
    pid_file = proj.home() / "router" / "router.pid"
    if pid_file.exists():
        try:
            pid = int(pid_file.read_text().split()[0])
            proc = psutil.Process(pid)
            if "shipmate.router" in " ".join(proc.cmdline()):
                proc.kill()
                proc.wait(timeout=5)
        except (ValueError, psutil.NoSuchProcess, psutil.TimeoutExpired, IndexError):
            pass
