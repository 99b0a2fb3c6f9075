"""The referrals service's daily list of each member's next best actions, published when it changed.

Computed once a day by the referrals service's daily review (one replica at a time) over the rolling six
months; published on `referrals.next-actions` (key = chapter id) only for members whose list differs from
the last one published, so subscribers keep the latest per member (the notifications service puts it in
the weekly digest)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.events import DomainEvent, EventRegistry

action_events = EventRegistry()

NEXT_ACTIONS = "referrals.next-actions"

ActionKind = Literal["lift", "give_back", "answer_ask", "refer_after_one_to_one", "revive"]


class NextAction(BaseModel):
    """One item, with what explains it (which fields are set depends on `action`)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    action: ActionKind
    member_id: str | None = Field(default=None, description="the other member it concerns (all but lift)")
    member_name: str | None = None
    area: str | None = Field(default=None, description="lift: referrals, one_to_ones, ceus or visitors")
    more: int | None = Field(default=None, description="lift: how many more of them")
    points: Decimal | None = Field(default=None, description="lift: points the light gains")
    score_now: Decimal | None = None
    score_after: Decimal | None = None
    colour_now: str | None = None
    colour_after: str | None = None
    referrals_received: int | None = Field(default=None, description="give_back: referrals they gave you")
    last_referral_on: date | None = Field(default=None, description="revive: the last referral either way")
    ask: str | None = Field(default=None, description="answer_ask: what they are looking for")
    asked_on: date | None = None
    matched: list[str] | None = Field(default=None, description="answer_ask: the words your business matched")


@action_events.register
class NextActionsListed(DomainEvent):
    """A member's next best actions as of `as_of`, ranked; an empty list means none any more."""

    name = "org.refnet.referrals.next-actions-listed"
    topic = NEXT_ACTIONS
    chapter_id: str
    member_id: str
    as_of: date
    window_from: date
    actions: list[NextAction]


__all__ = ["NEXT_ACTIONS", "ActionKind", "NextAction", "NextActionsListed", "action_events"]
