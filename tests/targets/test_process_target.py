"""ProcessTarget against real detached processes: start, liveness, stop, pid-reuse safety, preflight."""

from __future__ import annotations

import dataclasses
import http.client
import os
import sys
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest
from target_support import TrackedTarget, log_contains, log_of, pid_gone, pid_of, pump_pid_of, python_argv
from tests.waiting import APP, free_port, wait_until

from shipmate.errors import PrerequisiteMissingError
from shipmate.model import LaunchSpec

MakeLaunch = Callable[..., LaunchSpec]

SLEEPER = """
    import time
    print("ready", flush=True)
    time.sleep(600)
"""

IGNORES_SIGTERM = """
    import signal, time
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    print("ready", flush=True)
    time.sleep(600)
"""

# The parent honours SIGTERM; its child ignores it and is left behind as an orphan in the group.
SPAWNS_STUBBORN_GRANDCHILD = """
    import signal, subprocess, sys, time
    code = "import signal,time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)"
    child = subprocess.Popen([sys.executable, "-c", code])
    print(f"grandchild {child.pid}", flush=True)
    time.sleep(600)
"""


def grandchild_pid(log: Path) -> int:
    wait_until(lambda: log_contains(log, "grandchild "), 20, "the grandchild's pid in the log")
    line = next(x for x in log.read_text().splitlines() if "grandchild " in x)
    return int(line.rsplit(" ", 1)[1])


def http_ok(port: int) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        conn.request("GET", "/health")
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()


def test_started_app_serves_and_sigterm_stops_it_cleanly(target: TrackedTarget,
                                                          make_launch: MakeLaunch) -> None:
    port = free_port()
    ref = target.start(make_launch((sys.executable, str(APP)), port=port))
    assert ref.port == port and pid_of(ref) != os.getpid()
    assert target.is_alive(ref)
    wait_until(lambda: http_ok(port), 20, "the app to answer")

    target.stop(ref, grace=15)
    assert not target.is_alive(ref)
    assert log_contains(Path(log_of(ref)), "[shipmate] process exited with code 0")  # not SIGKILLed
    assert not http_ok(port)


def test_instance_runs_in_its_own_session_with_markers_in_env_not_argv(
        target: TrackedTarget, make_launch: MakeLaunch, home_id: str) -> None:
    launch = make_launch(python_argv(SLEEPER), env={"API_TOKEN": "canary-s3cret"})
    ref = target.start(launch)
    pump = psutil.Process(pump_pid_of(ref))
    assert os.getpgid(pump.pid) == pump.pid and os.getsid(pump.pid) == pump.pid
    assert os.getsid(pump.pid) != os.getsid(0)
    wait_until(lambda: log_contains(Path(log_of(ref)), "ready"), 20, "the app under the pump")
    app = psutil.Process(pid_of(ref))
    assert app.ppid() == pump.pid and os.getpgid(app.pid) == pump.pid  # the handle names the app, not the pump
    assert app.environ()["API_TOKEN"] == "canary-s3cret"
    assert app.environ()["SHIPMATE_HOME_ID"] == home_id
    assert app.environ()["SHIPMATE_INSTANCE_ID"] == launch.instance_id
    assert not any("canary-s3cret" in arg for p in (pump, app) for arg in p.cmdline())


def test_process_ignoring_sigterm_is_killed_after_grace(target: TrackedTarget,
                                                        make_launch: MakeLaunch) -> None:
    ref = target.start(make_launch(python_argv(IGNORES_SIGTERM)))
    wait_until(lambda: log_contains(Path(log_of(ref)), "ready"), 20, "the app to start")
    app_pids = [pid_of(ref), *(p.pid for p in psutil.Process(pid_of(ref)).children(recursive=True))]

    target.stop(ref, grace=0.5)
    assert not target.is_alive(ref)
    assert app_pids and all(pid_gone(pid) for pid in app_pids)


def test_orphaned_grandchildren_in_the_group_die_too(target: TrackedTarget, make_launch: MakeLaunch) -> None:
    ref = target.start(make_launch(python_argv(SPAWNS_STUBBORN_GRANDCHILD)))
    grandchild = grandchild_pid(Path(log_of(ref)))
    assert not pid_gone(grandchild)

    target.stop(ref, grace=1.0)
    assert not target.is_alive(ref)
    wait_until(lambda: pid_gone(grandchild), 10, "the grandchild to die")


def test_stop_is_idempotent(target: TrackedTarget, make_launch: MakeLaunch) -> None:
    ref = target.start(make_launch(python_argv(SLEEPER)))
    target.stop(ref, grace=5)
    target.stop(ref, grace=5)
    assert not target.is_alive(ref)


def test_exited_instance_is_not_alive(target: TrackedTarget, make_launch: MakeLaunch) -> None:
    ref = target.start(make_launch(python_argv("import sys; print('bye'); sys.exit(4)")))
    wait_until(lambda: not target.is_alive(ref), 20, "the instance to exit")
    assert log_contains(Path(log_of(ref)), "[shipmate] process exited with code 4")


def test_exited_instance_of_another_parent_counts_dead_even_as_zombie(make_launch: MakeLaunch) -> None:
    """A fresh target (as after a shipmate restart) did not spawn the pump, so cannot reap it."""
    spawner, observer = TrackedTarget(), TrackedTarget()
    ref = spawner.start(make_launch(python_argv("print('bye')")))
    try:
        wait_until(lambda: not observer.is_alive(ref), 20, "the instance to look dead")
    finally:
        spawner.stop(ref, grace=1)


def test_wrong_create_time_is_never_alive_and_never_killed(target: TrackedTarget,
                                                           make_launch: MakeLaunch) -> None:
    ref = target.start(make_launch(python_argv(SLEEPER)))
    # A stale record: both recorded processes have other create times, and no process carries its id.
    impostor = dataclasses.replace(ref, instance_id="gone-1", handle={
        **ref.handle, "create_time": ref.handle["create_time"] - 1000,
        "pump_create_time": ref.handle["pump_create_time"] - 1000})
    assert not target.is_alive(impostor)
    target.stop(impostor, grace=0.2)
    assert target.is_alive(ref)
    assert not pid_gone(pid_of(ref))


def test_stop_spares_an_unrelated_process_with_that_pid(target: TrackedTarget,
                                                        make_launch: MakeLaunch) -> None:
    ref = target.start(make_launch(python_argv(SLEEPER)))
    # our own pid (another create time) for both, and an id no process carries
    reused = dataclasses.replace(ref, instance_id="gone-1",
                                 handle={**ref.handle, "pid": os.getpid(), "pump_pid": os.getpid()})
    target.stop(reused, grace=0.2)
    assert target.is_alive(ref)  # and we are still here to assert it


def test_command_not_found_is_a_missing_prerequisite_and_starts_nothing(
        target: TrackedTarget, make_launch: MakeLaunch, home_id: str) -> None:
    with pytest.raises(PrerequisiteMissingError, match="command not found: no-such-cmd-xyz") as caught:
        target.start(make_launch(("no-such-cmd-xyz", "--serve")))
    assert caught.value.hint
    assert target.find_strays(home_id, set()) == []


def test_relative_command_is_resolved_against_cwd(target: TrackedTarget, make_launch: MakeLaunch,
                                                  tmp_path: Path) -> None:
    script = tmp_path / "run.sh"
    script.write_text("#!/bin/sh\necho relative-ok\nsleep 600\n")
    script.chmod(0o755)
    ref = target.start(make_launch(("./run.sh",), cwd=str(tmp_path)))
    wait_until(lambda: log_contains(Path(log_of(ref)), "relative-ok"), 20, "the script's output")
    with pytest.raises(PrerequisiteMissingError, match=r"command not found: \./missing\.sh"):
        target.start(make_launch(("./missing.sh",), cwd=str(tmp_path)))


def test_missing_cwd_is_a_missing_prerequisite(target: TrackedTarget, make_launch: MakeLaunch,
                                               tmp_path: Path, home_id: str) -> None:
    missing = str(tmp_path / "gone")
    with pytest.raises(PrerequisiteMissingError, match="gone"):
        target.start(make_launch((sys.executable, "-c", "pass"), cwd=missing))
    assert target.find_strays(home_id, set()) == []


def test_command_that_cannot_exec_reports_the_pump_reason(target: TrackedTarget, make_launch: MakeLaunch,
                                                          tmp_path: Path, home_id: str) -> None:
    script = tmp_path / "broken.sh"
    script.write_text("#!/no/such/interpreter\n")
    script.chmod(0o755)
    with pytest.raises(PrerequisiteMissingError, match="cannot run"):
        target.start(make_launch((str(script),)))
    assert target.find_strays(home_id, set()) == []
