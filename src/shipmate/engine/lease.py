"""Hold the per-service lock for the length of a deployment, heartbeating its lease.

Kamal's mkdir lock strands on a crash; ours carries a lease and the owner's pid + create
time, so the next command takes over a dead owner's lock at once and a live one's never.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from types import TracebackType
from typing import TYPE_CHECKING

from shipmate.errors import LockLostError, StoreError
from shipmate.store.owners import this_process_owner

if TYPE_CHECKING:
    from shipmate.store.store import Store

LEASE_SECONDS = 15.0


class Lease:
    """Context manager: acquire on enter (LockHeldError if a live owner has it), release on exit."""

    def __init__(self, store: Store, key: str, actor: str, lease_seconds: float = LEASE_SECONDS) -> None:
        self.store = store
        self.key = key
        self.actor = actor
        self.lease_seconds = lease_seconds
        self.fencing = 0
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Lease:
        command = " ".join(["shipmate", *sys.argv[1:]])[:200]
        owner = this_process_owner(command, self.actor)
        row = self.store.acquire_lock(self.key, owner=owner, lease_seconds=self.lease_seconds)
        self.fencing = row.fencing
        self._thread = threading.Thread(target=self._beat, name=f"lease:{self.key}", daemon=True)
        self._thread.start()
        return self

    def _beat(self) -> None:
        while not self._stop.wait(self.lease_seconds / 3):
            try:
                self.store.heartbeat(self.key, self.fencing, self.lease_seconds)
            except LockLostError:
                self.lost.set()
                return
            except StoreError:
                continue  # a busy database is retried at the next beat; the lease has slack

    def check(self) -> None:
        """Between steps: stop acting the moment somebody else owns the service."""
        if self.lost.is_set():
            raise LockLostError(f"lock for {self.key} was taken over while we held it",
                                hint="another shipmate reconciled this deployment; see `shipmate events`")

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        # If releasing fails the lease expires by itself; never mask the real outcome.
        with contextlib.suppress(StoreError):
            self.store.release_lock(self.key, self.fencing)
