"""The PALMS report of a week or a calendar month (see `services.referrals.domain.palms`)."""

from __future__ import annotations

from datetime import date

from services.referrals.domain.palms import PalmsTally
from services.referrals.service_layer.reports.reader import Report, ReportReader
from services.referrals.service_layer.reports.weekly import SLIPS


async def palms(reader: ReportReader, chapter_id: str, start: date, end: date) -> Report:
    async with reader.snapshot() as conn:
        members = await conn.fetch(
            """SELECT member_id, member_name, business FROM members
               WHERE chapter_id = $1 AND (joined_on IS NULL OR joined_on <= $3)
                 AND (left_on IS NULL OR left_on >= $2)""", chapter_id, start, end)
        slips = await conn.fetch(SLIPS, chapter_id, start, end)
        chapter = await conn.fetchrow("SELECT chapter_name, currency FROM chapters WHERE chapter_id = $1", chapter_id)
        as_of = await reader.as_of(conn, chapter_id)
    tally = PalmsTally(members)
    for slip in slips:
        tally.add(slip)
    return {"chapter_id": chapter_id, "chapter_name": chapter["chapter_name"] if chapter else None,
            "currency": chapter["currency"] if chapter else None, "period": {"from": start, "to": end},
            "as_of": as_of, "palms": tally.table()}
