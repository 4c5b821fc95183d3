"""Who holds a lock, is that process still there, and does it still hold? (No SQLAlchemy: status uses it.)"""

from __future__ import annotations

import getpass
import os
import socket
from dataclasses import dataclass
from typing import Any

import psutil

# psutil derives create times from the boot time in /proc/stat, which can move by a second on
# some virtual machines; a pid is never reused that fast, so a second of slack is safe.
CREATE_TIME_SLACK = 1.0


def this_process_owner(command: str, actor: str | None = None) -> dict[str, Any]:
    """The owner record for a lock taken by the calling process."""
    me = psutil.Process(os.getpid())
    return {"pid": me.pid, "create_time": me.create_time(), "host": socket.gethostname(),
            "command": command, "actor": actor or getpass.getuser()}


def owner_alive(owner: dict[str, Any]) -> bool | None:
    """Is the owner process still there? pid + create_time, so a reused pid is not mistaken for it.

    None when it runs on another host: only the lease can tell then.
    """
    if owner.get("host") != socket.gethostname():
        return None
    try:
        proc = psutil.Process(int(owner["pid"]))
        if abs(proc.create_time() - float(owner["create_time"])) > CREATE_TIME_SLACK:
            return False
        return proc.status() != psutil.STATUS_ZOMBIE
    except (psutil.NoSuchProcess, KeyError, TypeError, ValueError):
        return False
    except psutil.AccessDenied:
        return True


# A live local owner keeps its lock past its lease (a starved heartbeat must not let a second
# deployer in), but not forever: silent for this many leases, it is frozen (SIGSTOP, a debugger,
# a hung disk) and may be taken over.
STALL_LEASES = 3.0


@dataclass(frozen=True)
class Liveness:
    """The one answer both store readers give about a lock row: held, and if not, why not."""

    held: bool
    owner_alive: bool | None
    stalled: bool
    free_because: str | None  # released | died | stalled | lease_expired; None while held


def judge(owner: dict[str, Any], *, heartbeat_at: float, lease_until: float, released_at: float | None,
          now: float) -> Liveness:
    """Released -> free; a dead local owner -> free at once; a live local one -> held until its
    heartbeat is older than STALL_LEASES leases; an owner on another host -> held while its lease runs."""
    alive = owner_alive(owner)
    lease = max(lease_until - heartbeat_at, 0.0)
    stalled = alive is True and now - heartbeat_at > STALL_LEASES * lease
    if released_at is not None:
        return Liveness(False, alive, False, "released")
    if alive is False:
        return Liveness(False, alive, False, "died")
    if alive is True:
        return Liveness(not stalled, alive, stalled, "stalled" if stalled else None)
    if now <= lease_until:
        return Liveness(True, alive, False, None)
    return Liveness(False, alive, False, "lease_expired")
