"""A death is seen through a pidfd at once, for a process that is not our child."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from shipmate.supervise.death_watch import DeathWatch


def _orphan() -> int:
    """A sleeper whose parent has exited (reparented away from us, as instances are from serve)."""
    code = ("import subprocess,sys; p=subprocess.Popen([sys.executable,'-c','import time; time.sleep(60)'], "
            "stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); print(p.pid)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=30)
    return int(out.stdout)


def test_a_sigkilled_process_that_is_not_our_child_wakes_the_wait_at_once() -> None:
    pid = _orphan()
    watch = DeathWatch()
    try:
        assert watch.watch("i1", pid) and "i1" in watch
        assert watch.wait(0.2) == []           # alive: the wait times out
        os.kill(pid, signal.SIGKILL)
        start = time.monotonic()
        assert watch.wait(10.0) == ["i1"]
        assert time.monotonic() - start < 5.0  # woken by the death, not by the timeout
        assert "i1" not in watch and watch.wait(0.0) == []
    finally:
        watch.close()


def test_a_pid_that_is_already_gone_cannot_be_watched() -> None:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait(timeout=30)
    watch = DeathWatch()
    assert watch.watch("gone", proc.pid) is False
    watch.close()
