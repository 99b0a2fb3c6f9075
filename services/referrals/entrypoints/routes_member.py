"""A member's own standing, for the member app (read with the session cookie from the members service's
origin: see `app_cors.py`)."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import date

from fastapi import APIRouter, HTTPException
from fastapi.responses import Response

from services.referrals.entrypoints.deps import Asked, Window, report_route
from services.referrals.service_layer.reports.balance import balance as balance_report
from services.referrals.service_layer.reports.reader import Report

router = APIRouter()


@report_route(router, "/chapters/{chapter_id}/members/{member_id}/balance",
              "A member's balance, the members they have not referred to, and what would raise their score next")
async def balance(chapter_id: str, member_id: str, period: Window, asked: Asked) -> Response:
    """Referrals given and received (count, and closed-business value), the chapter's current members the
    member gave no referral to in the window, and `raise_next`: the traffic-light areas short of full points,
    most missing first, with how many more slips in the window would fill each. Members see their own; leaders
    any member's."""
    def own_only() -> None:
        if not asked.who.can_lead(chapter_id) and asked.who.member_id != member_id:
            raise HTTPException(403, "members see their own balance only")

    def compute(start: date, end: date) -> Awaitable[Report]:
        return balance_report(asked.reader, chapter_id, start, end, member_id)

    return await asked.answer(chapter_id, "balance", compute, period.window, leader=False, authorise=own_only,
                              cache=False)
