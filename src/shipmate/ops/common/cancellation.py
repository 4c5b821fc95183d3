"""Cancel an operation running on a worker thread the way Ctrl-C does (MCP's notifications/cancelled, the HTTP
API's POST .../cancel): the deployment's next progress report raises KeyboardInterrupt in its thread, and the
engine's interruption path rolls back (or, once promoted, keeps the release and cuts the cleanup short)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

# Reported while the engine puts a service back (a crashed deployment's recovery, or this one's rollback):
# an interruption there would leave it half rolled back. After "rolling back" nothing is interrupted any more.
_RECOVERING = "recovered"
_ROLLING_BACK = "rolling back"


@dataclass
class Cancellation:
    """Set when the caller cancelled; the engine is interrupted at most once, never while rolling back."""

    requested: threading.Event = field(default_factory=threading.Event)
    delivered: bool = False
    rolling_back: bool = False
    by: str = "MCP cancellation"

    def checkpoint(self, event: str) -> None:
        if event == _ROLLING_BACK:
            self.rolling_back = True
        if self.requested.is_set() and not self.delivered and not self.rolling_back and event != _RECOVERING:
            self.delivered = True
            raise KeyboardInterrupt(self.by)
