"""What to do when an instance of a current release dies: pure, so every case is a table test.

The restart behaviour users know from systemd (Restart=, RestartSec) and Docker (restart policies):
the first restart at once, then a backoff doubling from 1 s up to ``backoff_max``, started over once an
instance ran ``healthy_reset`` without dying. On top, the crash-loop rule no anchor has: a release that
became current less than ``rollback_within`` ago and dies ``crash_deaths`` times within ``crash_within``
is rolled back to the last verified release; an older one is restarted with backoff and reported degraded.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


@dataclass(frozen=True)
class PolicySettings:
    interval_s: float = 10.0
    failure_threshold: int = 3
    crash_deaths: int = 3
    crash_within_s: float = 300.0
    rollback_within_s: float = 3600.0
    backoff_max_s: float = 30.0
    healthy_reset_s: float = 60.0

    @classmethod
    def from_spec(cls, spec: Any) -> PolicySettings:
        """From a validated SuperviseSpec (duck-typed, so this module imports nothing of spec/)."""
        return cls(interval_s=float(spec.interval), failure_threshold=int(spec.failure_threshold),
                   crash_deaths=int(spec.crash_loop.deaths), crash_within_s=float(spec.crash_loop.within),
                   rollback_within_s=float(spec.rollback_within), backoff_max_s=float(spec.backoff_max),
                   healthy_reset_s=float(spec.healthy_reset))


class Action(StrEnum):
    RESTART = "restart"          # the release is fine otherwise: restart after the backoff
    DEGRADED = "degraded"        # it crash-loops, but it is not new: restart with backoff, report degraded
    ROLLBACK = "rollback"        # it is new and crash-loops: put the last verified release back


@dataclass(frozen=True)
class Decision:
    action: Action
    delay_s: float               # wait this long before the restart (0 for a rollback)
    streak: int                  # quick deaths in a row in this slot, this one included
    recent_deaths: int           # deaths of the release inside the crash-loop window
    reason: str


def backoff_s(streak: int, backoff_max_s: float) -> float:
    """0 for the first death of a streak, then 1, 2, 4 ... seconds, capped."""
    if streak <= 1:
        return 0.0
    return float(min(2.0 ** (streak - 2), backoff_max_s))


def next_streak(previous_streak: int, ran_s: float, settings: PolicySettings) -> int:
    """The slot's streak after a death: an instance that ran ``healthy_reset`` starts it over."""
    return 1 if ran_s >= settings.healthy_reset_s else previous_streak + 1


def recent(deaths: tuple[float, ...], now: float, within_s: float) -> tuple[float, ...]:
    return tuple(t for t in deaths if now - t <= within_s)


def decide(*, now: float, release_deaths: tuple[float, ...], current_since: float, streak: int,
           settings: PolicySettings, can_roll_back: bool) -> Decision:
    """``release_deaths``: when the release's instances died, this death included; ``current_since``: when the
    release became current; ``can_roll_back``: a verified release to go back to exists."""
    inside = recent(release_deaths, now, settings.crash_within_s)
    delay = backoff_s(streak, settings.backoff_max_s)
    if len(inside) < settings.crash_deaths:
        return Decision(Action.RESTART, delay, streak, len(inside),
                        f"death {len(inside)} of {settings.crash_deaths} within {settings.crash_within_s:g}s")
    loop = f"{len(inside)} deaths within {settings.crash_within_s:g}s (crash loop at {settings.crash_deaths})"
    young = now - current_since < settings.rollback_within_s
    if young and can_roll_back:
        return Decision(Action.ROLLBACK, 0.0, streak, len(inside),
                        f"{loop}; current for {now - current_since:.0f}s, under "
                        f"supervise.rollback_within ({settings.rollback_within_s:g}s)")
    why = "no verified release to go back to" if young else \
        f"current for over supervise.rollback_within ({settings.rollback_within_s:g}s)"
    return Decision(Action.DEGRADED, delay, streak, len(inside), f"{loop}; {why}: restarting with backoff")


@dataclass(frozen=True)
class Liveness:
    """Consecutive failed liveness rounds of one instance and what follows from them."""

    failures: int = 0

    def after(self, passed: bool) -> Liveness:
        return Liveness(0 if passed else self.failures + 1)

    def in_rotation(self) -> bool:
        return self.failures == 0

    def must_restart(self, settings: PolicySettings) -> bool:
        return self.failures >= settings.failure_threshold
