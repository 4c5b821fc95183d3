"""Who holds SQLite's write lock on the state database, read from /proc/locks (Linux).

A process frozen (SIGSTOP, a debugger) inside a write transaction keeps that lock, and no other
process can break it: every writer then waits out its busy timeout. Naming the process, and
saying that it is stopped, turns "stayed locked" into something a person can act on.
"""

from __future__ import annotations

import os
from pathlib import Path

import psutil

# In WAL mode SQLite takes its write lock as an fcntl lock on byte 120 of the -shm file.
_WAL_WRITE_LOCK_BYTE = 120
_PROC_LOCKS = Path("/proc/locks")


def write_lock_pid(db_path: Path, proc_locks: Path = _PROC_LOCKS) -> int | None:
    """The pid holding the WAL write lock of ``db_path``; None when free or unknown (no /proc)."""
    try:
        st = os.stat(f"{db_path}-shm")
        table = proc_locks.read_text()
    except OSError:
        return None
    device = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}"
    for line in table.splitlines():
        # "1: POSIX  ADVISORY  WRITE 1420 fe:00:2146617 120 120"
        fields = line.split()
        if len(fields) >= 8 and fields[1] == "POSIX" and fields[3] == "WRITE" and fields[5] == device \
                and fields[6] == str(_WAL_WRITE_LOCK_BYTE):
            try:
                pid = int(fields[4])
            except ValueError:
                continue
            return pid if pid > 0 else None
    return None


def holder_hint(db_path: Path) -> str | None:
    """A hint naming the process that holds the write lock, if it can be found."""
    pid = write_lock_pid(db_path)
    if pid is None:
        return None
    try:
        proc = psutil.Process(pid)
        command = " ".join(proc.cmdline())[:120] or proc.name()
        stopped = proc.status() == psutil.STATUS_STOPPED
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return None
    if stopped:
        return (f"pid {pid} ({command}) holds the database's write lock and is stopped (SIGSTOP or a "
                f"debugger): nothing can take that lock from it; `kill -CONT {pid}` lets it finish "
                f"(it will find its deployment lock taken over), or end it")
    return f"pid {pid} ({command}) holds the database's write lock; wait for it, or look at what it is doing"
