"""What the weekly digest says beyond the week's figures: the member's next best actions (computed by the
referrals service's daily review, `NextActionsListed`) and the chapter's current asks (`AskUpdated`).

Its own consumer (`digest-extras`): it only keeps the latest of each per member, so it needs nothing of the
other reactions and they nothing of it; the digest timer reads what it kept."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import asyncpg

from shared.consumer import Delivered
from shared.contracts.asks import FRESH_DAYS, AskUpdated, ask_events
from shared.contracts.next_actions import NextActionsListed, action_events
from shared.events import EventRegistry

SOURCES: list[EventRegistry] = [ask_events, action_events]


def registry() -> EventRegistry:
    both = EventRegistry()
    for source in SOURCES:
        both.include(source)
    return both


class DigestExtras:
    """A `shared.consumer.Projection`: asks and next actions, the latest per member."""

    name = "digest-extras"

    async def apply(self, conn: asyncpg.Connection, events: Sequence[Delivered]) -> None:
        for delivered in events:
            event = delivered.payload
            if isinstance(event, AskUpdated):
                await conn.execute(
                    "INSERT INTO n_asks VALUES ($1, $2, $3, $4, $5) ON CONFLICT (member_id) DO UPDATE SET"
                    " chapter_id = excluded.chapter_id, text = excluded.text, asked_on = excluded.asked_on,"
                    " seq = excluded.seq WHERE n_asks.seq <= excluded.seq",
                    event.member_id, event.chapter_id, event.text, event.asked_on, delivered.envelope.sequence or 0)
            elif isinstance(event, NextActionsListed):
                await conn.execute(
                    "INSERT INTO n_next_actions VALUES ($1, $2, $3, $4) ON CONFLICT (member_id) DO UPDATE SET"
                    " chapter_id = excluded.chapter_id, as_of = excluded.as_of, actions = excluded.actions"
                    " WHERE n_next_actions.as_of <= excluded.as_of",
                    event.member_id, event.chapter_id, event.as_of,
                    json.dumps([a.model_dump(mode="json", exclude_none=True) for a in event.actions]))


async def for_digest(conn: asyncpg.Connection, chapter_id: str, member_id: str, day: date) -> dict[str, Any]:
    """The digest's extra data: the member's next actions (as last published) and the asks of the chapter's
    other active members that are fresh on `day` (at most FRESH_DAYS old), newest first."""
    row = await conn.fetchrow("SELECT as_of, actions FROM n_next_actions WHERE member_id = $1 AND chapter_id = $2",
                              member_id, chapter_id)
    asks = await conn.fetch(
        "SELECT a.member_id, a.text, a.asked_on FROM n_asks a JOIN n_members m USING (member_id)"
        " WHERE a.chapter_id = $1 AND a.member_id <> $2 AND m.active AND a.text IS NOT NULL"
        " AND a.asked_on BETWEEN $3 AND $4 ORDER BY a.asked_on DESC, a.member_id",
        chapter_id, member_id, day - timedelta(days=FRESH_DAYS), day)
    return {"next_actions": json.loads(row["actions"]) if row else [],
            "next_actions_as_of": row["as_of"].isoformat() if row else None,
            "asks": [{"member_id": a["member_id"], "text": a["text"], "asked_on": a["asked_on"].isoformat()}
                     for a in asks]}
