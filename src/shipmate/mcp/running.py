"""Run one ops call on a worker thread: progress goes back to the client, a cancellation rolls back.

A client's `notifications/cancelled` reaches the engine the way Ctrl-C does: the next progress report
of the deployment raises KeyboardInterrupt in its thread, and the engine rolls back (or, once promoted,
keeps the release and cuts the cleanup short). The call then ends with the engine's own outcome.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

import anyio
import anyio.from_thread
import anyio.to_thread

from shipmate.ops import Cancellation

ProgressSink = Callable[[str, dict[str, Any]], None]
Reporter = Callable[[float, str], Any]   # async (progress, message) -> None, called on the event loop

def _progress(report: Reporter | None, cancellation: Cancellation) -> ProgressSink:
    count = 0

    def sink(event: str, data: dict[str, Any]) -> None:
        nonlocal count
        cancellation.checkpoint(event)
        if report is None or cancellation.requested.is_set():
            return
        count += 1
        detail = ", ".join(f"{k}={v}" for k, v in data.items() if isinstance(v, str | int | float))
        try:
            anyio.from_thread.run(report, float(count), f"{event} {detail}".strip())
        except Exception:  # a client gone or a closed stream must not fail the deployment
            return
    return sink


async def run_ops(action: Callable[[ProgressSink], Mapping[str, Any]], report: Reporter | None = None
                  ) -> tuple[Mapping[str, Any] | None, BaseException | None, bool]:
    """(result, error, cancelled). On cancellation the worker is waited for (shielded) before returning."""
    cancellation = Cancellation()
    box: dict[str, Any] = {}
    finished = threading.Event()

    def work() -> None:
        try:
            box["result"] = action(_progress(report, cancellation))
        except BaseException as exc:  # handed to the face's edge, which maps it
            box["error"] = exc
        finally:
            finished.set()

    try:
        await anyio.to_thread.run_sync(work, abandon_on_cancel=True)
    except anyio.get_cancelled_exc_class():
        cancellation.requested.set()
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(finished.wait)
        return box.get("result"), box.get("error"), True
    return box.get("result"), box.get("error"), False
