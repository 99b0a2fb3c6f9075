"""The referrals service's derived events: what other systems may react to.

Published on `referrals.*` topics (CloudEvents, key = chapter id) by the service's outbox relay. They are
appended to the referrals service's own event store in the same transaction as the projection change that
caused them, so each is published at least once and never for a change that was rolled back. A rebuild
replays history without emitting them again.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import Field

from shared.contracts.next_actions import action_events
from shared.events import DomainEvent, EventRegistry

referrals_events = EventRegistry()

Colour = Literal["green", "yellow", "red", "grey"]

CONVERSIONS = "referrals.conversions"
TRAFFIC_LIGHTS = "referrals.traffic-lights"
PAIRS = "referrals.pairs"
INTEGRITY = "referrals.integrity"


@referrals_events.register
class ReferralConverted(DomainEvent):
    """A referral reached `won`. Days are counted between the happened-on dates of the slips."""

    name = "org.refnet.referrals.referral-converted"
    topic = CONVERSIONS
    chapter_id: str
    referral_id: str
    giver_id: str
    receiver_id: str
    referral_type: Literal["inside", "outside", "tier-3"]
    temperature: int = Field(ge=1, le=5)
    given_on: date
    won_on: date
    days_to_close: int
    days_to_first_contact: int | None = None


@referrals_events.register
class TrafficLightChanged(DomainEvent):
    """A member's traffic light (rolling six months ending `as_of`) changed colour: when their own slips
    arrive, or at the daily review when the passing days alone moved it (a member who went quiet)."""

    name = "org.refnet.referrals.traffic-light-changed"
    topic = TRAFFIC_LIGHTS
    chapter_id: str
    member_id: str
    from_colour: Colour
    to_colour: Colour
    score: Decimal = Field(description="0-100, one decimal")
    points: dict[str, Decimal] = Field(default_factory=dict, description="points per area")
    window_from: date
    as_of: date


@referrals_events.register
class PairBecameOneSided(DomainEvent):
    """Over the rolling six months ending `as_of`, `giver_id` gave `receiver_id` at least the threshold
    number of referrals and got none back."""

    name = "org.refnet.referrals.pair-became-one-sided"
    topic = PAIRS
    chapter_id: str
    giver_id: str
    receiver_id: str
    given: int
    received: int = 0
    window_from: date
    as_of: date


@referrals_events.register
class ClosedBusinessLooksDuplicated(DomainEvent):
    """Two closed business slips of the same pair (thanked member, reporter) look like one recorded twice:
    amounts within the tolerance, days apart within the limit (defaults 1 % and 14 days). The thanked member
    is asked which one is real; nothing is deleted or discounted."""

    name = "org.refnet.referrals.closed-business-looks-duplicated"
    topic = INTEGRITY
    chapter_id: str
    thanked_member_id: str
    reported_by: str
    closed_business_id: str = Field(description="the earlier slip")
    looks_like_closed_business_id: str = Field(description="the later one, that looks like it")
    amount: Decimal
    other_amount: Decimal
    occurred_on: date
    other_occurred_on: date


referrals_events.include(action_events)  # members' next best actions (shared.contracts.next_actions)

__all__ = ["ClosedBusinessLooksDuplicated", "PairBecameOneSided", "ReferralConverted", "TrafficLightChanged",
           "referrals_events"]
