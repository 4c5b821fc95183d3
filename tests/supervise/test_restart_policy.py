"""The restart policy and the crash-loop rule, case by case (pure: no process, no clock)."""

from __future__ import annotations

import pytest

from shipmate.supervise.restart_policy import Action, Liveness, PolicySettings, backoff_s, decide, next_streak

DEFAULTS = PolicySettings()
NOW = 10_000.0


@pytest.mark.parametrize(("streak", "delay"), [(1, 0.0), (2, 1.0), (3, 2.0), (4, 4.0), (6, 16.0), (7, 30.0),
                                               (40, 30.0)])
def test_first_restart_is_at_once_then_the_backoff_doubles_up_to_30s(streak: int, delay: float) -> None:
    assert backoff_s(streak, DEFAULTS.backoff_max_s) == delay


def test_an_instance_that_ran_healthy_for_a_minute_starts_the_backoff_over() -> None:
    assert next_streak(5, 59.0, DEFAULTS) == 6
    assert next_streak(5, 60.0, DEFAULTS) == 1


def test_deaths_below_the_crash_loop_count_are_restarted() -> None:
    got = decide(now=NOW, release_deaths=(NOW - 10, NOW), current_since=NOW - 100, streak=2, settings=DEFAULTS,
                 can_roll_back=True)
    assert (got.action, got.delay_s, got.recent_deaths) == (Action.RESTART, 1.0, 2)


def test_a_young_release_that_crash_loops_is_rolled_back() -> None:
    got = decide(now=NOW, release_deaths=(NOW - 200, NOW - 100, NOW), current_since=NOW - 600, streak=3,
                 settings=DEFAULTS, can_roll_back=True)
    assert got.action is Action.ROLLBACK and got.delay_s == 0.0
    assert "3 deaths within 300s" in got.reason and "rollback_within" in got.reason


def test_deaths_outside_the_window_do_not_make_a_crash_loop() -> None:
    got = decide(now=NOW, release_deaths=(NOW - 900, NOW - 200, NOW), current_since=NOW - 600, streak=3,
                 settings=DEFAULTS, can_roll_back=True)
    assert got.action is Action.RESTART and got.recent_deaths == 2


def test_an_old_release_that_crash_loops_is_restarted_with_backoff_and_degraded() -> None:
    got = decide(now=NOW, release_deaths=(NOW - 20, NOW - 10, NOW), current_since=NOW - 7200, streak=3,
                 settings=DEFAULTS, can_roll_back=True)
    assert (got.action, got.delay_s) == (Action.DEGRADED, 2.0)
    assert "rollback_within" in got.reason


def test_a_young_release_with_nothing_verified_to_go_back_to_is_degraded() -> None:
    got = decide(now=NOW, release_deaths=(NOW - 20, NOW - 10, NOW), current_since=NOW - 60, streak=3,
                 settings=DEFAULTS, can_roll_back=False)
    assert got.action is Action.DEGRADED and "no verified release" in got.reason


def test_liveness_takes_out_of_rotation_at_the_first_failure_and_restarts_at_the_threshold() -> None:
    live = Liveness()
    assert live.in_rotation()
    live = live.after(False)
    assert not live.in_rotation() and not live.must_restart(DEFAULTS)
    live = live.after(False).after(False)
    assert live.must_restart(DEFAULTS)
    assert live.after(True) == Liveness() and live.after(True).in_rotation()
