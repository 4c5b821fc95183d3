"""signals_held: a signal inside the block waits for its end (deliver) or is dropped (while restoring)."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from types import FrameType

import pytest

from shipmate.engine.runner import HeldStore, signals_held


@pytest.fixture
def term_raises() -> Iterator[None]:
    def raise_interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)

    before = signal.signal(signal.SIGTERM, raise_interrupt)
    yield
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


def test_held_store_calls_finish_before_the_interruption(term_raises: None) -> None:
    class Writes:
        def __init__(self) -> None:
            self.rows: list[str] = []

        def write(self, row: str) -> str:
            os.kill(os.getpid(), signal.SIGTERM)
            self.rows.append(row)  # the signal must not land between the kill and this line
            return row

    store = Writes()
    held = HeldStore(store)  # type: ignore[arg-type]
    with pytest.raises(KeyboardInterrupt):
        held.write("intent")
    assert store.rows == ["intent"]
