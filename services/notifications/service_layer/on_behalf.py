"""A slip a leader keyed in for a member (`recorded_by` set, and not the member): the member is told who
recorded what in their name, on the channels their preferences give `recorded-on-behalf`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg

from services.notifications.adapters import postgres as db
from services.notifications.domain import kinds as k
from shared.contracts import members as m
from shared.events import DomainEvent

Slip = m.ReferralGiven | m.ClosedBusinessReported | m.OneToOneRecorded | m.CeuRecorded | m.VisitorInvited


def told(event: DomainEvent) -> tuple[str, dict[str, Any]] | None:
    """(the member the slip is for, what they are told), or None when nobody keyed it in for someone else."""
    if not isinstance(event, Slip):
        return None
    leader = event.recorded_by
    common: dict[str, Any] = {"recorded_by": leader, "occurred_on": event.occurred_on.isoformat(),
                              "chapter_id": event.chapter_id}
    author: str
    if isinstance(event, m.ReferralGiven):
        author = event.giver_id
        common.update(slip="referral", referral_id=event.referral_id, receiver_id=event.receiver_id,
                      referral_type=event.referral_type, temperature=event.temperature)
    elif isinstance(event, m.ClosedBusinessReported):
        author = event.reported_by
        common.update(slip="closed-business", closed_business_id=event.closed_business_id,
                      thanked_member_id=event.thanked_member_id, amount=str(event.amount), currency=event.currency)
    elif isinstance(event, m.OneToOneRecorded):
        author = event.reported_by
        other = next((i for i in event.member_ids if i != author), author)
        common.update(slip="one-to-one", one_to_one_id=event.one_to_one_id, with_member_id=other)
    elif isinstance(event, m.CeuRecorded):
        author = event.member_id
        common.update(slip="ceu", ceu_id=event.ceu_id, description=event.description, credits=event.credits)
    else:
        author = event.invited_by
        common.update(slip="visitor", visitor_id=event.visitor_id)
    if leader is None or leader == author:
        return None
    return author, common


async def tell_author(conn: asyncpg.Connection, event: DomainEvent, *, trigger: str, at: datetime,
                      now: datetime) -> None:
    found = told(event)
    if found is None:
        return
    author, data = found
    await db.notify_member(conn, trigger_id=trigger, member_id=author, kind=k.RECORDED_ON_BEHALF,
                           chapter_id=data["chapter_id"], data=data, now=now, occurred_at=at)
