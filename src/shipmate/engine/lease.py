"""Hold the per-service lock for the length of a deployment, heartbeating its lease.

Kamal's mkdir lock strands on a crash; ours carries a lease and the owner's pid + create
time, so the next command takes over a dead owner's lock at once, and a live one's only when
its heartbeat is older than 3 leases (frozen). The lease lasts 15 s; SHIPMATE_LEASE_SECONDS
(1 to 600) changes it, so that tests can freeze a holder for seconds rather than minutes.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import threading
from types import TracebackType
from typing import TYPE_CHECKING

from shipmate.errors import InvalidInputError, LockLostError, StoreError
from shipmate.store.owners import this_process_owner

if TYPE_CHECKING:
    from shipmate.store.store import Store

LEASE_SECONDS = 15.0
LEASE_ENV = "SHIPMATE_LEASE_SECONDS"
LEASE_BOUNDS = (1.0, 600.0)


def configured_lease_seconds() -> float:
    """The lease length: SHIPMATE_LEASE_SECONDS when set (bounded), else 15 s."""
    raw = os.environ.get(LEASE_ENV, "").strip()
    if not raw:
        return LEASE_SECONDS
    low, high = LEASE_BOUNDS
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not low <= value <= high:  # NaN fails too
        raise InvalidInputError(f"{LEASE_ENV}={raw[:40]!r} is not a number of seconds from {low:g} to {high:g}",
                                hint=f"unset {LEASE_ENV} to use the default lease of {LEASE_SECONDS:g} s")
    return value


class Lease:
    """Context manager: acquire on enter (LockHeldError if a live owner has it), release on exit."""

    def __init__(self, store: Store, key: str, actor: str, lease_seconds: float | None = None) -> None:
        self.store = store
        self.key = key
        self.actor = actor
        self.lease_seconds = configured_lease_seconds() if lease_seconds is None else lease_seconds
        self.fencing = 0
        # Why the previous holder lost the lock when we took it over (died | stalled | lease_expired).
        self.took_over: str | None = None
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Lease:
        command = " ".join(["shipmate", *sys.argv[1:]])[:200]
        owner = this_process_owner(command, self.actor)
        row = self.store.acquire_lock(self.key, owner=owner, lease_seconds=self.lease_seconds)
        self.fencing = row.fencing
        self.took_over = row.took_over
        self._thread = threading.Thread(target=self._beat, name=f"lease:{self.key}", daemon=True)
        self._thread.start()
        return self

    def _beat(self) -> None:
        while not self._stop.wait(self.lease_seconds / 3):
            try:
                self.store.heartbeat(self.key, self.fencing, self.lease_seconds)
            except LockLostError:
                # Taken over while we were frozen or starved: every later fenced write fails too,
                # and check() stops the engine at its next step.
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
