"""A worker thread that runs while a `with` block runs (serve's inbox, scheduled reports, uptime prober)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator


@contextlib.contextmanager
def in_background(work: Callable[[threading.Event], None], *, name: str,
                  join_timeout_s: float = 1.0, stop: threading.Event | None = None) -> Iterator[None]:
    """Start ``work(stop)`` on a daemon thread; at the block's end set ``stop`` and wait at most
    ``join_timeout_s`` (bounded: work still running is left to its own claims, never waited on forever)."""
    stop = stop or threading.Event()
    thread = threading.Thread(target=work, args=(stop,), name=name, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=join_timeout_s)
