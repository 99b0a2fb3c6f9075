"""What callers send: each command refuses fields it does not know (ids, status, chapter, version are
never the caller's to set), so a mistaken or malicious field is a 422 naming it, not silently dropped."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shared.contracts.members import (
    AttendanceMark,
    BusinessKind,
    Language,
    MeetingMode,
    MemberRole,
    ReferralStatus,
    ReferralType,
    Weekday,
)


def _examples(*examples: dict[str, Any]) -> ConfigDict:
    return ConfigDict(extra="forbid", json_schema_extra={"examples": list(examples)})


Email = Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)]
OccurredOn = Field(default=None, description="The day it happened (default: today in the chapter's time zone).")
OnBehalfOf = Field(default=None, description="Leaders keying in a member's paper slip: that member's id. The slip is "
                   "the member's, the event names you in `recorded_by`, and the member is told. Members leave it out.")


class FoundChapter(BaseModel):
    model_config = _examples({"name": "Riverside Connectors", "city": "Leeds", "region": "Yorkshire",
                              "meeting_weekday": "wednesday", "meeting_time": "07:00", "timezone": "Europe/London",
                              "currency": "GBP", "founded_on": "2024-01-10"})
    name: str = Field(min_length=1, max_length=200)
    city: str = Field(min_length=1, max_length=200)
    region: str = Field(min_length=1, max_length=200)
    meeting_weekday: Weekday
    meeting_time: time
    timezone: str = Field(description="IANA time zone, e.g. Europe/London")
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code")
    founded_on: date | None = Field(default=None, description="Default: today in the chapter's time zone.")
    language: Language = Field(default="en", description="Language of the chapter's e-mails and notifications.")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value


class AddMember(BaseModel):
    model_config = _examples({"name": "Priya Shah", "business": "Shah & Co Accountants", "category": "Accountant",
                              "email": "priya@shahco.example", "phone": "+44 113 496 0000",
                              "joined_on": "2024-02-07"})
    name: str = Field(min_length=1, max_length=200)
    business: str = Field(min_length=1, max_length=200)
    category: str = Field(min_length=1, max_length=100)
    email: Email
    phone: str | None = Field(default=None, max_length=50)
    joined_on: date | None = Field(default=None, description="Default: today in the chapter's time zone.")
    visitor_id: str | None = Field(default=None, description="The visitor who became this member, if any.")


class Renew(BaseModel):
    model_config = _examples({"renewed_on": "2025-02-01"})
    renewed_on: date | None = None


class Leave(BaseModel):
    model_config = _examples({"dropped": False, "reason": "moving abroad", "left_on": "2025-06-30"})
    dropped: bool = Field(default=False, description="True when the leadership removes the member.")
    reason: str | None = Field(default=None, max_length=500)
    left_on: date | None = None


class AssignRole(BaseModel):
    model_config = _examples({"role": "vice-president"})
    role: MemberRole


class RevokeToken(BaseModel):
    model_config = _examples({"reason": "phone lost"})
    reason: str = Field(default="revoked", max_length=500)


class Prospect(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    phone: str | None = Field(default=None, max_length=50)
    email: Email | None = None
    company: str | None = Field(default=None, max_length=200)
    notes: str | None = Field(default=None, max_length=2000)


class GiveReferral(BaseModel):
    model_config = _examples({"receiver_id": "m-9b1c", "referral_type": "outside", "temperature": 4,
                              "prospect": {"name": "Jo Bloggs", "phone": "+44 7700 900123",
                                           "email": "jo@example.com", "company": "Bloggs Bakery",
                                           "notes": "expects your call on Monday"},
                              "occurred_on": "2025-03-05"})
    receiver_id: str
    referral_type: ReferralType
    temperature: int = Field(ge=1, le=5, description="How well the giver prepared the prospect (1-5).")
    prospect: Prospect
    occurred_on: date | None = OccurredOn
    on_behalf_of: str | None = OnBehalfOf


class ChangeStatus(BaseModel):
    model_config = _examples({"status": "accepted"}, {"status": "declined", "reason": "outside my area"},
                             {"status": "won", "occurred_on": "2025-03-20"})
    status: ReferralStatus
    reason: str | None = Field(default=None, max_length=500)
    occurred_on: date | None = OccurredOn


def _no_float(value: Any) -> Any:
    if isinstance(value, float):
        raise ValueError('send the amount as a decimal string, e.g. "1250.00" (never a float)')
    return value


class ReportClosedBusiness(BaseModel):
    model_config = _examples({"thanked_member_id": "m-4f2a", "amount": "1250.00", "business_kind": "new",
                              "referral_type": "outside", "referral_id": "r-77d0", "occurred_on": "2025-03-20"})
    thanked_member_id: str
    amount: Decimal = Field(gt=0, max_digits=14, decimal_places=2,
                            description="Invoice value, tax excluded, in the chapter's currency.")
    business_kind: BusinessKind
    referral_type: ReferralType = "outside"
    referral_id: str | None = None
    occurred_on: date | None = OccurredOn
    on_behalf_of: str | None = OnBehalfOf

    _amount_not_float = field_validator("amount", mode="before")(_no_float)


class Verdict(BaseModel):
    model_config = _examples({"verdict": "confirmed"}, {"verdict": "disputed", "reason": "that was a quote"})
    verdict: Literal["confirmed", "disputed"]
    reason: str | None = Field(default=None, max_length=500)
    occurred_on: date | None = OccurredOn


class RecordOneToOne(BaseModel):
    model_config = _examples({"with_member_id": "m-4f2a", "mode": "in-person", "occurred_on": "2025-03-03"})
    with_member_id: str
    mode: MeetingMode = "in-person"
    occurred_on: date | None = OccurredOn
    on_behalf_of: str | None = OnBehalfOf


class RecordCeu(BaseModel):
    model_config = _examples({"description": "Podcast: asking for referrals", "credits": 1})
    description: str = Field(min_length=1, max_length=500)
    credits: int = Field(default=1, ge=1, le=100)
    occurred_on: date | None = OccurredOn
    on_behalf_of: str | None = OnBehalfOf


class InviteVisitor(BaseModel):
    model_config = _examples({"visitor_name": "Sam Lee", "business": "Lee Plumbing", "occurred_on": "2025-03-01"})
    visitor_name: str = Field(min_length=1, max_length=200)
    business: str | None = Field(default=None, max_length=200)
    occurred_on: date | None = OccurredOn
    on_behalf_of: str | None = OnBehalfOf


class VisitorStep(BaseModel):
    model_config = _examples({"step": "attended", "occurred_on": "2025-03-05"}, {"step": "applied"})
    step: Literal["attended", "applied"]
    occurred_on: date | None = OccurredOn


class Mark(BaseModel):
    model_config = ConfigDict(extra="forbid")
    member_id: str
    mark: AttendanceMark = Field(description="P present, A absent, L late, M medical, S substitute")
    substitute_name: str | None = Field(default=None, max_length=200)


class RecordAttendance(BaseModel):
    model_config = _examples({"marks": [{"member_id": "m-4f2a", "mark": "P"}, {"member_id": "m-9b1c", "mark": "A"},
                                        {"member_id": "m-1d3e", "mark": "S", "substitute_name": "Ann Other"}]})
    marks: list[Mark] = Field(min_length=1)


class CheckIn(BaseModel):
    model_config = _examples({"code": "the code in the QR link's #code="})
    code: str = Field(min_length=1, max_length=100,
                      description="The code on the leader's screen (it changes every 30 s).")


class RequestSignIn(BaseModel):
    model_config = _examples({"email": "priya@shahco.example"})
    email: Email


Device = Field(default=None, max_length=200, description="What the member calls this device (shown in their sessions).")


class ExchangeCode(BaseModel):
    model_config = _examples({"code": "the code from the link's #code=", "device": "Priya's phone", "cookies": True})
    code: str = Field(min_length=1, max_length=200)
    device: str | None = Device
    cookies: bool = Field(default=False, description="Browsers: set the tokens as HttpOnly cookies.")


class RefreshSession(BaseModel):
    model_config = _examples({"refresh_token": "the refresh token of the last answer"}, {})
    refresh_token: str | None = Field(default=None, min_length=1, max_length=200,
                                      description="API clients; browsers send the refresh cookie instead.")


class OpenSession(BaseModel):
    model_config = _examples({"device": "command line"})
    device: str | None = Device
