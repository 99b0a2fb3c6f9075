"""The members service's events: the public contract other services and systems subscribe to.

Chapters and memberships are defined here; the slips (meetings, referrals, closed business) in
`shared.contracts.members_slips`, re-exported here so `from shared.contracts.members import ReferralGiven`
keeps working. `members_events` holds them all, and the access events.
"""

from __future__ import annotations

from datetime import date, time
from typing import Literal

from pydantic import Field

from shared.contracts.access import AccessRevoked, access_events
from shared.contracts.asks import AskUpdated, ask_events
from shared.contracts.members_slips import (
    CLOSED_BUSINESS,
    MEETINGS,
    NO_INVITER,
    OPEN_STATUSES,
    PIPELINE,
    REFERRAL_STEPS,
    REFERRALS,
    AttendanceMark,
    AttendanceRecorded,
    BusinessKind,
    CeuRecorded,
    ClosedBusinessConfirmed,
    ClosedBusinessDisputed,
    ClosedBusinessReported,
    MeetingMode,
    OneToOneRecorded,
    ProspectDataErased,
    ReferralGiven,
    ReferralStatus,
    ReferralStatusChanged,
    ReferralType,
    VisitorApplied,
    VisitorAttended,
    VisitorBecameMember,
    VisitorDataErased,
    VisitorInvited,
    slip_events,
)
from shared.contracts.sealed import RECORDED_BEFORE_SEALING, SealedData
from shared.events import DomainEvent, EventRegistry

members_events = EventRegistry()
members_events.include(access_events)

Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
MemberRole = Literal["member", "president", "vice-president", "secretary"]
Language = Literal["en", "de", "fr", "nl", "es", "pl"]

CHAPTERS = "members.chapters"
MEMBERSHIPS = "members.memberships"


# --- chapters -------------------------------------------------------------------------------------

@members_events.register
class ChapterFounded(DomainEvent):
    name = "org.refnet.members.chapter-founded"
    topic = CHAPTERS
    chapter_id: str
    chapter_name: str
    city: str
    region: str
    meeting_weekday: Weekday
    meeting_time: time
    timezone: str
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    founded_on: date
    language: Language = Field(default="en", description="the language the chapter's e-mails are written in")


# --- memberships ----------------------------------------------------------------------------------

@members_events.register
class MemberJoined(DomainEvent):
    name = "org.refnet.members.member-joined"
    topic = MEMBERSHIPS
    chapter_id: str
    member_id: str
    member_name: str
    business: str
    category: str
    email: str
    phone: str | None = None
    role: MemberRole = "member"
    joined_on: date


@members_events.register
class MembershipRenewed(DomainEvent):
    name = "org.refnet.members.membership-renewed"
    topic = MEMBERSHIPS
    chapter_id: str
    member_id: str
    renewed_on: date
    renewed_until: date


@members_events.register
class MemberLeft(DomainEvent):
    """The member left (`dropped` = the leadership removed them)."""

    name = "org.refnet.members.member-left"
    topic = MEMBERSHIPS
    chapter_id: str
    member_id: str
    left_on: date
    dropped: bool = False
    reason: str | None = None


@members_events.register
class RoleAssigned(DomainEvent):
    name = "org.refnet.members.role-assigned"
    topic = MEMBERSHIPS
    chapter_id: str
    member_id: str
    role: MemberRole


@members_events.register
class HistoryImported(DomainEvent):
    """A leader imported the chapter's history (one import job) and it recorded slips. The slips travel on
    their own topics marked `imported` (history, not news); this is the one piece of news about them."""

    name = "org.refnet.members.history-imported"
    topic = CHAPTERS
    chapter_id: str
    job_id: str
    slips: dict[str, int] = Field(description="slips recorded by kind: referral, closed-business, one-to-one, "
                                              "ceu, visitor")
    first_on: date = Field(description="the day the earliest slip recorded happened")
    last_on: date = Field(description="the day the latest one happened")
    imported_on: date


members_events.include(slip_events)  # after the chapter and membership events: the documents' order
members_events.include(ask_events)  # members' asks (shared.contracts.asks), on their own topic

__all__ = [
    "CLOSED_BUSINESS",
    "MEETINGS",
    "NO_INVITER",
    "OPEN_STATUSES",
    "PIPELINE",
    "RECORDED_BEFORE_SEALING",
    "REFERRALS",
    "REFERRAL_STEPS",
    "AccessRevoked",
    "AskUpdated",
    "AttendanceMark",
    "AttendanceRecorded",
    "BusinessKind",
    "CeuRecorded",
    "ClosedBusinessConfirmed",
    "ClosedBusinessDisputed",
    "ClosedBusinessReported",
    "HistoryImported",
    "MeetingMode",
    "OneToOneRecorded",
    "ProspectDataErased",
    "ReferralGiven",
    "ReferralStatus",
    "ReferralStatusChanged",
    "ReferralType",
    "SealedData",
    "VisitorApplied",
    "VisitorAttended",
    "VisitorBecameMember",
    "VisitorDataErased",
    "VisitorInvited",
    "members_events",
    "slip_events",
]
