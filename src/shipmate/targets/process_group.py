"""Finding, waiting for and killing the members of one process group, safe against pid reuse.

psutil's own wait() treats a zombie as alive when it is not our child, and the container's PID 1
may never reap orphans, so "gone" here means: vanished, replaced (other create time) or zombie.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time

import psutil

POLL_SECONDS = 0.05
# /proc/stat's btime (added to every create time) can move by a second; a pid is never reused
# that fast, so this tolerance cannot confuse two processes.
CREATE_TIME_TOLERANCE = 1.0


def same_create_time(a: float, b: float) -> bool:
    return abs(a - b) <= CREATE_TIME_TOLERANCE


def reap(pid: int) -> None:
    """Collect our own exited child so it does not linger as a zombie; harmless for others."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def is_gone(proc: psutil.Process) -> bool:
    try:
        if proc.status() == psutil.STATUS_ZOMBIE:
            reap(proc.pid)
            return True
        return not proc.is_running()  # is_running() also compares the create time
    except (psutil.NoSuchProcess, psutil.ZombieProcess):
        return True
    except psutil.AccessDenied:
        return False


def group_members(pgid: int, leader: psutil.Process) -> list[psutil.Process]:
    """The leader, its descendants and any orphan still in the group (reparented grandchildren)."""
    members: dict[int, psutil.Process] = {leader.pid: leader}
    with contextlib.suppress(psutil.Error):
        for child in leader.children(recursive=True):
            members[child.pid] = child
    for proc in psutil.process_iter():
        if proc.pid in members:
            continue
        try:
            if os.getpgid(proc.pid) == pgid:
                members[proc.pid] = proc
        except (ProcessLookupError, PermissionError):
            continue
    return list(members.values())


def wait_gone(procs: list[psutil.Process], timeout: float) -> list[psutil.Process]:
    """Wait up to ``timeout`` seconds; returns the processes still running."""
    deadline = time.monotonic() + timeout
    alive = [p for p in procs if not is_gone(p)]
    while alive and time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        alive = [p for p in alive if not is_gone(p)]
    return alive


def signal_group(pgid: int, leader: psutil.Process, signum: int) -> None:
    """Signal the whole group, but only while its verified leader still runs (else the number may
    name someone else's group); the caller signals stragglers one by one after that."""
    if is_gone(leader):
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signum)


def terminate_group(leader: psutil.Process, grace: float) -> list[psutil.Process]:
    """SIGTERM the group, wait ``grace``, SIGKILL what is left; returns processes that survived."""
    try:
        pgid = os.getpgid(leader.pid)
    except ProcessLookupError:
        return []
    members = group_members(pgid, leader) if pgid == leader.pid else [leader]
    if pgid == leader.pid:
        signal_group(pgid, leader, signal.SIGTERM)
    else:
        with contextlib.suppress(psutil.Error):
            leader.send_signal(signal.SIGTERM)
    alive = wait_gone(members, max(grace, 0.0))
    if not alive:
        return []
    if pgid == leader.pid:
        signal_group(pgid, leader, signal.SIGKILL)
    for proc in alive:
        with contextlib.suppress(psutil.Error):
            proc.kill()  # psutil checks the create time first, so a reused pid is spared
    return wait_gone(alive, 5.0)
