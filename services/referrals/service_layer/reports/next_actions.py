"""A member's next best actions over the window (see `services.referrals.domain.next_actions`, and
`services.referrals.domain.asks` for the asks they could answer)."""

from __future__ import annotations

from datetime import date

from services.referrals.adapters.next_actions_state import chapter_next_actions
from services.referrals.service_layer.reports.reader import Report, ReportReader


async def member_next_actions(reader: ReportReader, chapter_id: str, member_id: str, start: date,
                              end: date) -> Report:
    async with reader.snapshot() as conn:
        actions = await chapter_next_actions(conn, chapter_id, member_id, start, end, reader.scheme)
        as_of = await reader.as_of(conn, chapter_id)
    return {"chapter_id": chapter_id, "member_id": member_id, "window": {"from": start, "to": end},
            "as_of": as_of, "next_actions": actions[member_id]}
