"""A process frozen inside a write transaction blocks every writer; the error must name it and say it is stopped."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from tests.store.store_support import KEY

from shipmate.errors import StoreError
from shipmate.store import Store, sqlite_dialect
from shipmate.store.owners import this_process_owner
from shipmate.store.write_lock_holder import write_lock_pid

pytestmark = pytest.mark.sqlite_only   # SQLite's own file and locks

HOLD_WRITE_LOCK = (
    "import sqlite3, sys, time\n"
    "conn = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
    "conn.execute('BEGIN IMMEDIATE')\n"
    "print('holding', flush=True)\n"
    "time.sleep(120)\n"
)


def test_a_stopped_writer_is_named_in_the_lock_timeout_hint(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sqlite_dialect, "BUSY_TIMEOUT_MS", 300)  # the store's connections wait 0.3 s, not 15
    store = Store.open(home)
    holder = subprocess.Popen([sys.executable, "-c", HOLD_WRITE_LOCK, str(store.path)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        assert write_lock_pid(store.path) == holder.pid
        os.kill(holder.pid, signal.SIGSTOP)
        with pytest.raises(StoreError, match="stayed locked") as info:
            store.acquire_lock(KEY, owner=this_process_owner("deploy"), lease_seconds=10)
        hint = info.value.hint or ""
        assert f"pid {holder.pid}" in hint and "is stopped" in hint and f"kill -CONT {holder.pid}" in hint
    finally:
        os.kill(holder.pid, signal.SIGCONT)
        holder.kill()
        holder.wait(timeout=30)
        store.close()
    assert write_lock_pid(store.path) is None


def test_the_write_lock_owner_is_read_from_proc_locks_lines(tmp_path: Path) -> None:
    db = tmp_path / "state.db"
    assert write_lock_pid(db) is None  # no -shm file: no WAL writer
    shm = tmp_path / "state.db-shm"
    shm.write_bytes(b"")
    st = os.stat(shm)
    device = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}"
    table = tmp_path / "locks"
    table.write_text(f"1: POSIX  ADVISORY  READ 11 {device} 120 120\n"
                     f"2: POSIX  ADVISORY  WRITE 12 {device} 124 124\n"
                     f"3: FLOCK  ADVISORY  WRITE 13 {device} 120 120\n"
                     f"4: POSIX  ADVISORY  WRITE 14 00:00:1 120 120\n")
    assert write_lock_pid(db, table) is None
    table.write_text(table.read_text() + f"5: POSIX  ADVISORY  WRITE 15 {device} 120 120\n")
    assert write_lock_pid(db, table) == 15
