"""Rules every dated slip follows: it happened on a real day, not in the future, not before the
chapter was founded and not before the members it involves joined."""

from __future__ import annotations

from datetime import date

from services.members.domain.errors import InvalidField


def check_slip_date(occurred_on: date, *, today: date, founded_on: date,
                    joined: dict[str, date] | None = None, field: str = "occurred_on") -> None:
    """Refuse `occurred_on` (named `field`) if it lies in the future or before the chapter or a member."""
    if occurred_on > today:
        raise InvalidField(field, f"{occurred_on} is in the future (today is {today} in the chapter's time zone)")
    if occurred_on < founded_on:
        raise InvalidField(field, f"{occurred_on} is before the chapter was founded ({founded_on})")
    for member_id, joined_on in (joined or {}).items():
        if occurred_on < joined_on:
            raise InvalidField(field, f"{occurred_on} is before member {member_id} joined ({joined_on})")
