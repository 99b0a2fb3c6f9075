"""The members service's slip events: the meeting (attendance, visitors, one-to-ones, CEUs), referrals and
closed business. Re-exported by `shared.contracts.members`, whose registry includes `slip_events`.

Every slip carries `occurred_on` (the day it happened, in the chapter's time zone) beside the time it
was recorded (the envelope's `time`), so reports count a slip in the week it happened. A slip a leader keyed
in for a member (paper slips at the meeting) names the member as its author (`giver_id`, `reported_by`,
`member_id`, `invited_by`) and the leader in `recorded_by`; `recorded_by` is absent (null) when the member
recorded it themself. Amounts are decimals serialised as strings, never floats. Prospects' and visitors'
personal data never travel in clear: `prospect` and `visitor` are sealed, each under a data key of its own.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import Field

from shared.contracts.sealed import SealedData, visitor_invited_v1_sealed
from shared.events import DomainEvent, EventRegistry

slip_events = EventRegistry()
slip_events.upcaster("org.refnet.members.visitor-invited", from_version=1)(visitor_invited_v1_sealed)

ReferralType = Literal["inside", "outside", "tier-3"]
ReferralStatus = Literal["given", "accepted", "contacted", "won", "lost", "declined"]
AttendanceMark = Literal["P", "A", "L", "M", "S"]
BusinessKind = Literal["new", "repeat"]
MeetingMode = Literal["in-person", "video", "phone"]

REFERRAL_STEPS: dict[str, frozenset[str]] = {
    "given": frozenset({"accepted", "declined"}),
    "accepted": frozenset({"contacted", "declined"}),
    "contacted": frozenset({"won", "lost"}),
    "won": frozenset(),
    "lost": frozenset(),
    "declined": frozenset(),
}
PIPELINE: tuple[ReferralStatus, ...] = ("given", "accepted", "contacted", "won")
"""The milestones in the order a referral reaches them (a conversion funnel's stages)."""
OPEN_STATUSES: frozenset[str] = frozenset(s for s, steps in REFERRAL_STEPS.items() if steps)
"""Statuses a referral can still move on from: someone still owes the prospect something."""

NO_INVITER = "no-inviter"
"""`invited_by` of a visitor who registered themself naming nobody: a marker, never a member id, so every reader
of `invited_by: str` keeps working; per-inviter figures list it as its own row."""

MEETINGS = "members.meetings"
REFERRALS = "members.referrals"
CLOSED_BUSINESS = "members.closed-business"
RecordedBy = Field(default=None, description="the leader (member id) who keyed the slip in for the member; "
                                          "absent (null) when the member recorded it themself")


# --- meetings: attendance, visitors, one-to-ones, CEUs --------------------------------------------

@slip_events.register
class AttendanceRecorded(DomainEvent):
    name = "org.refnet.members.attendance-recorded"
    topic = MEETINGS
    chapter_id: str
    member_id: str
    meeting_date: date
    mark: AttendanceMark
    substitute_name: str | None = None


@slip_events.register
class VisitorInvited(DomainEvent):
    """A member invited a visitor, or they registered themself (`self_registered`); their data travels sealed.

    The name and business (and e-mail) are sealed under the visitor's own key (v1 had them in clear)."""

    name = "org.refnet.members.visitor-invited"
    version = 2
    topic = MEETINGS
    chapter_id: str
    visitor_id: str
    invited_by: str
    visitor: SealedData = Field(description="name, business (and e-mail, when the visitor gave one); sealed")
    occurred_on: date
    recorded_by: str | None = RecordedBy
    # self-registration (the chapter's public page): added with defaults, so v2 readers and writers still agree
    self_registered: bool = Field(default=False, description="the visitor registered themself on the chapter's "
                                  "public page; `invited_by` is then the member they named, or `no-inviter`")
    meeting_date: date | None = Field(default=None, description="the meeting the visitor will attend (given when "
                                      "they registered themself)")
    contact: SealedData | None = Field(default=None, description="name and e-mail sealed for the notifications "
                                       "service alone (shared.visitor_contact), to confirm and remind")


@slip_events.register
class VisitorAttended(DomainEvent):
    name = "org.refnet.members.visitor-attended"
    topic = MEETINGS
    chapter_id: str
    visitor_id: str
    invited_by: str
    occurred_on: date


@slip_events.register
class VisitorApplied(DomainEvent):
    name = "org.refnet.members.visitor-applied"
    topic = MEETINGS
    chapter_id: str
    visitor_id: str
    invited_by: str
    occurred_on: date


@slip_events.register
class VisitorBecameMember(DomainEvent):
    name = "org.refnet.members.visitor-became-member"
    topic = MEETINGS
    chapter_id: str
    visitor_id: str
    invited_by: str
    member_id: str
    occurred_on: date


@slip_events.register
class VisitorDataErased(DomainEvent):
    """The visitor's data key was deleted: their name and business are unreadable; copies are dropped."""

    name = "org.refnet.members.visitor-data-erased"
    topic = MEETINGS
    chapter_id: str
    visitor_id: str
    key_id: str


@slip_events.register
class OneToOneRecorded(DomainEvent):
    """One meeting between two members; reported by either, recorded once."""

    name = "org.refnet.members.one-to-one-recorded"
    topic = MEETINGS
    chapter_id: str
    one_to_one_id: str
    member_ids: tuple[str, str]
    reported_by: str
    mode: MeetingMode
    occurred_on: date
    recorded_by: str | None = RecordedBy


@slip_events.register
class CeuRecorded(DomainEvent):
    name = "org.refnet.members.ceu-recorded"
    topic = MEETINGS
    chapter_id: str
    ceu_id: str
    member_id: str
    description: str
    credits: int = Field(default=1, ge=1)
    occurred_on: date
    recorded_by: str | None = RecordedBy


# --- referrals ------------------------------------------------------------------------------------

@slip_events.register
class ReferralGiven(DomainEvent):
    name = "org.refnet.members.referral-given"
    topic = REFERRALS
    chapter_id: str
    referral_id: str
    giver_id: str
    receiver_id: str
    referral_type: ReferralType
    temperature: int = Field(ge=1, le=5)
    prospect: SealedData = Field(description="name, phone, email, company, notes; sealed")
    occurred_on: date
    recorded_by: str | None = RecordedBy


@slip_events.register
class ReferralStatusChanged(DomainEvent):
    name = "org.refnet.members.referral-status-changed"
    topic = REFERRALS
    chapter_id: str
    referral_id: str
    giver_id: str
    receiver_id: str
    from_status: ReferralStatus
    to_status: ReferralStatus
    reason: str | None = None
    occurred_on: date


@slip_events.register
class ProspectDataErased(DomainEvent):
    """The prospect's data key was deleted: every copy of the sealed data is now unreadable."""

    name = "org.refnet.members.prospect-data-erased"
    topic = REFERRALS
    chapter_id: str
    referral_id: str
    key_id: str


# --- closed business (TYFCB) ----------------------------------------------------------------------

@slip_events.register
class ClosedBusinessReported(DomainEvent):
    """Reported by the member who got the business, thanking (crediting) the member who referred it."""

    name = "org.refnet.members.closed-business-reported"
    topic = CLOSED_BUSINESS
    chapter_id: str
    closed_business_id: str
    reported_by: str
    thanked_member_id: str
    amount: Decimal = Field(gt=0, decimal_places=2)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    business_kind: BusinessKind
    referral_type: ReferralType
    referral_id: str | None = None
    occurred_on: date
    recorded_by: str | None = RecordedBy


@slip_events.register
class ClosedBusinessConfirmed(DomainEvent):
    name = "org.refnet.members.closed-business-confirmed"
    topic = CLOSED_BUSINESS
    chapter_id: str
    closed_business_id: str
    thanked_member_id: str
    occurred_on: date


@slip_events.register
class ClosedBusinessDisputed(DomainEvent):
    name = "org.refnet.members.closed-business-disputed"
    topic = CLOSED_BUSINESS
    chapter_id: str
    closed_business_id: str
    thanked_member_id: str
    reason: str
    occurred_on: date
