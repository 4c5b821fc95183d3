"""Deploy freeze windows: parse "Fri 16:00-Mon 08:00" or "2026-12-24 00:00-2026-12-27 00:00", ask "frozen now?".

Pure: the caller hands in the instant (an aware datetime) and the timezone; nothing here reads a clock.
A weekly window whose end comes before its start wraps across the week (Fri -> Mon covers the weekend).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, tzinfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_MINUTES_PER_WEEK = 7 * 24 * 60
_WEEKLY = re.compile(r"^\s*(?P<d1>[A-Za-z]{3})[a-z]*\s+(?P<t1>\d{1,2}:\d{2})\s*-\s*"
                     r"(?:(?P<d2>[A-Za-z]{3})[a-z]*\s+)?(?P<t2>\d{1,2}:\d{2})\s*$")
_DATED = re.compile(r"^\s*(?P<a>\d{4}-\d{2}-\d{2}(?:[ T]\d{1,2}:\d{2})?)\s*-\s*"
                    r"(?P<b>\d{4}-\d{2}-\d{2}(?:[ T]\d{1,2}:\d{2})?)\s*$")
FORMAT_HINT = 'e.g. "Fri 16:00-Mon 08:00" (weekly, wraps over the weekend) or "2026-12-24 00:00-2026-12-27 00:00"'


@dataclass(frozen=True)
class FreezeWindow:
    """One window: weekly (minutes into the week, Monday 00:00 = 0) or between two dated local times."""

    text: str
    weekly: tuple[int, int] | None = None
    dated: tuple[datetime, datetime] | None = None   # naive local times, compared in the policy's zone

    def contains(self, now: datetime, zone: tzinfo) -> bool:
        local = now.astimezone(zone)
        if self.weekly is not None:
            start, end = self.weekly
            minute = local.weekday() * 1440 + local.hour * 60 + local.minute
            return start <= minute < end if start < end else minute >= start or minute < end
        assert self.dated is not None
        naive = local.replace(tzinfo=None)
        return self.dated[0] <= naive < self.dated[1]


def parse_window(text: str) -> FreezeWindow:
    """The window ``text`` names; ValueError (one line, no hint) when it is not one."""
    weekly = _WEEKLY.match(text)
    if weekly is not None:
        start = _week_minute(weekly["d1"], weekly["t1"])
        end = _week_minute(weekly["d2"] or weekly["d1"], weekly["t2"])
        if start == end:
            raise ValueError("starts and ends at the same time")
        return FreezeWindow(text, weekly=(start, end))
    dated = _DATED.match(text)
    if dated is not None:
        first, last = _when(dated["a"]), _when(dated["b"])
        if last <= first:
            raise ValueError("ends before it starts")
        return FreezeWindow(text, dated=(first, last))
    raise ValueError("is not a freeze window")


def frozen_by(windows: tuple[FreezeWindow, ...], now: datetime, zone: tzinfo) -> FreezeWindow | None:
    """The first window that covers ``now``, else None."""
    return next((w for w in windows if w.contains(now, zone)), None)


def _week_minute(day: str, hhmm: str) -> int:
    name = day.lower()
    if name not in DAYS:
        raise ValueError(f"unknown day '{day}' (use Mon, Tue, Wed, Thu, Fri, Sat or Sun)")
    hour, minute = (int(part) for part in hhmm.split(":"))
    if hour > 24 or minute > 59 or (hour == 24 and minute):
        raise ValueError(f"no such time {hhmm}")
    return (DAYS.index(name) * 1440 + hour * 60 + minute) % _MINUTES_PER_WEEK


def _when(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text.replace(" ", "T") if " " in text else text)
    except ValueError:
        raise ValueError(f"no such date/time {text}") from None
