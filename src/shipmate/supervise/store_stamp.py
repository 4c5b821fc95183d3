"""Whether what supervision reads from a home's store changed since the last look, at the least cost.

A stat of the SQLite files first, so idle homes cost no query. Those files change for more than supervision
cares about (uptime samples every few seconds, lease heartbeats), so when they did, or the store is
PostgreSQL (no file to stat), one small query (store.serving_stamp) says whether a current release, an
instance or a lock holder changed: only then does the home read the store in full.
"""

from __future__ import annotations

import os
from typing import Any, Protocol

FILES = ("state.db", "state.db-wal")


class Stamped(Protocol):
    def serving_stamp(self) -> tuple[Any, ...]: ...


class StoreStamp:
    def __init__(self, home: str) -> None:
        self._home = home
        self._files: tuple[int, ...] | None = None
        self._serving: tuple[Any, ...] | None = None

    def changed(self, store: Stamped) -> bool:
        """True the first time, then whenever the serving stamp moved; StoreError when the store refuses."""
        files = self._file_times()
        if files is not None and files == self._files:
            return False
        stamp = store.serving_stamp()
        self._files = files   # only once the query answered: a refused one is asked again next time
        changed = stamp != self._serving
        self._serving = stamp
        return changed

    def _file_times(self) -> tuple[int, ...] | None:
        """mtimes of the database and its write-ahead log; None without a database file (PostgreSQL)."""
        times = []
        for name in FILES:
            try:
                times.append(os.stat(os.path.join(self._home, name)).st_mtime_ns)
            except OSError:
                times.append(0)
        return tuple(times) if times[0] else None
