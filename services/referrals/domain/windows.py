"""The windows reports and rules look at: the last six months (or any length), the Monday-to-Sunday week."""

from __future__ import annotations

from datetime import date, timedelta


def default_window(today: date, length: timedelta) -> tuple[date, date]:
    """The `length` days ending today, both ends included (the rules' six months: `config.WINDOW`)."""
    return today - (length - timedelta(days=1)), today


def week_of(day: date) -> tuple[date, date]:
    """The Monday-to-Sunday week holding `day` (inclusive both ends)."""
    start = day - timedelta(days=day.weekday())  # date.min is a Monday: never below it
    return start, min(start, date.max - timedelta(days=6)) + timedelta(days=6)


def iso_week(day: date) -> str:
    """`2024-W10`: the ISO week a day falls in."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"
