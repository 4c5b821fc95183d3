"""signals_held: a signal inside the block waits for its end (deliver) or is dropped (while restoring)."""

from __future__ import annotations

import gc
import os
import signal
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import pytest

from shipmate.interruptions import signals_held


@pytest.fixture
def term_raises() -> Iterator[None]:
    def raise_interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)

    before = signal.signal(signal.SIGTERM, raise_interrupt)
    # A handler's exception raised while a gc callback runs (hypothesis installs one) is swallowed there:
    # seen once in a full run as "Exception ignored in gc_callback: KeyboardInterrupt".
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        signal.signal(signal.SIGTERM, before)


def test_a_signal_inside_a_delivering_block_is_raised_after_it(term_raises: None) -> None:
    done = []
    with pytest.raises(KeyboardInterrupt, match="SIGTERM"), signals_held(deliver=True):
        os.kill(os.getpid(), signal.SIGTERM)
        done.append("the whole block ran")
    assert done == ["the whole block ran"]
    assert signal.getsignal(signal.SIGTERM).__name__ == "raise_interrupt"


def test_a_signal_while_restoring_is_dropped_and_nested_blocks_defer(term_raises: None) -> None:
    with signals_held():
        with signals_held(deliver=True):
            os.kill(os.getpid(), signal.SIGTERM)
            os.kill(os.getpid(), signal.SIGINT)
        inner_done = True
    assert inner_done


def test_a_store_write_finishes_before_the_interruption(term_raises: None, tmp_path: Path) -> None:
    from sqlalchemy import text

    from shipmate.store.db import Database

    db = Database(tmp_path / "state.db", readonly=False)
    try:
        with db.write() as conn:
            conn.execute(text("CREATE TABLE rows (row TEXT)"))
        with pytest.raises(KeyboardInterrupt), db.write() as conn:
            os.kill(os.getpid(), signal.SIGTERM)
            conn.execute(text("INSERT INTO rows VALUES ('intent')"))  # the signal must not land before this
        with db.read() as conn:
            rows = [r[0] for r in conn.execute(text("SELECT row FROM rows"))]
        assert rows == ["intent"]
        with db.write() as conn:  # and the write lock was not left behind
            conn.execute(text("INSERT INTO rows VALUES ('next')"))
    finally:
        db.close()
