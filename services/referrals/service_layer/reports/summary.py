"""The chapter summary (one row of totals and its traffic-light colours), and the same figures for every
chapter of a region."""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg

from services.referrals.domain.conversion import ratio
from services.referrals.service_layer.reports.reader import CLOSED_BUSINESS_VALUES, Report, ReportReader
from services.referrals.service_layer.reports.scorecards import scorecards

FIGURES = f"""SELECT
     (SELECT count(*) FROM members WHERE chapter_id = $1 AND joined_on <= $3
        AND (left_on IS NULL OR left_on >= $2)) AS members,
     (SELECT count(*) FROM referrals WHERE chapter_id = $1 AND given_on BETWEEN $2 AND $3) AS referrals,
     (SELECT count(*) FROM referrals WHERE chapter_id = $1 AND given_on BETWEEN $2 AND $3
        AND referral_type = 'inside') AS inside,
     (SELECT count(*) FROM referrals WHERE chapter_id = $1 AND given_on BETWEEN $2 AND $3
        AND referral_type = 'outside') AS outside,
     (SELECT count(*) FROM referrals WHERE chapter_id = $1 AND given_on BETWEEN $2 AND $3
        AND referral_type = 'tier-3') AS tier_3,
     (SELECT count(*) FROM referrals WHERE chapter_id = $1 AND given_on BETWEEN $2 AND $3
        AND status = 'won') AS won,
     (SELECT count(*) FROM ({CLOSED_BUSINESS_VALUES}) cb) AS closed_business,
     (SELECT coalesce(sum(amount), 0) FROM ({CLOSED_BUSINESS_VALUES}) cb) AS closed_business_value,
     (SELECT count(*) FROM one_to_ones WHERE chapter_id = $1 AND occurred_on BETWEEN $2 AND $3)
        AS one_to_ones,
     (SELECT coalesce(sum(credits), 0) FROM ceus WHERE chapter_id = $1 AND occurred_on BETWEEN $2 AND $3)
        AS ceu_credits,
     (SELECT count(*) FROM visitors WHERE chapter_id = $1 AND attended_on BETWEEN $2 AND $3) AS visitors,
     (SELECT count(*) FROM visitors WHERE chapter_id = $1 AND attended_on BETWEEN $2 AND $3
        AND became_member_on IS NOT NULL) AS visitors_joined"""


async def chapter_figures(conn: asyncpg.Connection, chapter_id: str, start: date, end: date) -> dict[str, Any]:
    """One chapter's totals over the window, with visitor conversion and referrals per member."""
    out = dict(await conn.fetchrow(FIGURES, chapter_id, start, end))
    out["visitor_conversion"] = ratio(out["visitors_joined"], out["visitors"])
    out["referrals_per_member"] = ratio(out["referrals"], out["members"])
    return out


async def summary(reader: ReportReader, chapter_id: str, start: date, end: date) -> Report:
    cards = await scorecards(reader, chapter_id, start, end)
    async with reader.snapshot() as conn:
        row = await chapter_figures(conn, chapter_id, start, end)
        chapter = await conn.fetchrow("SELECT chapter_name, region, currency, language FROM chapters"
                                      " WHERE chapter_id = $1",
                                      chapter_id)
        as_of = await reader.as_of(conn, chapter_id)
    lights = {c: 0 for c in ("green", "yellow", "red", "grey")}
    for card in cards["scorecards"]:
        lights[card["colour"]] += 1
    return {"chapter_id": chapter_id, "window": {"from": start, "to": end}, "as_of": as_of,
            "chapter": dict(chapter) if chapter else None,
            "summary": [{"chapter_id": chapter_id, **row, **{f"lights_{k}": v for k, v in lights.items()}}]}


async def region(reader: ReportReader, region: str, start: date, end: date) -> Report:
    """Every chapter of the region, by name, with its summary figures."""
    async with reader.snapshot() as conn:
        chapters = await conn.fetch("SELECT chapter_id, chapter_name, city FROM chapters WHERE region = $1"
                                    " ORDER BY chapter_name, chapter_id", region)
        rows = [{"chapter_id": c["chapter_id"], "chapter_name": c["chapter_name"], "city": c["city"],
                 **await chapter_figures(conn, c["chapter_id"], start, end)} for c in chapters]
    return {"region": region, "window": {"from": start, "to": end}, "chapters": rows}
