"""Thank you for closed business (TYFCB): reported by who got the business, crediting who referred it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from services.members.domain.aggregate import Aggregate
from services.members.domain.chapter import Chapter
from services.members.domain.errors import Conflict, Forbidden, InvalidField
from services.members.domain.referral import Referral
from shared.contracts.members import (
    BusinessKind,
    ClosedBusinessConfirmed,
    ClosedBusinessDisputed,
    ClosedBusinessReported,
    ReferralType,
)
from shared.events import DomainEvent

Verdict = Literal["reported", "confirmed", "disputed"]


@dataclass
class ClosedBusiness(Aggregate):
    reported: ClosedBusinessReported | None = None
    verdict: Verdict = "reported"

    @property
    def closed_business_id(self) -> str:
        return self.aggregate_id

    def when(self, event: DomainEvent) -> None:
        if isinstance(event, ClosedBusinessReported):
            self.reported = event
        elif isinstance(event, ClosedBusinessConfirmed):
            self.verdict = "confirmed"
        elif isinstance(event, ClosedBusinessDisputed):
            self.verdict = "disputed"

    @staticmethod
    def report(chapter: Chapter, closed_business_id: str, *, reported_by: str, thanked_member_id: str,
               amount: Decimal, business_kind: BusinessKind, referral_type: ReferralType,
               referral: Referral | None, occurred_on: date, today: date) -> ClosedBusinessReported:
        assert chapter.founded is not None
        chapter.active_member(reported_by, "reported_by")
        if thanked_member_id not in chapter.members:
            raise InvalidField("thanked_member_id", f"{thanked_member_id} is not a member of this chapter")
        if thanked_member_id == reported_by:
            raise InvalidField("thanked_member_id", "a member cannot thank themselves for closed business")
        if amount <= 0:
            raise InvalidField("amount", "must be greater than zero")
        if amount != amount.quantize(Decimal("0.01")):
            raise InvalidField("amount", "at most two decimal places")
        if referral is not None:
            if referral.giver_id != thanked_member_id:
                raise InvalidField("thanked_member_id",
                                   f"referral {referral.referral_id} was given by {referral.giver_id}: "
                                   "closed business from it thanks its giver")
            if referral.receiver_id != reported_by:
                raise InvalidField("referral_id", "only the receiver of that referral reports business from it")
            assert referral.given is not None
            if occurred_on < referral.given.occurred_on:
                raise InvalidField("occurred_on", f"{occurred_on} is before the referral was given "
                                                  f"({referral.given.occurred_on})")
        chapter.check_date(occurred_on, today, reported_by)
        return ClosedBusinessReported(
            chapter_id=chapter.chapter_id, closed_business_id=closed_business_id, reported_by=reported_by,
            thanked_member_id=thanked_member_id, amount=amount.quantize(Decimal("0.01")),
            currency=chapter.founded.currency, business_kind=business_kind, referral_type=referral_type,
            referral_id=referral.referral_id if referral else None, occurred_on=occurred_on)

    def _check_verdict(self, by_member_id: str | None, occurred_on: date, today: date) -> ClosedBusinessReported:
        assert self.reported is not None
        if by_member_id != self.reported.thanked_member_id:
            raise Forbidden("only the thanked member confirms or disputes closed business")
        if self.verdict != "reported":
            raise Conflict(f"closed business is already {self.verdict}")
        if occurred_on > today:
            raise InvalidField("occurred_on", f"{occurred_on} is in the future (today is {today})")
        if occurred_on < self.reported.occurred_on:
            raise InvalidField("occurred_on", f"{occurred_on} is before the business was reported "
                                              f"({self.reported.occurred_on})")
        return self.reported

    def confirm(self, by_member_id: str | None, *, occurred_on: date, today: date) -> ClosedBusinessConfirmed:
        reported = self._check_verdict(by_member_id, occurred_on, today)
        return ClosedBusinessConfirmed(chapter_id=reported.chapter_id, closed_business_id=self.closed_business_id,
                                       thanked_member_id=reported.thanked_member_id, occurred_on=occurred_on)

    def dispute(self, by_member_id: str | None, *, reason: str, occurred_on: date,
                today: date) -> ClosedBusinessDisputed:
        reported = self._check_verdict(by_member_id, occurred_on, today)
        if not reason.strip():
            raise InvalidField("reason", "a dispute needs a reason")
        return ClosedBusinessDisputed(chapter_id=reported.chapter_id, closed_business_id=self.closed_business_id,
                                      thanked_member_id=reported.thanked_member_id, reason=reason,
                                      occurred_on=occurred_on)
