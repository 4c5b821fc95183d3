"""The handle names the app: a dead log pump neither kills the app, nor hides it, nor loses its output."""

from __future__ import annotations

import dataclasses
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path

from target_support import TrackedTarget, log_contains, log_of, pid_gone, pid_of, pump_pid_of, python_argv
from tests.waiting import APP, free_port, port_open, wait_until

from shipmate.model import LaunchSpec

MakeLaunch = Callable[..., LaunchSpec]

# Prints a numbered line every 20 ms, so lines written while no pump reads would show as a gap.
TICKER = """
    import time
    n = 0
    while True:
        print(f"tick {n}", flush=True)
        n += 1
        time.sleep(0.02)
"""


def test_app_outlives_its_sigkilled_pump_and_is_still_alive_and_stopped(
        target: TrackedTarget, make_launch: MakeLaunch) -> None:
    port = free_port()
    ref = target.start(make_launch((sys.executable, str(APP)), port=port))
    wait_until(lambda: port_open(port), 20, "the app to listen")
    os.kill(pump_pid_of(ref), signal.SIGKILL)
    wait_until(lambda: pid_gone(pump_pid_of(ref)), 10, "the pump to die")

    seen = target.inspect(ref.handle)
    assert seen.alive and seen.pid == pid_of(ref) and "log pump is gone" in seen.detail
    assert port_open(port)
    target.stop(ref, grace=5)
    assert not target.is_alive(ref) and pid_gone(pid_of(ref))
    assert not port_open(port)


def test_a_re_attached_pump_carries_the_output_on_without_a_gap(
        target: TrackedTarget, make_launch: MakeLaunch) -> None:
    ref = target.start(make_launch(python_argv(TICKER)))
    log = Path(log_of(ref))
    wait_until(lambda: log_contains(log, "tick 5"), 20, "the first ticks")
    os.kill(pump_pid_of(ref), signal.SIGKILL)
    wait_until(lambda: pid_gone(pump_pid_of(ref)), 10, "the pump to die")
    assert target.is_alive(ref)

    note = target.mend(ref)
    assert note and "re-attached" in note
    assert target.mend(ref) is None  # one pump is enough
    wait_until(lambda: "log pump re-attached" in log.read_text() and log.read_text().count("tick") > 60, 20,
               "ticks after the re-attach")
    target.stop(ref, grace=5)
    numbers = [int(line.rsplit(" ", 1)[1]) for line in log.read_text().splitlines() if " tick " in line]
    missing = set(range(numbers[0], numbers[-1] + 1)) - set(numbers)
    # Only the line the killed pump had read but not yet written can be lost; nothing while no pump read.
    assert len(missing) <= 1, f"lines were lost while no pump read: {sorted(missing)[:10]}"


def test_an_old_handle_naming_only_the_pump_is_still_found_and_stopped(
        target: TrackedTarget, make_launch: MakeLaunch) -> None:
    """Rows written before the app was tracked hold the pump's pid only; they must still work."""
    port = free_port()
    ref = target.start(make_launch((sys.executable, str(APP)), port=port))
    wait_until(lambda: port_open(port), 20, "the app to listen")
    old = dataclasses.replace(ref, handle={"pid": pump_pid_of(ref), "create_time": ref.handle["pump_create_time"],
                                           "log_path": log_of(ref)})
    seen = target.inspect(old.handle)
    assert seen.alive and seen.pid == pid_of(ref)  # the app under the pump, reported as such
    target.stop(old, grace=5)
    assert pid_gone(pid_of(ref)) and pid_gone(pump_pid_of(ref)) and not port_open(port)


def test_strays_are_found_by_their_markers_even_without_a_pump(
        target: TrackedTarget, make_launch: MakeLaunch, home_id: str) -> None:
    ref = target.start(make_launch(python_argv("import time; time.sleep(600)"), instance_id="lost-1"))
    os.kill(pump_pid_of(ref), signal.SIGKILL)
    wait_until(lambda: pid_gone(pump_pid_of(ref)), 10, "the pump to die")

    found = target.find_strays(home_id, set())
    assert [(r.instance_id, pid_of(r)) for r in found] == [("lost-1", pid_of(ref))]
    target.stop(found[0], grace=2)
    assert pid_gone(pid_of(ref)) and target.find_strays(home_id, set()) == []
