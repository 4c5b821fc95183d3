"""Retention as a pure decision: newest `keep`, none older than `max_age`, the newest always kept."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from shipmate.backups.retention import Dated, decide

DAY = 86400.0


def _backups(ages_days: list[float], now: float) -> list[Dated]:
    return [Dated(f"b{i}", now - age * DAY) for i, age in enumerate(ages_days)]


def test_keeps_the_newest_n() -> None:
    now = 100 * DAY
    decision = decide(_backups([0, 1, 2, 3, 4], now), keep=3, max_age_s=30 * DAY, now=now)
    assert decision.keep == ("b0", "b1", "b2") and decision.remove == ("b3", "b4")


def test_removes_those_older_than_max_age() -> None:
    now = 100 * DAY
    decision = decide(_backups([0, 5, 8, 9], now), keep=10, max_age_s=7 * DAY, now=now)
    assert decision.keep == ("b0", "b1") and set(decision.remove) == {"b2", "b3"}


def test_the_newest_backup_survives_even_when_old() -> None:
    now = 100 * DAY
    decision = decide(_backups([30, 40], now), keep=5, max_age_s=7 * DAY, now=now)
    assert decision.keep == ("b0",) and decision.remove == ("b1",)


@given(st.lists(st.floats(0, 60), max_size=40), st.integers(1, 20), st.floats(0.01, 60))
def test_every_backup_is_kept_or_removed_and_the_rules_hold(ages: list[float], keep: int, max_age: float) -> None:
    now = 1000 * DAY
    backups = _backups(ages, now)
    decision = decide(backups, keep=keep, max_age_s=max_age * DAY, now=now)
    assert sorted(decision.keep + decision.remove) == sorted(b.backup_id for b in backups)
    assert len(decision.keep) <= max(keep, 1)
    if backups:
        newest = max(backups, key=lambda b: (b.created_at, b.backup_id))
        assert newest.backup_id in decision.keep
    by_id = {b.backup_id: b for b in backups}
    assert all(now - by_id[i].created_at <= max_age * DAY for i in decision.keep[1:])
