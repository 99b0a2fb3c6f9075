"""Time as every service reads it: an injectable clock (tests move it), and the chapters' six-month window."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]

SIX_MONTHS = timedelta(days=182)
"""'The last six months' of the chapters' rules (absences, traffic lights, one-sided pairs): 26 weeks."""


def utc_now() -> datetime:
    return datetime.now(UTC)
