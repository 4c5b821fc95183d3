"""Down/up transitions with thresholds, as Gatus does: one lost probe is no page.

`failure_threshold` consecutive failures turn a service down, `success_threshold` consecutive successes turn
it up again. Pure: the caller feeds results and keeps (or restores) the state.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

FAILURE_THRESHOLD = 3
SUCCESS_THRESHOLD = 2


@dataclass(frozen=True)
class DownUpState:
    down: bool = False
    failures: int = 0      # consecutive, while up
    successes: int = 0     # consecutive, while down


def step(state: DownUpState, ok: bool, *, failure_threshold: int = FAILURE_THRESHOLD,
         success_threshold: int = SUCCESS_THRESHOLD) -> tuple[DownUpState, str | None]:
    """Feed one result; returns the new state and "down"/"up" when this result changes it."""
    if not state.down:
        if ok:
            return replace(state, failures=0), None
        failures = state.failures + 1
        if failures >= failure_threshold:
            return DownUpState(down=True), "down"
        return replace(state, failures=failures), None
    if not ok:
        return replace(state, successes=0), None
    successes = state.successes + 1
    if successes >= success_threshold:
        return DownUpState(down=False), "up"
    return replace(state, successes=successes), None
