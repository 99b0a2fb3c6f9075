"""A member's own standing, for the member app: the given/received balance, the chapter's members they have
not referred anyone to in the window, and what would raise their traffic light next."""

from __future__ import annotations

from datetime import date

from services.referrals.adapters.derived_state import member_activity
from services.referrals.domain.reciprocity import reciprocity_index
from services.referrals.domain.traffic_lights import raise_next, score
from services.referrals.service_layer.reports.reader import CLOSED_BUSINESS_VALUES, Report, ReportReader

TOTALS = f"""SELECT
    (SELECT count(*) FROM referrals WHERE chapter_id = $1 AND giver_id = $4 AND given_on BETWEEN $2 AND $3) AS given,
    (SELECT count(*) FROM referrals WHERE chapter_id = $1 AND receiver_id = $4 AND given_on BETWEEN $2 AND $3)
        AS received,
    (SELECT coalesce(sum(amount), 0) FROM ({CLOSED_BUSINESS_VALUES}) cb WHERE giver_id = $4) AS value_given,
    (SELECT coalesce(sum(amount), 0) FROM ({CLOSED_BUSINESS_VALUES}) cb WHERE receiver_id = $4) AS value_received"""

NOT_REFERRED = """SELECT member_id, member_name, business, category FROM members m
                  WHERE chapter_id = $1 AND left_on IS NULL AND member_id <> $4
                    AND NOT EXISTS (SELECT 1 FROM referrals r WHERE r.chapter_id = $1 AND r.giver_id = $4
                                    AND r.receiver_id = m.member_id AND r.given_on BETWEEN $2 AND $3)
                  ORDER BY member_name, member_id"""


async def balance(reader: ReportReader, chapter_id: str, start: date, end: date, member_id: str) -> Report:
    async with reader.snapshot() as conn:
        totals = await conn.fetchrow(TOTALS, chapter_id, start, end, member_id)
        not_referred = [dict(r) for r in await conn.fetch(NOT_REFERRED, chapter_id, start, end, member_id)]
        activities = await member_activity(conn, [member_id], start, end, chapter_id)
        as_of = await reader.as_of(conn, chapter_id)
    steps: list[dict[str, object]] = []
    if member_id in activities:
        activity = activities[member_id][1]
        steps = raise_next(activity, score(activity, reader.scheme), reader.scheme)
    given, received = totals["given"], totals["received"]
    return {"chapter_id": chapter_id, "member_id": member_id, "window": {"from": start, "to": end}, "as_of": as_of,
            "given": given, "received": received, "balance": given - received,
            "index": reciprocity_index(given, received),
            "value_given": totals["value_given"], "value_received": totals["value_received"],
            "not_referred_to": not_referred, "raise_next": steps}
