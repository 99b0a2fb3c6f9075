"""Members' asks: what each member is looking for this month (the kind of client or introduction), one at a
time, dated. Published by the members service on `members.asks` (key = chapter id); the referrals service
matches them against the members' businesses for the next best actions, the notifications service puts the
chapter's current asks in the weekly digest."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from shared.events import DomainEvent, EventRegistry

ask_events = EventRegistry()

ASKS = "members.asks"
ASK_MAX_LENGTH = 200
FRESH_DAYS = 45
"""An ask older than this many days (from `asked_on`) is stale: lists and digests leave it out, the next best
actions do not match it. Members renew an ask by saving it again."""


@ask_events.register
class AskUpdated(DomainEvent):
    """The member set their ask (`text`), or cleared it (`text` null). The latest one per member counts."""

    name = "org.refnet.members.ask-updated"
    topic = ASKS
    chapter_id: str
    member_id: str
    text: str | None = Field(default=None, max_length=ASK_MAX_LENGTH,
                             description="what they are looking for; null = no ask any more")
    asked_on: date = Field(description="the day it was set or cleared, in the chapter's time zone")
    updated_by: str | None = Field(default=None, description="a leader who cleared it; absent when the member did")


__all__ = ["ASKS", "ASK_MAX_LENGTH", "FRESH_DAYS", "AskUpdated", "ask_events"]
