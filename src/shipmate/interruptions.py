"""Signals that interrupt a command (Ctrl-C, SIGTERM, SIGHUP), and a way to hold them off.

Held where an interruption would do harm: inside a store write (a KeyboardInterrupt in the middle
of a SQLite write once left its connection holding the write lock, and the rollback that followed
failed with "database is locked"), and while the engine puts a service back in order.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType

INTERRUPT_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

_held = threading.local()


@contextlib.contextmanager
def signals_held(*, deliver: bool = False) -> Iterator[None]:
    """Hold off SIGINT/SIGTERM/SIGHUP (noted, not acted on) for the length of the block.

    deliver=False: while the service is put in order (a second Ctrl-C during a rollback would leave
    it half rolled back), noted signals are dropped. deliver=True: the first one is raised again once
    the block is over (a store write is atomic to signals). Nested blocks defer to the outermost.
    Outside the main thread signals cannot be handled, and none arrive there: nothing to do.
    """
    if threading.current_thread() is not threading.main_thread() or getattr(_held, "active", False):
        yield
        return
    noted: list[int] = []

    def note(signum: int, frame: FrameType | None) -> None:
        noted.append(signum)

    before = {sig: signal.getsignal(sig) for sig in INTERRUPT_SIGNALS}
    for sig in INTERRUPT_SIGNALS:
        if before[sig] is not signal.SIG_IGN:
            signal.signal(sig, note)
    _held.active = True
    try:
        yield
    finally:
        _held.active = False
        for sig, handler in before.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)
    if deliver and noted:
        signal.raise_signal(noted[0])  # again, now, to the handler it was meant for (Ctrl-C: KeyboardInterrupt)
