"""The log pump as a real process: rotation, timestamps, exit codes, signal forwarding."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path

from target_support import log_contains, python_argv
from tests.waiting import wait_until

STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z ")


def pump(log: Path, *argv: str, max_bytes: int = 1024 * 1024, backups: int = 3) -> list[str]:
    return [sys.executable, "-m", "shipmate.targets.log_pump", "--log", str(log),
            "--max-bytes", str(max_bytes), "--backups", str(backups), "--", *argv]


def test_rotates_into_backups_and_records_the_exit_code(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    code = "import sys\nfor i in range(400): print(f'line {i:04d}')\nsys.exit(3)"
    result = subprocess.run(pump(log, *python_argv(code), max_bytes=1000, backups=3), timeout=60)
    assert result.returncode == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app.log", "app.log.1", "app.log.2", "app.log.3"]
    for path in tmp_path.iterdir():
        assert path.stat().st_size <= 1000
    lines = log.read_text().splitlines()
    assert all(STAMP.match(line) for line in lines)
    assert lines[-1].endswith("[shipmate] process exited with code 3")
    assert lines[-2].endswith("line 0399")


def test_stderr_is_captured_too(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    code = "import sys; print('to stderr', file=sys.stderr)"
    assert subprocess.run(pump(log, *python_argv(code)), timeout=60).returncode == 0
    assert "to stderr" in log.read_text()


def test_command_that_cannot_run_exits_127_with_a_reason(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    result = subprocess.run(pump(log, "/no/such/binary"), timeout=60)
    assert result.returncode == 127
    text = log.read_text()
    assert "cannot run /no/such/binary: No such file or directory" in text
    assert text.rstrip().endswith("[shipmate] process exited with code 127")


def test_sigterm_is_forwarded_and_output_pumped_until_the_child_ends(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    code = """
        import signal, sys, time
        def bye(signum, frame):
            print("got SIGTERM, cleaning up", flush=True)
            time.sleep(0.3)
            print("cleaned up", flush=True)
            sys.exit(5)
        signal.signal(signal.SIGTERM, bye)
        print("ready", flush=True)
        time.sleep(600)
    """
    proc = subprocess.Popen(pump(log, *python_argv(code)))
    try:
        wait_until(lambda: log_contains(log, "ready"), 20, "the child to start")
        proc.send_signal(signal.SIGTERM)  # to the pump only: it must pass it on
        assert proc.wait(timeout=20) == 5
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    lines = log.read_text().splitlines()
    assert lines[-3].endswith("got SIGTERM, cleaning up")
    assert lines[-2].endswith("cleaned up")
    assert lines[-1].endswith("[shipmate] process exited with code 5")


def test_death_by_signal_is_reported_with_its_name(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    code = "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"
    result = subprocess.run(pump(log, *python_argv(code)), timeout=60)
    assert result.returncode == 128 + 9
    assert "[shipmate] process exited with code -9 (signal SIGKILL)" in log.read_text()


def test_bad_usage_exits_2(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "shipmate.targets.log_pump", "--log", str(tmp_path / "x")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "missing '--'" in result.stderr
