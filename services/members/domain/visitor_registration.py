"""A visitor registering themself on the chapter's public page (no account): which meetings they may pick,
what their name, business and address may hold, who they may name as their inviter, and the invitation.

A registration is the same `VisitorInvited` a member's invitation is, with `self_registered`, the meeting the
visitor picked and their contact sealed for the notifications service. Its visitor id derives from the chapter,
the address and the meeting, so a second submit of the same form (a double tap, a retry) finds the visitor
already recorded and changes nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from services.members.domain.chapter import Chapter
from services.members.domain.check_in import WEEKDAYS
from services.members.domain.errors import InvalidField
from shared.contracts.members import NO_INVITER, SealedData, VisitorInvited

MEETINGS_AHEAD = 8
"""How many of the chapter's next meetings a visitor may pick from (two months of weekly meetings)."""
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]")
# one plain address: no display name, no list, no quoting, no comments, nothing a header could split on
_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")


def upcoming_meetings(chapter: Chapter, now: datetime, count: int = MEETINGS_AHEAD) -> list[date]:
    """The chapter's next `count` meeting days whose start (weekday and time, in its time zone) is after `now`."""
    founded = chapter.founded
    assert founded is not None
    zone = ZoneInfo(founded.timezone)
    local = now.astimezone(zone)
    ahead = (WEEKDAYS.index(founded.meeting_weekday) - local.weekday()) % 7
    first = local.date() + timedelta(days=ahead)
    if datetime.combine(first, founded.meeting_time, zone) <= local:  # today's meeting has started
        first += timedelta(days=7)
    return [first + timedelta(weeks=n) for n in range(count)]


def check_meeting(chapter: Chapter, meeting_date: date, now: datetime) -> None:
    upcoming = upcoming_meetings(chapter, now)
    if meeting_date not in upcoming:
        raise InvalidField("meeting_date", f"{meeting_date} is not one of the chapter's next meetings "
                                           f"({upcoming[0]} ... {upcoming[-1]}, every week)")


def check_text(field: str, value: str, *, required: bool = True) -> str:
    """A name or business as the visitor typed it, trimmed; line breaks and other control characters are refused
    (they would forge a header or a log line). Markup is kept as text: every page and e-mail escapes it."""
    value = value.strip()
    if required and not value:
        raise InvalidField(field, "must not be empty")
    if _CONTROL.search(value):
        raise InvalidField(field, "must be one line of text, without control characters")
    return value


def check_email(value: str) -> str:
    value = value.strip()
    if len(value) > 254 or not _ADDRESS.fullmatch(value):
        raise InvalidField("email", "must be one e-mail address, like name@example.org")
    return value


def _digest(secret: str, *parts: str) -> str:
    return hmac.new(secret.encode(), "|".join(parts).encode(), hashlib.sha256).hexdigest()


def registration_id(secret: str, chapter_id: str, email: str, meeting_date: date) -> str:
    """The same address registering for the same meeting of the same chapter: the same visitor. Keyed (HMAC),
    so the id tells nobody the address."""
    return "v-" + _digest(secret, "visitor-registration", chapter_id, email.lower(), meeting_date.isoformat())[:24]


def inviter_handle(secret: str, chapter_id: str, member_id: str) -> str:
    """What the public page knows a member by: not their id (an HMAC of it), so the page hands out names alone."""
    return _digest(secret, "inviter", chapter_id, member_id)[:16]


def inviter(chapter: Chapter, secret: str, handle: str | None) -> str:
    """The active member a handle stands for; NO_INVITER for none; an unknown handle is refused."""
    if not handle:
        return NO_INVITER
    for member_id, member in chapter.members.items():
        if member.active and hmac.compare_digest(inviter_handle(secret, chapter.chapter_id, member_id), handle):
            return member_id
    raise InvalidField("invited_by", "is not one of the chapter's members (pick a name from the list, or nobody)")


def register(chapter: Chapter, visitor_id: str, *, invited_by: str, visitor: SealedData, contact: SealedData,
             meeting_date: date, today: date) -> VisitorInvited:
    return VisitorInvited(chapter_id=chapter.chapter_id, visitor_id=visitor_id, invited_by=invited_by,
                          visitor=visitor, occurred_on=today, self_registered=True, meeting_date=meeting_date,
                          contact=contact)
