"""Progress on stderr while a command works: a line at least every 2 s, so a wait never looks like a hang.

The engine reports steps and, while it waits (health, monitor), ticks; between them a heartbeat
repeats what is going on with the time it has taken. Plain lines for pipes and `--json` (stdout
stays one JSON object), a Rich spinner on a terminal.
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from types import TracebackType
from typing import Any, TextIO

from shipmate.cli.terminal import detach_output

HEARTBEAT_S = 1.5   # the longest silence; under the promised 2 s even when the machine is busy
TICK_S = 0.25
TICKS = frozenset({"monitoring", "waiting for health"})  # repeated reports of one ongoing wait


def describe(message: str, data: dict[str, Any]) -> str:
    step = f"[{data['index']}/{data['of']}] " if "index" in data else ""
    extra = " ".join(f"{k}={v}" for k, v in data.items() if k not in {"index", "of"})
    return f"{step}{message} {extra}".rstrip()


class Heartbeat(ABC):
    """Shows progress events, and repeats the current one when nothing was shown for HEARTBEAT_S.

    All output happens on its own thread: a stderr nobody reads (a full pipe) may stall the progress
    lines, never the deployment.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.started = time.monotonic()
        self.shown_at = time.monotonic()
        self.activity: str | None = None
        self.activity_since = time.monotonic()
        self.pending: list[tuple[str, float, bool]] = []
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="shipmate-progress", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=2)

    def report(self, message: str, data: dict[str, Any]) -> None:
        """Called by the engine for every progress event; never blocks on output."""
        now = time.monotonic()
        with self.lock:
            if message not in TICKS or self.activity is None:
                self.activity_since = now  # a tick belongs to the step it waits in
            self.activity = describe(message, data)
            if message not in TICKS or now - self.shown_at >= 1.0:
                self.pending.append((self.activity, now - self.activity_since, message in TICKS))
                self.shown_at = now
                self._wake.set()

    def _run(self) -> None:
        while True:
            self._wake.wait(TICK_S)
            self._wake.clear()
            now = time.monotonic()
            with self.lock:
                due, self.pending = self.pending, []
                if not due and self.activity is not None and now - self.shown_at >= HEARTBEAT_S \
                        and not self._stop.is_set():
                    due = [(self.activity, now - self.activity_since, True)]
                    self.shown_at = now
            for text, waited_s, tick in due:
                self.show(text, waited_s, tick=tick)
            if self._stop.is_set():
                return

    @abstractmethod
    def show(self, text: str, waited_s: float, *, tick: bool) -> None:
        """Put one progress line (or spinner text) in front of the user."""


class PlainProgress(Heartbeat):
    """One line per event on ``stream``: "  12.3s [3/6] wait_healthy", then "… still … (4s)" lines."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self.stream = stream

    def show(self, text: str, waited_s: float, *, tick: bool) -> None:
        elapsed = time.monotonic() - self.started
        line = f"{elapsed:6.1f}s {text}" + (f" (for {waited_s:.0f}s)" if tick and waited_s >= 1 else "")
        try:
            self.stream.write(line + "\n")
            self.stream.flush()
        except (OSError, ValueError):
            # A closed pipe or terminal (SIGHUP) must not break the deployment, nor its exit code at exit.
            detach_output()


class LiveProgress(Heartbeat):
    """A Rich spinner whose text always says what runs and for how long; steps stay printed above it."""

    def __init__(self, console: Any, spinner: Any) -> None:
        super().__init__()
        self.console = console
        self.spinner = spinner

    def show(self, text: str, waited_s: float, *, tick: bool) -> None:
        from rich.markup import escape

        elapsed = time.monotonic() - self.started
        try:
            self.spinner.update(escape(f"{text} ({elapsed:.0f}s)"))
            if not tick:
                self.console.print(f"  {text}", highlight=False, markup=False)
        except OSError:  # the terminal closed (SIGHUP): keep working, quietly
            detach_output()
