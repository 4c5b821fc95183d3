"""Who this thread acts for, when a face serves many callers in one process (serve's HTTP API): every
deployment, lock and audit event it writes names the token's holder, not the OS user running `serve`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_acting: ContextVar[str | None] = ContextVar("shipmate_acting_actor", default=None)
_trace: ContextVar[str | None] = ContextVar("shipmate_acting_trace", default=None)


@contextmanager
def acting_as(actor: str, trace_id: str | None = None) -> Iterator[None]:
    """Within the block (this thread / task only), `workspace.actor()` is ``actor``, and a deployment started
    without a trace id of its own gets ``trace_id`` (how the HTTP face finds the deployment its call began)."""
    token = _acting.set(actor[:100])
    trace = _trace.set(trace_id)
    try:
        yield
    finally:
        _trace.reset(trace)
        _acting.reset(token)


def acting_actor() -> str | None:
    return _acting.get()


def acting_trace() -> str | None:
    return _trace.get()
