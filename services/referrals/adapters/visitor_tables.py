"""A visitor's invitation into the `visitors` fact table: the step (as every visitor step), and for a visitor
who registered themself the meeting they picked (`meeting_on`), which the follow-up report counts from."""

from __future__ import annotations

import asyncpg

from services.referrals.adapters.bulk import latest, upsert
from services.referrals.adapters.fact_tables import Touched
from services.referrals.adapters.facts import Fact, day
from services.referrals.adapters.meeting_tables import visitor_step

_invited = visitor_step("invited_on")


async def visitor_invited(conn: asyncpg.Connection, facts: list[Fact], touched: Touched) -> None:
    await _invited(conn, facts, touched)
    rows = latest(((f.data["visitor_id"], day(f.data["meeting_date"]), f.sequence) for f in facts
                   if f.data.get("meeting_date")), key=lambda r: r[0])
    if rows:
        await upsert(conn, """UPDATE visitors v SET meeting_on = u.meeting_on
                              FROM unnest($1::text[], $2::date[]) AS u(visitor_id, meeting_on)
                              WHERE v.visitor_id = u.visitor_id""", [r[:2] for r in rows])
