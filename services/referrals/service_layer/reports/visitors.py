"""Visitors over a window of meeting days: the follow-up list, and conversion per inviter and for the chapter
(see `services.referrals.domain.visitor_pipeline`). Visitors' names are not here: this service never has them
(the members service's visitor list, leaders only, has them until erased)."""

from __future__ import annotations

from datetime import date

from services.referrals.domain.visitor_pipeline import by_inviter, follow_up, funnel
from services.referrals.service_layer.reports.reader import Report, ReportReader

VISITORS = """SELECT v.visitor_id, v.invited_by, m.member_name AS inviter_name, v.invited_on, v.meeting_on,
                     v.attended_on, v.applied_on, v.became_member_on
              FROM visitors v LEFT JOIN members m ON m.member_id = v.invited_by
              WHERE v.chapter_id = $1 AND coalesce(v.meeting_on, v.invited_on) BETWEEN $2 AND $3
              ORDER BY v.visitor_id"""


async def visitors(reader: ReportReader, chapter_id: str, start: date, end: date) -> Report:
    """`follow_up` is as of the window's last day."""
    async with reader.snapshot() as conn:
        rows = [dict(r) for r in await conn.fetch(VISITORS, chapter_id, start, end)]
        as_of = await reader.as_of(conn, chapter_id)
    return {"chapter_id": chapter_id, "window": {"from": start, "to": end}, "as_of": as_of,
            "follow_up": follow_up(rows, end), "by_inviter": by_inviter(rows),
            "chapter": [{"chapter_id": chapter_id, **funnel(rows)}]}
