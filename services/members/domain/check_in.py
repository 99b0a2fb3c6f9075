"""QR check-in at the weekly meeting: the leader's screen shows a code that changes every 30 seconds; a member
who scans it (signed in as themself) is marked present at today's meeting.

The code is an HMAC, under the services' token secret, of the chapter, the meeting's date and the 30-second
slot: nothing is stored, a code of another chapter or another meeting never matches, and a photo of the screen
is worth at most one slot more (the current and the previous slot are accepted, so a member who scans at the
end of a slot is not refused). Codes exist only inside the meeting window: from `before` the meeting's start
to `after` it, in the chapter's time zone.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from services.members.domain.chapter import Chapter
from services.members.domain.errors import Conflict, Forbidden, InvalidField

SLOT_SECONDS = 30
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class CheckInWindow:
    """When codes are issued and accepted around a meeting's start."""

    before: timedelta = timedelta(minutes=30)
    after: timedelta = timedelta(hours=2)


@dataclass(frozen=True)
class CheckInCode:
    code: str
    meeting_date: date
    expires_at: datetime
    """When this code stops being the current one (it is still accepted for one more slot)."""


def open_meeting(chapter: Chapter, now: datetime, window: CheckInWindow) -> date | None:
    """The date of the chapter's meeting whose window holds `now`, or None (no meeting is on)."""
    founded = chapter.founded
    assert founded is not None
    zone = ZoneInfo(founded.timezone)
    local = now.astimezone(zone)
    weekday = WEEKDAYS.index(founded.meeting_weekday)
    for offset in (-1, 0, 1):  # a window may cross midnight either way
        day = local.date() + timedelta(days=offset)
        if day.weekday() != weekday:
            continue
        start = datetime.combine(day, founded.meeting_time, zone)
        if start - window.before <= now <= start + window.after:
            return day
    return None


def slot_of(now: datetime) -> int:
    return int(now.timestamp()) // SLOT_SECONDS


def code_for(secret: str, chapter_id: str, meeting_date: date, slot: int) -> str:
    mac = hmac.new(secret.encode(), f"refnet-check-in|{chapter_id}|{meeting_date.isoformat()}|{slot}".encode(),
                   hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:15]).decode()  # 120 bits, 20 characters, nothing to escape in a URL


def issue(chapter: Chapter, now: datetime, secret: str, window: CheckInWindow) -> CheckInCode:
    """The code to show now; 409 outside the meeting window."""
    meeting = open_meeting(chapter, now, window)
    if meeting is None:
        raise Conflict("no meeting is on: check-in codes exist from "
                       f"{_minutes(window.before)} minutes before the meeting to {_minutes(window.after)} after it")
    slot = slot_of(now)
    expires = datetime.fromtimestamp((slot + 1) * SLOT_SECONDS, now.tzinfo)
    return CheckInCode(code_for(secret, chapter.chapter_id, meeting, slot), meeting, expires)


def check_in(chapter: Chapter, member_id: str | None, code: str, now: datetime, secret: str,
             window: CheckInWindow) -> date:
    """The meeting a member scanning `code` now is present at. Refused (nothing recorded): someone who is
    not an active member of the chapter (403), no meeting on (409), a code that is not this chapter's
    current or previous one (422 naming `code`)."""
    member = chapter.members.get(member_id or "")
    if member is None or not member.active:
        raise Forbidden("only the chapter's members check in, as themselves")
    meeting = open_meeting(chapter, now, window)
    if meeting is None:
        raise Conflict("no meeting is on now: check in during the meeting")
    slot = slot_of(now)
    given = code.encode()
    if not any(hmac.compare_digest(given, code_for(secret, chapter.chapter_id, meeting, s).encode())
               for s in (slot, slot - 1)):
        raise InvalidField("code", "this check-in code is not the one on the leader's screen now (codes change "
                                   "every 30 seconds): scan it again")
    return meeting


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)
