"""TcpProbe, ProcessProbe and CommandProbe against real sockets and processes."""

from __future__ import annotations

import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from tests.waiting import free_port, wait_until

from shipmate.model import InstanceRef, LaunchSpec, Phase
from shipmate.probes.command import CommandProbe
from shipmate.probes.process import ProcessProbe
from shipmate.probes.tcp import TcpProbe
from shipmate.targets.base import Target
from shipmate.targets.registry import target_for


def test_tcp_passes_on_a_listening_port_and_fails_on_a_closed_one() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        assert TcpProbe("127.0.0.1", port, 2.0).run().phase is Phase.PASS
    closed = free_port()
    result = TcpProbe("127.0.0.1", closed, 2.0).run()
    assert (result.phase, result.detail) == (Phase.FAIL, f"connect 127.0.0.1:{closed}: connection refused")


@pytest.fixture
def started(tmp_path: Path) -> Iterator[tuple[Target, InstanceRef]]:
    target = target_for("process")
    code = "import time; print('about to serve', flush=True); time.sleep(600)"
    launch = LaunchSpec(instance_id="p1", argv=(sys.executable, "-c", code), cwd=str(tmp_path), env={},
                        port=0, log_path=str(tmp_path / "p1.log"), home_id="probe-test")
    ref = target.start(launch)
    yield target, ref
    target.stop(ref, grace=0.5)


def test_process_probe_passes_while_alive_and_fails_with_the_last_log_line(
        started: tuple[Target, InstanceRef]) -> None:
    target, ref = started
    probe = ProcessProbe(target, ref)
    assert probe.run().phase is Phase.PASS
    target.stop(ref, grace=5)
    result = probe.run()
    assert result.phase is Phase.FAIL
    assert result.detail.startswith(f"pid {ref.handle['pid']} is not running; last log: ")
    assert "[shipmate] process exited with code" in result.detail


def test_command_probe_passes_on_exit_0_with_the_last_output_line() -> None:
    result = CommandProbe([sys.executable, "-c", "print('checking'); print('all good')"]).run()
    assert (result.phase, result.detail) == (Phase.PASS, "all good")


def test_command_probe_fails_on_exit_1(tmp_path: Path) -> None:
    code = "import os, sys; print('db at', os.getcwd(), os.environ['DB_URL']); sys.exit(1)"
    result = CommandProbe([sys.executable, "-c", code], cwd=str(tmp_path), env={"DB_URL": "x"}).run()
    assert (result.phase, result.detail) == (Phase.FAIL, f"exit 1: db at {tmp_path} x")


def test_command_probe_timeout_kills_the_command_and_its_children(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    code = (f"import subprocess, sys, time; c = subprocess.Popen([sys.executable, '-c', "
            f"'import time; time.sleep(600)']); open({str(pid_file)!r}, 'w').write(str(c.pid)); "
            f"time.sleep(600)")
    result = CommandProbe([sys.executable, "-c", code], timeout=5.0).run()
    assert (result.phase, result.detail) == (Phase.FAIL, "timed out after 5.0s")
    if not pid_file.exists():
        pytest.skip("the machine was too slow for the command to start its child within the timeout")
    child = int(pid_file.read_text())

    def gone() -> bool:
        try:
            return psutil.Process(child).status() == psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return True

    wait_until(gone, 10, "the command's child to be killed")


def test_command_probe_reports_a_missing_command() -> None:
    result = CommandProbe(["no-such-check-xyz"]).run()
    assert (result.phase, result.detail) == (Phase.FAIL, "command not found: no-such-check-xyz")
