"""The processes of one process instance: the app (the process that listens), its log pump, and
whatever else carries the instance's environment markers (like Docker labels, but in /proc).

A process handle names the app by pid + create time, and its pump beside it. Handles written before
the app was tracked named only the pump (``pid``, no ``pump_pid``): they are read as such.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import psutil

from shipmate.targets import process_group
from shipmate.targets.log_pump import KEEPER_FD

HOME_MARKER = "SHIPMATE_HOME_ID"
INSTANCE_MARKER = "SHIPMATE_INSTANCE_ID"
SERVICE_MARKER = "SHIPMATE_SERVICE"
PUMP_MODULE = "shipmate.targets.log_pump"


@dataclass(frozen=True)
class Family:
    """What runs of one instance now: each member is verified (pid + create time), zombies are left out."""

    app: psutil.Process | None
    pump: psutil.Process | None
    others: tuple[psutil.Process, ...] = ()   # the app's children and any other process with the markers

    @property
    def members(self) -> list[psutil.Process]:
        found = {p.pid: p for p in (self.app, self.pump, *self.others) if p is not None}
        return list(found.values())


def verified(pid: int, create_time: float) -> psutil.Process | None:
    """The process ``pid`` if it is still the one created at ``create_time`` and not a zombie."""
    if pid <= 0:
        return None
    try:
        proc = psutil.Process(pid)
        if not process_group.same_create_time(proc.create_time(), create_time):
            return None
        if proc.status() == psutil.STATUS_ZOMBIE:
            process_group.reap(pid)
            return None
        return proc
    except (psutil.NoSuchProcess, psutil.ZombieProcess):
        return None


def tracks_app(handle: dict[str, Any]) -> bool:
    """New handles name the app; old ones (no ``pump_pid``) named the pump only."""
    return "pump_pid" in handle


def app_of(handle: dict[str, Any]) -> psutil.Process | None:
    """The app behind ``handle``: recorded directly, or (old handle) the pump's first child."""
    pid, created = int(handle.get("pid") or 0), float(handle.get("create_time") or 0.0)
    if tracks_app(handle):
        return verified(pid, created)
    pump = verified(pid, created)
    if pump is None:
        return None
    with contextlib.suppress(psutil.Error):
        children = pump.children()
        return children[0] if children else pump
    return None


def pump_of(handle: dict[str, Any]) -> psutil.Process | None:
    if tracks_app(handle):
        return verified(int(handle.get("pump_pid") or 0), float(handle.get("pump_create_time") or 0.0))
    return verified(int(handle.get("pid") or 0), float(handle.get("create_time") or 0.0))


def marked(**wanted: str) -> Iterator[tuple[psutil.Process, dict[str, str]]]:
    """Every process of ours whose environment carries all the ``wanted`` markers (by env name)."""
    me = os.getpid()
    for proc in psutil.process_iter():
        if proc.pid == me:
            continue
        try:
            env = proc.environ()
            if all(env.get(name) == value for name, value in wanted.items()) \
                    and proc.status() != psutil.STATUS_ZOMBIE:
                yield proc, env
        except (psutil.Error, ProcessLookupError, PermissionError):
            continue  # gone meanwhile, or someone else's: not ours to judge


def family(instance_id: str, handle: dict[str, Any]) -> Family:
    """The instance's app, its pump, the app's descendants, and every other process marked with its id."""
    app, pump = app_of(handle), pump_of(handle)
    others: dict[int, psutil.Process] = {}
    if app is not None:
        with contextlib.suppress(psutil.Error):
            others.update({c.pid: c for c in app.children(recursive=True)})
    if instance_id:
        # The home too when the handle knows it: ids are unique per home, not across every home on the host.
        home = {HOME_MARKER: str(handle["home_id"])} if handle.get("home_id") else {}
        others.update({p.pid: p for p, _ in marked(**{INSTANCE_MARKER: instance_id}, **home)})
    for known in (app, pump):
        if known is not None:
            others.pop(known.pid, None)
    return Family(app, pump, tuple(others.values()))


def is_pump(proc: psutil.Process) -> bool:
    try:
        return PUMP_MODULE in proc.cmdline()
    except psutil.Error:
        return False


def pick_app(procs: list[psutil.Process]) -> psutil.Process | None:
    """Of one instance's marked processes: the app is the oldest that is not a pump (its children came later)."""
    candidates: list[tuple[float, psutil.Process]] = []
    for proc in procs:
        if is_pump(proc):
            continue
        with contextlib.suppress(psutil.Error):
            candidates.append((proc.create_time(), proc))
    return min(candidates, key=lambda item: item[0])[1] if candidates else None


def pick_pump(procs: list[psutil.Process]) -> psutil.Process | None:
    """The pump that started the app (it leads the group); a re-attached pump does not."""
    for proc in procs:
        with contextlib.suppress(psutil.Error, ProcessLookupError):
            if is_pump(proc) and os.getpgid(proc.pid) == proc.pid:
                return proc
    return None


def create_time(proc: psutil.Process | None) -> float:
    if proc is None:
        return 0.0
    try:
        return proc.create_time()
    except psutil.Error:
        return 0.0


def pump_attached(app_pid: int) -> bool:
    """A re-attached pump already copies this app's output."""
    needle = f"{app_pid}:{KEEPER_FD}"
    for proc in psutil.process_iter():
        with contextlib.suppress(psutil.Error):
            cmdline = proc.cmdline()
            if PUMP_MODULE in cmdline and needle in cmdline:
                return True
    return False


def attach_pump(app: psutil.Process, instance_id: str, log_path: str) -> subprocess.Popen[bytes]:
    """Start a pump on the app's kept output pipe (its first pump died); marked like the app. OSError, psutil.Error."""
    argv = [sys.executable, "-I", "-m", PUMP_MODULE, "--log", log_path, "--attach", f"{app.pid}:{KEEPER_FD}"]
    env = {**os.environ, HOME_MARKER: str(app.environ().get(HOME_MARKER, "")), INSTANCE_MARKER: instance_id}
    return subprocess.Popen(argv, env=env, start_new_session=True, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
