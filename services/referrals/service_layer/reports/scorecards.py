"""Scorecards: every member's traffic light over the window, with the counts behind it."""

from __future__ import annotations

from datetime import date

from services.referrals.adapters.derived_state import member_activity
from services.referrals.domain.traffic_lights import score
from services.referrals.service_layer.reports.reader import Report, ReportReader


async def scorecards(reader: ReportReader, chapter_id: str, start: date, end: date,
                     member_id: str | None = None) -> Report:
    """The chapter's members (or one), scored with the service's scheme."""
    async with reader.snapshot() as conn:
        activities = await member_activity(conn, [member_id] if member_id else None, start, end, chapter_id)
        names = {r["member_id"]: r["member_name"] for r in await conn.fetch(
            "SELECT member_id, member_name FROM members WHERE chapter_id = $1", chapter_id)}
        as_of = await reader.as_of(conn, chapter_id)
    rows = []
    for mid, (_chapter, activity) in activities.items():
        result = score(activity, reader.scheme)
        rows.append({"member_id": mid, "member_name": names.get(mid), "colour": result.colour,
                     "score": result.score, **{f"points_{a}": p for a, p in result.points.items()},
                     "days": activity.days, "meetings": activity.meetings, "absences": activity.absences,
                     "referrals_given": activity.referrals_given, "one_to_ones": activity.one_to_ones,
                     "ceu_credits": activity.ceu_credits, "visitors": activity.visitors})
    return {"chapter_id": chapter_id, "window": {"from": start, "to": end}, "as_of": as_of, "scorecards": rows}
