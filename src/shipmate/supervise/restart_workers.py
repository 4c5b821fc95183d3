"""Restarts run off the supervisor loop: one worker thread per restart (lock, spawn, wait for health can take
the whole health deadline), so the deaths of other services are handled meanwhile.

At most one restart per service runs at a time (so never two of one instance), at most MAX_RUNNING per home;
the loop starts them and judges what they brought (``done``) on its own thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from shipmate.store.rows import InstanceRow
from shipmate.supervise.watch_state import Pending

log = logging.getLogger("shipmate.serve")
MAX_RUNNING = 8        # restarts in flight per home; more wait for a free worker
CLOSE_WAIT_S = 10.0    # on stop, how long a restart still running is waited for (the next serve adopts the rest)

Finished = tuple[Pending, InstanceRow | None, BaseException | None]


class RestartWorkers:
    def __init__(self, home: str) -> None:
        self.home = home
        self._lock = threading.Lock()
        self._running: dict[str, tuple[threading.Thread, Pending]] = {}
        self._finished: dict[str, Finished] = {}

    def busy(self, key: str) -> bool:
        """A restart of ``key`` runs or awaits judging, or every worker of the home is taken."""
        with self._lock:
            return key in self._running or key in self._finished or len(self._running) >= MAX_RUNNING

    def begin(self, key: str, pending: Pending, restart: Callable[[], InstanceRow]) -> None:
        def work() -> None:
            row: InstanceRow | None = None
            error: BaseException | None = None
            try:
                row = restart()
            except Exception as exc:   # judged on the loop (a held lock, the store away): never lost here
                error = exc
            with self._lock:
                self._running.pop(key, None)
                self._finished[key] = (pending, row, error)

        thread = threading.Thread(target=work, name=f"serve-restart {key}", daemon=True)
        with self._lock:
            self._running[key] = (thread, pending)
        thread.start()

    def done(self, key: str) -> Finished | None:
        with self._lock:
            return self._finished.pop(key, None)

    def close(self) -> None:
        with self._lock:
            threads = [thread for thread, _ in self._running.values()]
        for thread in threads:
            thread.join(timeout=CLOSE_WAIT_S / max(1, len(threads)))
        if any(thread.is_alive() for thread in threads):
            log.warning("%s: stopping with a restart still waiting for health (the next serve adopts it)", self.home)
