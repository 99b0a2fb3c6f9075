"""A referral slip and its status pipeline: given → accepted → contacted → won / lost, or declined.

Only the receiver moves it; each step is dated, and no step may be dated before the one it follows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from services.members.domain.aggregate import Aggregate
from services.members.domain.chapter import Chapter
from services.members.domain.errors import Conflict, Forbidden, InvalidField
from shared.contracts.members import (
    REFERRAL_STEPS,
    ProspectDataErased,
    ReferralGiven,
    ReferralStatus,
    ReferralStatusChanged,
    ReferralType,
    SealedData,
)
from shared.events import DomainEvent

NEXT_STEPS = REFERRAL_STEPS
"""The steps each status may move to: the pipeline every service reads (shared.contracts.members)."""


@dataclass(frozen=True)
class Step:
    status: ReferralStatus
    occurred_on: date


@dataclass
class Referral(Aggregate):
    given: ReferralGiven | None = None
    status: ReferralStatus = "given"
    steps: list[Step] = field(default_factory=list)
    erased: bool = False

    @property
    def referral_id(self) -> str:
        return self.aggregate_id

    def when(self, event: DomainEvent) -> None:
        if isinstance(event, ReferralGiven):
            self.given = event
            self.steps.append(Step("given", event.occurred_on))
        elif isinstance(event, ReferralStatusChanged):
            self.status = event.to_status
            self.steps.append(Step(event.to_status, event.occurred_on))
        elif isinstance(event, ProspectDataErased):
            self.erased = True

    @property
    def giver_id(self) -> str:
        assert self.given is not None
        return self.given.giver_id

    @property
    def receiver_id(self) -> str:
        assert self.given is not None
        return self.given.receiver_id

    @staticmethod
    def give(chapter: Chapter, referral_id: str, *, giver_id: str, receiver_id: str, referral_type: ReferralType,
             temperature: int, prospect: SealedData, occurred_on: date, today: date) -> ReferralGiven:
        chapter.active_member(giver_id, "giver")
        chapter.active_member(receiver_id, "receiver_id")
        if receiver_id == giver_id:
            raise InvalidField("receiver_id", "a member cannot give a referral to themselves")
        if not 1 <= temperature <= 5:
            raise InvalidField("temperature", "must be between 1 and 5")
        chapter.check_date(occurred_on, today, giver_id, receiver_id)
        return ReferralGiven(chapter_id=chapter.chapter_id, referral_id=referral_id, giver_id=giver_id,
                             receiver_id=receiver_id, referral_type=referral_type, temperature=temperature,
                             prospect=prospect, occurred_on=occurred_on)

    def change_status(self, by_member_id: str | None, to_status: ReferralStatus, *, reason: str | None,
                      occurred_on: date, today: date) -> ReferralStatusChanged:
        assert self.given is not None
        if by_member_id != self.receiver_id:
            raise Forbidden("only the receiver of a referral moves its status")
        if to_status not in NEXT_STEPS[self.status]:
            allowed = ", ".join(sorted(NEXT_STEPS[self.status])) or "none: it is final"
            raise Conflict(f"referral is '{self.status}'; it cannot become '{to_status}' (next steps: {allowed})")
        if to_status == "declined" and not (reason and reason.strip()):
            raise InvalidField("reason", "a declined referral needs a reason")
        if occurred_on > today:
            raise InvalidField("occurred_on", f"{occurred_on} is in the future (today is {today})")
        previous = self.steps[-1]
        if occurred_on < previous.occurred_on:
            raise InvalidField("occurred_on", f"{occurred_on} is before the previous step "
                                              f"'{previous.status}' ({previous.occurred_on})")
        return ReferralStatusChanged(chapter_id=self.given.chapter_id, referral_id=self.referral_id,
                                     giver_id=self.giver_id, receiver_id=self.receiver_id,
                                     from_status=self.status, to_status=to_status, reason=reason,
                                     occurred_on=occurred_on)

    def erase_prospect(self) -> ProspectDataErased | None:
        assert self.given is not None
        if self.erased:
            return None
        return ProspectDataErased(chapter_id=self.given.chapter_id, referral_id=self.referral_id,
                                  key_id=self.given.prospect.key_id)
