"""Use cases of the chapter's public visitor page: what the page shows, and a visitor registering themself.

Nobody is signed in: the caller is a principal of the chapter with no member id (`visitor_principal`), so the
unit of work finds this chapter alone and no other. The name, business and address are sealed under the
visitor's own data key (erasable, like a member's invitation), and the name and address once more for the
notifications service (`shared.visitor_contact`), which confirms and reminds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from services.members.domain import visitor_registration as rules
from services.members.service_layer.unit_of_work import UnitOfWork
from shared.auth import Principal
from shared.visitor_contact import seal_contact


class RegisterVisit(BaseModel):
    """What the page sends. `website` is a honeypot: hidden from people, filled in by form-filling robots."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "name": "Sam Lee", "business": "Lee Plumbing", "email": "sam@lee-plumbing.example",
        "meeting_date": "2025-03-12", "invited_by": None, "website": ""}]})
    name: str = Field(min_length=1, max_length=120)
    business: str = Field(default="", max_length=160)
    email: str = Field(min_length=3, max_length=254)
    meeting_date: date
    invited_by: str | None = Field(default=None, max_length=32, description="a member's `handle` from the page's "
                                   "details, or null: nobody invited me")
    website: str = Field(default="", max_length=200, description="leave empty")


def visitor_principal(chapter_id: str) -> Principal:
    return Principal(member_id=None, chapter_id=chapter_id, role="member", token_id="visitor-page")


@dataclass(frozen=True)
class Registered:
    meeting_date: date
    recorded: bool  # False: the same registration was already there (a double submit): nothing new


async def page_details(uow: UnitOfWork, chapter_id: str, secret: str) -> dict[str, Any]:
    """The chapter's name, language, time and next meetings, and its active members by name (with a handle,
    never their id, address or phone) for "who invited you"."""
    chapter = await uow.chapter(chapter_id)
    founded = chapter.founded
    assert founded is not None
    members = sorted((m.name, rules.inviter_handle(secret, chapter_id, member_id))
                     for member_id, m in chapter.members.items() if m.active)
    return {"chapter_name": founded.chapter_name, "language": founded.language, "city": founded.city,
            "meeting_time": founded.meeting_time.strftime("%H:%M"), "timezone": founded.timezone,
            "meetings": [d.isoformat() for d in rules.upcoming_meetings(chapter, uow.clock())],
            "members": [{"name": name, "handle": handle} for name, handle in members]}


async def register(cmd: RegisterVisit, uow: UnitOfWork, *, chapter_id: str, secret: str,
                   contact_keys: Sequence[str]) -> Registered:
    chapter = await uow.chapter(chapter_id)
    name = rules.check_text("name", cmd.name)
    business = rules.check_text("business", cmd.business, required=False)
    email = rules.check_email(cmd.email)
    rules.check_meeting(chapter, cmd.meeting_date, uow.clock())
    invited_by = rules.inviter(chapter, secret, cmd.invited_by)
    visitor = await uow.visitors.get(rules.registration_id(secret, chapter_id, email, cmd.meeting_date))
    if visitor.exists:  # submitted before: the first registration stands, nothing is recorded again
        await uow.visitors.unchanged(visitor)
        return Registered(cmd.meeting_date, recorded=False)
    sealed = await uow.visitor_keys.seal(visitor.visitor_id, {"name": name, "business": business or None,
                                                              "email": email})
    event = rules.register(chapter, visitor.visitor_id, invited_by=invited_by, visitor=sealed,
                           contact=seal_contact(contact_keys, name, email), meeting_date=cmd.meeting_date,
                           today=uow.today(chapter))
    await uow.visitors.add(visitor, [event])
    return Registered(cmd.meeting_date, recorded=True)
