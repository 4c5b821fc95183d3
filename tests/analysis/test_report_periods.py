"""Report periods and schedules as tables: which period a report covers, when a scheduled one is due (DST too)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from shipmate.analysis.report_facts import period_ending, period_from
from shipmate.analysis.report_schedule import latest_due, parse_time, parse_weekly

BERLIN = ZoneInfo("Europe/Berlin")
UTC = ZoneInfo("UTC")


def _t(text: str, tz: ZoneInfo = BERLIN) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=tz).timestamp()


@pytest.mark.parametrize(("kind", "end", "start"), [
    ("day", "2026-11-10T08:00", "2026-11-09T08:00"),
    ("week", "2026-11-10T08:00", "2026-11-03T08:00"),
    ("month", "2026-03-31T12:00", "2026-02-28T12:00"),     # no 31 February: the month's last day
    ("month", "2026-01-15T00:00", "2025-12-15T00:00"),
])
def test_a_period_ending_now_reaches_back_one_day_week_or_calendar_month(kind: str, end: str, start: str) -> None:
    p = period_ending(kind, datetime.fromisoformat(end).replace(tzinfo=UTC))
    assert (p.start, p.end) == (_t(start, UTC), _t(end, UTC))


@pytest.mark.parametrize(("kind", "start", "end"), [
    ("day", "2026-11-02T00:00", "2026-11-03T00:00"),
    ("month", "2026-01-31T00:00", "2026-02-28T00:00"),
    ("month", "2026-12-01T00:00", "2027-01-01T00:00"),
])
def test_since_starts_the_period(kind: str, start: str, end: str) -> None:
    p = period_from(kind, datetime.fromisoformat(start).replace(tzinfo=UTC))
    assert (p.start, p.end) == (_t(start, UTC), _t(end, UTC))


@pytest.mark.parametrize(("schedule", "when", "now", "due_at", "from_"), [
    ("daily", "08:00", "2026-11-10T09:00", "2026-11-10T08:00", "2026-11-09T08:00"),
    ("daily", "08:00", "2026-11-10T07:59", "2026-11-09T08:00", "2026-11-08T08:00"),   # not yet today
    ("daily", "08:00", "2026-11-10T08:00", "2026-11-10T08:00", "2026-11-09T08:00"),   # exactly on time
    ("weekly", "Mon 08:00", "2026-11-10T09:00", "2026-11-09T08:00", "2026-11-02T08:00"),
    ("weekly", "Mon 08:00", "2026-11-09T07:00", "2026-11-02T08:00", "2026-10-26T08:00"),
    ("weekly", "sunday 23:30", "2026-11-10T09:00", "2026-11-08T23:30", "2026-11-01T23:30"),
    # DST ends on 25 Oct 2026 in Berlin: 08:00 stays 08:00 local, that day's period is 25 hours long.
    ("daily", "08:00", "2026-10-25T09:00", "2026-10-25T08:00", "2026-10-24T08:00"),
])
def test_the_latest_occurrence_is_due_with_the_period_before_it(schedule: str, when: str, now: str, due_at: str,
                                                                from_: str) -> None:
    due = latest_due(schedule, when, "Europe/Berlin", _t(now))
    assert (due.at, due.period.start, due.period.end) == (_t(due_at), _t(from_), _t(due_at))


def test_the_dst_day_is_25_hours_long() -> None:
    due = latest_due("daily", "08:00", "Europe/Berlin", _t("2026-10-25T09:00"))
    assert due.period.end - due.period.start == 25 * 3600


@pytest.mark.parametrize("text", ["8", "24:00", "08:60", "8am", ""])
def test_a_bad_time_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="HH:MM"):
        parse_time(text)


@pytest.mark.parametrize("text", ["08:00", "Mo 08:00", "Monday", "Mon 25:00"])
def test_a_bad_weekly_time_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_weekly(text)
