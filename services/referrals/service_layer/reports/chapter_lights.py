"""Chapter traffic lights: one chapter's scorecard over a window, and a region's chapters ranked by theirs
(see `services.referrals.domain.chapter_lights`)."""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg

from services.referrals.domain.chapter_lights import ChapterActivity, ChapterLightScheme, chapter_figures, chapter_score
from services.referrals.service_layer.reports.reader import Report, ReportReader

# members before the window opened ($2) and at its end ($3): joined by then, not yet left
ACTIVITY = """SELECT
     (SELECT count(*) FROM members WHERE chapter_id = $1 AND joined_on < $2
        AND (left_on IS NULL OR left_on >= $2)) AS members_at_start,
     (SELECT count(*) FROM members WHERE chapter_id = $1 AND joined_on <= $3
        AND (left_on IS NULL OR left_on > $3)) AS members_at_end,
     (SELECT count(*) FROM members WHERE chapter_id = $1 AND joined_on < $2
        AND (left_on IS NULL OR left_on > $3)) AS stayed,
     (SELECT count(*) FROM referrals WHERE chapter_id = $1 AND given_on BETWEEN $2 AND $3) AS referrals,
     (SELECT count(*) FROM visitors WHERE chapter_id = $1 AND attended_on BETWEEN $2 AND $3) AS visitors,
     (SELECT count(*) FROM visitors WHERE chapter_id = $1 AND attended_on BETWEEN $2 AND $3
        AND became_member_on IS NOT NULL) AS visitors_joined,
     (SELECT count(*) FROM attendance WHERE chapter_id = $1 AND meeting_date BETWEEN $2 AND $3
        AND mark IN ('P', 'L', 'S')) AS attended,
     (SELECT count(*) FROM attendance WHERE chapter_id = $1 AND meeting_date BETWEEN $2 AND $3
        AND mark <> 'M') AS marked"""


async def chapter_light(conn: asyncpg.Connection, scheme: ChapterLightScheme, chapter_id: str, start: date,
                        end: date) -> dict[str, Any]:
    """The chapter's figures, points per area, score and colour over [start, end]."""
    counts = await conn.fetchrow(ACTIVITY, chapter_id, start, end)
    activity = ChapterActivity(days=(end - start).days + 1, **dict(counts))
    scored = chapter_score(activity, scheme)
    return {**chapter_figures(activity), "members_at_start": activity.members_at_start,
            **{f"points_{area}": points for area, points in scored.points.items()},
            "score": scored.score, "colour": scored.colour}


async def chapter_lights(reader: ReportReader, chapter_id: str, start: date, end: date) -> Report:
    async with reader.snapshot() as conn:
        light = await chapter_light(conn, reader.chapter_scheme, chapter_id, start, end)
        as_of = await reader.as_of(conn, chapter_id)
    return {"chapter_id": chapter_id, "window": {"from": start, "to": end}, "as_of": as_of,
            "chapter_light": [{"chapter_id": chapter_id, **light}]}


async def region_lights(reader: ReportReader, region: str, start: date, end: date) -> list[dict[str, Any]]:
    """The region's chapters with their lights, best score first (then by name)."""
    async with reader.snapshot() as conn:
        chapters = await conn.fetch("SELECT chapter_id, chapter_name FROM chapters WHERE region = $1", region)
        rows = [{"chapter_id": c["chapter_id"], "chapter_name": c["chapter_name"],
                 **await chapter_light(conn, reader.chapter_scheme, c["chapter_id"], start, end)} for c in chapters]
    rows.sort(key=lambda r: (-r["score"], r["chapter_name"] or "", r["chapter_id"]))
    return [{"rank": i, **row} for i, row in enumerate(rows, 1)]
