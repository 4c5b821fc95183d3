"""Ctrl-C, SIGTERM and SIGHUP on a real `shipmate deploy`: before promote it rolls back (exit 1);
after promote the release stays and only the cleanup is cut short (exit 0). Never 129 or -2."""

from __future__ import annotations

import json
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from tests.e2e.cli_project import Project
from tests.waiting import wait_until

# An old release that ignores SIGTERM: stopping it takes its whole stop_grace, a wide window to interrupt.
STUBBORN = """\
import http.server, os, signal
signal.signal(signal.SIGTERM, signal.SIG_IGN)
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b'{"version": "stubborn"}'
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
print("stubborn up", flush=True)
http.server.HTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
"""


class Watched:
    """A running `shipmate deploy --json` whose stderr progress lines are collected as they come."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line)

    def wait_for(self, text: str, timeout: float = 60) -> None:
        wait_until(lambda: any(text in ln for ln in self.lines) or self.proc.poll() is not None, timeout,
                   f"progress line {text!r}")
        assert self.proc.poll() is None, f"deploy ended before {text!r}: {self.lines}"

    def result(self, timeout: float = 60) -> tuple[int, dict[str, object]]:
        stdout, _ = self.proc.communicate(timeout=timeout)
        assert stdout.count("\n") == 1, stdout
        return self.proc.returncode, json.loads(stdout)


def _start(project: Project, *args: str) -> Watched:
    return Watched(project.spawn("deploy", "--json", *args))


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=lambda s: s.name)
def test_a_signal_during_the_monitor_window_rolls_back_and_exits_1(project: Project, sig: signal.Signals) -> None:
    project.spec("1.0.0")
    project.json("deploy")
    project.spec("2.0.0", monitor="30s")
    deploy = _start(project)
    deploy.wait_for("monitor")
    deploy.proc.send_signal(sig)
    code, out = deploy.result()
    assert code == 1, out
    error = out["error"]
    assert isinstance(error, dict) and error["code"] == "deployment_failed"
    assert f"interrupted by {sig.name}" in str(error["message"])
    assert project.get("/")["version"] == "1.0.0"
    status = project.json("status")["environments"][0]
    assert status["current"]["version"] == "1.0.0" and status["deployment_in_progress"] is None
    wait_until(lambda: len(project.instance_apps()) == 1, 15, "the new instance to be stopped")


@pytest.mark.slow
def test_a_second_signal_during_the_rollback_does_not_cut_it_short(project: Project) -> None:
    project.spec("1.0.0")
    project.json("deploy")
    project.spec("2.0.0", monitor="30s")
    deploy = _start(project)
    deploy.wait_for("monitor")
    deploy.proc.send_signal(signal.SIGTERM)
    deploy.wait_for("rolling back")
    deploy.proc.send_signal(signal.SIGINT)
    deploy.proc.send_signal(signal.SIGHUP)
    code, out = deploy.result()
    assert code == 1, out
    assert project.get("/")["version"] == "1.0.0"
    history = project.json("history")["deployments"]
    assert history[0]["state"] == "rolled_back"


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=lambda s: s.name)
def test_a_signal_after_promote_keeps_the_release_and_only_cuts_the_cleanup(
        project: Project, sig: signal.Signals) -> None:
    (project.root / "stubborn.py").write_text(STUBBORN)
    project.spec("1.0.0")
    text = (project.root / "shipmate.yaml").read_text().replace('"app.py"]', '"stubborn.py"]')
    (project.root / "shipmate.yaml").write_text(text.replace("stop_grace: 3s", "stop_grace: 60s"))
    project.json("deploy")
    assert project.get("/")["version"] == "stubborn"
    project.spec("2.0.0")
    deploy = _start(project)
    deploy.wait_for("stop_old")
    sent = time.monotonic()
    deploy.proc.send_signal(sig)
    code, out = deploy.result()
    assert code == 0, out
    assert time.monotonic() - sent < 20  # not the 60 s stop_grace
    assert out["state"] == "succeeded" and out["verified"] is True
    steps = out["steps"]
    assert isinstance(steps, list)
    assert [s["status"] for s in steps if s["name"] == "stop_old"][-1] == "ok"
    assert project.get("/")["version"] == "2.0.0"
    status = project.json("status")["environments"][0]
    assert status["current"]["version"] == "2.0.0"
    wait_until(lambda: len(project.instance_apps()) == 1, 15, "the old instance to be gone")
    events = project.json("events")["events"]
    succeeded = [e for e in events if e["event_type"] == "deployment.succeeded"]
    assert any(f"interrupted by {sig.name}" in json.dumps(e) for e in succeeded)


@pytest.mark.slow
def test_a_hangup_with_the_output_gone_still_rolls_back_and_exits_1(project: Project) -> None:
    """A closed terminal: stdout and stderr lead nowhere, then SIGHUP arrives."""
    project.spec("1.0.0")
    project.json("deploy")
    project.spec("2.0.0", monitor="30s")
    deploy = project.spawn("deploy")
    assert deploy.stderr is not None and deploy.stdout is not None
    deadline = time.monotonic() + 60
    for line in deploy.stderr:  # progress comes at least every 2 s, so this loop is bounded
        if "monitor" in line or time.monotonic() > deadline:
            break
    assert deploy.poll() is None
    deploy.stdout.close()
    deploy.stderr.close()
    deploy.send_signal(signal.SIGHUP)
    code = deploy.wait(timeout=60)
    assert code == 1, json.dumps([project.json("history", expect=None), project.json("events", expect=None)])
    assert project.get("/")["version"] == "1.0.0"
    assert project.json("history")["deployments"][0]["state"] == "rolled_back"


def test_an_interruption_before_any_deployment_exits_130_not_minus_2(project: Project) -> None:
    project.spec("1.0.0")
    # `shipmate status` spends most of its short life importing; interrupt it as soon as it runs.
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        proc = project.spawn("status", "--json")
        # As soon as shipmate has its handlers (before that the kernel's default applies: no program
        # can answer a signal that arrives while the interpreter itself is still starting).
        # (Python itself catches SIGINT from its first instant; shipmate's SIGTERM handler comes with
        # its own SIGINT and SIGHUP ones, so SIGTERM's bit says shipmate is ready for all three.)
        wait_until(lambda p=proc: _catches(p.pid, signal.SIGTERM) or p.poll() is not None, 30,
                   "shipmate's signal handlers")
        proc.send_signal(sig)
        stdout, _ = proc.communicate(timeout=30)
        assert proc.returncode in (0, 130), (sig, proc.returncode, stdout)
        if proc.returncode == 130:
            assert json.loads(stdout)["error"]["code"] == "interrupted"


def _catches(pid: int, sig: signal.Signals) -> bool:
    """Has process ``pid`` installed a handler for ``sig``? (SigCgt in /proc/PID/status)"""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    caught = next((line.split()[1] for line in status.splitlines() if line.startswith("SigCgt:")), "0")
    return bool(int(caught, 16) >> (sig.value - 1) & 1)


def _in_flight(port: int) -> int:
    """Requests the sample app is answering right now (its /control is never delayed)."""
    import urllib.request

    with urllib.request.urlopen(f"http://127.0.0.1:{port}/control", timeout=5) as resp:
        return int(json.loads(resp.read())["in_flight"])


@pytest.mark.slow
def test_an_interrupted_read_only_command_exits_130_with_one_json_object(project: Project) -> None:
    project.spec("1.0.0", monitor="0s")
    project.json("deploy", timeout=120)
    (port,) = project.instance_ports("1.0.0")
    project.steer("1.0.0", {"latency_ms": 3000})  # each probe now takes 3 s: a window to interrupt it in
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        wait_until(lambda: _in_flight(port) == 0, 30, "the previous check's probe to finish")
        proc = project.spawn("check", "--json")
        # Interrupt it while its probe is really in flight, however slowly a loaded machine starts Python.
        wait_until(lambda: _in_flight(port) > 0, 60, "check's probe to reach the app")
        proc.send_signal(sig)
        stdout, _ = proc.communicate(timeout=30)
        assert proc.returncode == 130, (sig, stdout)
        error = json.loads(stdout)["error"]
        assert error["code"] == "interrupted" and sig.name in error["message"]
