"""When a scheduled report is due (pure): `daily: "08:00"`, `weekly: "Mon 08:00"` in a timezone.

A daily report covers the 24 hours before its time, a weekly one the 7 days before. Only the latest occurrence
at or before now is due: a `serve` that was down for three days sends the newest daily report, not three.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from shipmate.analysis.report_facts import Period

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class Due:
    schedule: str          # daily | weekly
    at: float              # the occurrence (unix seconds)
    period: Period


def parse_time(text: str) -> tuple[int, int]:
    """"08:00" -> (8, 0); ValueError with what is wrong."""
    m = _TIME.match(text.strip())
    if m is None:
        raise ValueError("a time is HH:MM (24 h), e.g. 08:00")
    return int(m.group(1)), int(m.group(2))


def parse_weekly(text: str) -> tuple[int, int, int]:
    """"Mon 08:00" -> (0, 8, 0) (weekday 0 = Monday)."""
    parts = text.split()
    if len(parts) != 2 or parts[0][:3].lower() not in DAYS or len(parts[0]) < 3:
        raise ValueError("a weekly time is DAY HH:MM, e.g. Mon 08:00")
    return (DAYS.index(parts[0][:3].lower()), *parse_time(parts[1]))


def latest_due(schedule: str, when: str, tz_name: str, now: float) -> Due:
    """The newest occurrence of ``schedule`` at or before ``now`` and the period it reports on."""
    tz = ZoneInfo(tz_name)
    local = datetime.fromtimestamp(now, tz)
    if schedule == "daily":
        hour, minute = parse_time(when)
        at = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
        if at > local:
            at -= timedelta(days=1)
        start = at - timedelta(days=1)
    elif schedule == "weekly":
        weekday, hour, minute = parse_weekly(when)
        at = local.replace(hour=hour, minute=minute, second=0, microsecond=0) - timedelta(
            days=(local.weekday() - weekday) % 7)
        if at > local:
            at -= timedelta(days=7)
        start = at - timedelta(days=7)
    else:
        raise ValueError(f"unknown schedule {schedule!r}")
    # Wall-clock arithmetic above keeps 08:00 at 08:00 across a DST change; .timestamp() resolves the offset.
    kind = "day" if schedule == "daily" else "week"
    return Due(schedule, at.timestamp(), Period(kind, start.timestamp(), at.timestamp(), tz_name))
