"""Who holds a lock, and is that process still there? (No SQLAlchemy here: status uses it too.)"""

from __future__ import annotations

import getpass
import os
import socket
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
