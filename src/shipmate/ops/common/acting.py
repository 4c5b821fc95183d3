"""Who this thread acts for, when a face serves many callers in one process (serve's HTTP API): every
deployment, lock and audit event it writes names the token's holder, not the OS user running `serve`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_acting: ContextVar[str | None] = ContextVar("shipmate_acting_actor", default=None)


@contextmanager
def acting_as(actor: str) -> Iterator[None]:
    """Within the block (this thread / task only), `workspace.actor()` is ``actor``."""
    token = _acting.set(actor[:100])
    try:
        yield
    finally:
        _acting.reset(token)


def acting_actor() -> str | None:
    return _acting.get()
