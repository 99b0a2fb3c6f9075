"""Closed business that looks recorded twice, announced once per pair of slips (`ClosedBusinessLooksDuplicated`)."""

from __future__ import annotations

import asyncpg

from services.referrals.adapters.announcements import emit_events
from services.referrals.domain.integrity import IntegrityRules, suspected_duplicates
from shared.contracts.referrals import ClosedBusinessLooksDuplicated


async def announce_duplicates(conn: asyncpg.Connection, closed_business_ids: list[str],
                              rules: IntegrityRules) -> None:
    """For the closed business just recorded: the same pair's slips around it that look alike (the domain's
    rule), each look-alike pair announced once (the event id derives from the two slips)."""
    rows = await conn.fetch(
        """SELECT o.closed_business_id, o.chapter_id, o.thanked_member_id, o.reported_by, o.amount, o.occurred_on
           FROM closed_business c JOIN closed_business o
             ON o.thanked_member_id = c.thanked_member_id AND o.reported_by = c.reported_by
            AND o.chapter_id = c.chapter_id
            AND o.occurred_on BETWEEN c.occurred_on - $2::int AND c.occurred_on + $2::int
           WHERE c.closed_business_id = ANY($1::text[])""",
        closed_business_ids, rules.duplicate_days)
    unique = list({r["closed_business_id"]: r for r in rows}.values())
    fresh = set(closed_business_ids)
    events = []
    for d in suspected_duplicates(unique, rules):
        if d["closed_business_id"] not in fresh and d["looks_like_closed_business_id"] not in fresh:
            continue  # an older look-alike pair, announced when it arrived
        chapter_id = next(r["chapter_id"] for r in unique if r["closed_business_id"] == d["closed_business_id"])
        event = ClosedBusinessLooksDuplicated(chapter_id=chapter_id, **d)
        events.append((chapter_id, f"duplicate-{d['closed_business_id']}", event))
    if events:
        await emit_events(conn, events, key=lambda e: f"{e.closed_business_id}|{e.looks_like_closed_business_id}")

