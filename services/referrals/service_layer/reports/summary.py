"""The chapter summary (one row of totals and its traffic-light colours), and the same figures for every
chapter of a region."""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg

from services.referrals.domain.conversion import ratio
from services.referrals.service_layer.reports.reader import Report, ReportReader
from services.referrals.service_layer.reports.scorecards import scorecards

MEMBERS = """(SELECT count(*) FROM members WHERE chapter_id = {chapter} AND joined_on <= $3
                 AND (left_on IS NULL OR left_on >= $2))"""
SUMS = """coalesce(sum(referrals), 0)::bigint AS referrals, coalesce(sum(inside), 0)::bigint AS inside,
     coalesce(sum(outside), 0)::bigint AS outside, coalesce(sum(tier_3), 0)::bigint AS tier_3,
     coalesce(sum(won), 0)::bigint AS won, coalesce(sum(closed_business), 0)::bigint AS closed_business,
     CASE WHEN sum(closed_business) > 0 THEN sum(closed_business_value) ELSE 0 END AS closed_business_value,
     coalesce(sum(one_to_ones), 0)::bigint AS one_to_ones, coalesce(sum(ceu_credits), 0)::bigint AS ceu_credits,
     coalesce(sum(visitors), 0)::bigint AS visitors, coalesce(sum(visitors_joined), 0)::bigint AS visitors_joined
     FROM chapter_days WHERE chapter_id = {chapter} AND day BETWEEN $2 AND $3"""
"""The window's figures from the chapter's daily totals (`adapters/daily_totals`): referrals by type and won
(by the day given), valued closed business and its sum, one-to-ones, CEU credits, visitors who attended and
those of them who joined."""
FIGURES = f"SELECT {MEMBERS.format(chapter='$1')} AS members, {SUMS.format(chapter='$1')}"
REGION = f"""SELECT c.chapter_id, c.chapter_name, c.city, f.*
     FROM chapters c CROSS JOIN LATERAL (SELECT {MEMBERS.format(chapter='c.chapter_id')} AS members,
                                                {SUMS.format(chapter='c.chapter_id')}) f
     WHERE c.region = $1 ORDER BY c.chapter_name, c.chapter_id"""
"""Every chapter of the region with its figures, in one statement."""


def _ratios(out: dict[str, Any]) -> dict[str, Any]:
    out["visitor_conversion"] = ratio(out["visitors_joined"], out["visitors"])
    out["referrals_per_member"] = ratio(out["referrals"], out["members"])
    return out


async def chapter_figures(conn: asyncpg.Connection, chapter_id: str, start: date, end: date) -> dict[str, Any]:
    """One chapter's totals over the window, with visitor conversion and referrals per member."""
    return _ratios(dict(await conn.fetchrow(FIGURES, chapter_id, start, end)))


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
        rows = [_ratios(dict(r)) for r in await conn.fetch(REGION, region, start, end)]
    return {"region": region, "window": {"from": start, "to": end}, "chapters": rows}
