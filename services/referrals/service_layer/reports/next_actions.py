"""A member's next best actions over the window (see `services.referrals.domain.next_actions`)."""

from __future__ import annotations

from datetime import date

from services.referrals.adapters.derived_state import member_activity
from services.referrals.domain.next_actions import next_actions
from services.referrals.service_layer.reports.reader import Report, ReportReader


async def member_next_actions(reader: ReportReader, chapter_id: str, member_id: str, start: date,
                              end: date) -> Report:
    async with reader.snapshot() as conn:
        activities = await member_activity(conn, [member_id], start, end, chapter_id)
        referrals = await conn.fetch(
            """SELECT giver_id, receiver_id, given_on FROM referrals WHERE chapter_id = $1 AND given_on <= $2
                 AND (giver_id = $3 OR receiver_id = $3)""", chapter_id, end, member_id)
        one_to_ones = await conn.fetch(
            """SELECT member_a, member_b FROM one_to_ones WHERE chapter_id = $1 AND occurred_on BETWEEN $2 AND $3
                 AND (member_a = $4 OR member_b = $4)""", chapter_id, start, end, member_id)
        # the chapter's members at the window's end, the member aside: whom an action may name
        names = {r["member_id"]: r["member_name"] for r in await conn.fetch(
            """SELECT member_id, member_name FROM members WHERE chapter_id = $1 AND member_id <> $3
                 AND (joined_on IS NULL OR joined_on <= $2) AND (left_on IS NULL OR left_on > $2)""",
            chapter_id, end, member_id)}
        as_of = await reader.as_of(conn, chapter_id)
    activity = activities[member_id][1] if member_id in activities else None
    return {"chapter_id": chapter_id, "member_id": member_id, "window": {"from": start, "to": end},
            "as_of": as_of, "next_actions": next_actions(member_id, activity, reader.scheme, referrals,
                                                          one_to_ones, start, end, names)}
