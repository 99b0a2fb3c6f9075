"""The members' events as the projection reads them: `Fact`s, made from a delivered event (live) or
straight from a Kafka record (a rebuild, which skips validation for speed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from shared.consumer import Delivered
from shared.contracts.members import members_events
from shared.events import DomainEvent, split_type

EVENT_OF_KIND: dict[str, type[DomainEvent]] = {cls.name.rsplit(".", 1)[-1]: cls for cls in members_events}
"""`referral-given` → ReferralGiven: a fact's kind is the last part of its event's type name."""


@dataclass(slots=True)
class Fact:
    """One members event as the projection needs it: short type name, JSON data, store position, time."""

    kind: str
    data: dict[str, Any]
    sequence: int
    time: str
    chapter_id: str


def fact_of(delivered: Delivered) -> Fact:
    name, _ = split_type(delivered.envelope.type)
    return Fact(kind=name.rsplit(".", 1)[-1], data=delivered.payload.model_dump(mode="json"),
                sequence=delivered.envelope.sequence, time=delivered.envelope.time.isoformat(),
                chapter_id=delivered.envelope.chapterid)


def day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def moment(value: str | None) -> datetime | None:
    """When the slip was recorded (the CloudEvent `time`)."""
    return datetime.fromisoformat(value) if value else None
