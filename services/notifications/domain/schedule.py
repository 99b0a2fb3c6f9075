"""Time arithmetic: when a chapter's weekly digest goes out (its local wall clock, DST included) and how
long a failed delivery waits before the next attempt."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def local_instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The aware instant of wall-clock `at` on `day` in `tz`. In a spring-forward gap the clock's later
    reading is used (02:30 that does not exist → 03:30); in the repeated autumn hour, the first one."""
    naive = datetime.combine(day, at)
    aware = naive.replace(tzinfo=tz, fold=0)
    # round-trip through UTC: a time in the gap comes back shifted forward by the gap
    return aware.astimezone(ZoneInfo("UTC")).astimezone(tz)


def next_digest(after: datetime, weekday: str, meeting_time: time, timezone: str,
                lead_hours: float) -> tuple[date, datetime]:
    """The first digest due strictly after `after`: (meeting date, due instant in UTC).

    The digest goes out `lead_hours` of wall-clock time before the meeting, so a chapter meeting on
    Wednesdays at 07:00 with a 12-hour lead gets it on Tuesday at 19:00 local time all year round."""
    tz = ZoneInfo(timezone)
    local_now = after.astimezone(tz)
    target = WEEKDAYS.index(weekday)
    day = local_now.date() + timedelta(days=(target - local_now.weekday()) % 7)
    for _ in range(3):
        wall = datetime.combine(day, meeting_time) - timedelta(hours=lead_hours)
        due = local_instant(wall.date(), wall.time(), tz).astimezone(ZoneInfo("UTC"))
        if due > after:
            return day, due
        day += timedelta(days=7)
    raise AssertionError("unreachable: a digest is due within three weeks")


def meeting_instant(meeting_date: date, meeting_time: time, timezone: str) -> datetime:
    return local_instant(meeting_date, meeting_time, ZoneInfo(timezone))


def backoff(attempt: int, base_seconds: float, cap_seconds: float,
            rand: Callable[[float, float], float] = random.uniform) -> timedelta:
    """Delay before retry number `attempt` (1 = the first retry): exponential with full jitter on its
    upper half, so a burst of failures does not come back in lock-step."""
    ceiling = min(cap_seconds, base_seconds * 2 ** (attempt - 1))
    return timedelta(seconds=rand(ceiling / 2, ceiling))
