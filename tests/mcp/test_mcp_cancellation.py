"""The cancellation checkpoint (pure): it interrupts the engine once, and never while it rolls back."""

from __future__ import annotations

import pytest

from shipmate.mcp.running import Cancellation


def test_a_requested_cancellation_interrupts_at_the_next_step_once() -> None:
    cancellation = Cancellation()
    cancellation.checkpoint("start_new")
    cancellation.requested.set()
    with pytest.raises(KeyboardInterrupt, match="MCP cancellation"):
        cancellation.checkpoint("monitoring")
    cancellation.checkpoint("stop_old")   # the engine's own cleanup after the interruption runs on


def test_a_cancellation_never_interrupts_a_rollback_or_a_recovery() -> None:
    cancellation = Cancellation()
    cancellation.requested.set()
    cancellation.checkpoint("recovered")
    cancellation.checkpoint("rolling back")
    cancellation.checkpoint("waiting for health")   # restoring the previous release: left alone
    assert not cancellation.delivered
