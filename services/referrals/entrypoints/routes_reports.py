"""Leaders' reports over a window of days the slips happened on (default: the last six months), the weekly
slip report, scorecards, the referral ledger and the region's chapters compared."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import Response

from services.referrals.domain.palms import month_of
from services.referrals.domain.windows import week_of
from services.referrals.entrypoints.deps import (
    MAX_BIGINT,
    Asked,
    LightsPeriod,
    OutputFormat,
    Reader,
    Window,
    report_route,
)
from services.referrals.service_layer.reports.conversion import conversion
from services.referrals.service_layer.reports.integrity import integrity
from services.referrals.service_layer.reports.ledger import ledger as ledger_report
from services.referrals.service_layer.reports.palms import palms as palms_report
from services.referrals.service_layer.reports.reader import Report, ReportReader
from services.referrals.service_layer.reports.reciprocity import reciprocity
from services.referrals.service_layer.reports.scorecards import scorecards
from services.referrals.service_layer.reports.summary import region as region_report
from services.referrals.service_layer.reports.summary import summary
from services.referrals.service_layer.reports.visitors import visitors
from services.referrals.service_layer.reports.weekly import weekly as weekly_report
from shared.auth import Principal
from shared.http_auth import Caller

router = APIRouter()

WindowedReport = Callable[[ReportReader, str, date, date], Awaitable[Report]]


def windowed_report(name: str, summary: str, compute: WindowedReport) -> None:
    """A leaders' report of the chapter over the window. (Each endpoint is named `report`, as it always
    was: FastAPI derives the OpenAPI operation ids from the name and the path.)"""

    @report_route(router, f"/chapters/{{chapter_id}}/{name}", summary)
    async def report(chapter_id: str, period: Window, asked: Asked) -> Response:
        return await asked.answer(chapter_id, name, lambda start, end: compute(asked.reader, chapter_id, start, end),
                                  period.window)


windowed_report("reciprocity", "Reciprocity: members, ordered pairs, two-way, dormant", reciprocity)
windowed_report("conversion", "Conversion by giver, receiver, pair and temperature", conversion)
windowed_report("summary", "Chapter summary", summary)
windowed_report("integrity", "Integrity signals: suspected duplicates, unlinked and disputed closed business, "
                "pair concentration and effective referrals, back-dated slips", integrity)
windowed_report("visitors", "Visitors by meeting day: who needs following up 7 days after their meeting, and "
                "conversion (invited, attended, applied, member) per inviter and for the chapter", visitors)


async def chapter_today(reader: ReportReader, chapter_id: str) -> date:
    """Today in the chapter's time zone."""
    info = await reader.chapter(chapter_id) or {}
    try:
        zone = ZoneInfo(info.get("timezone") or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return datetime.now(UTC).astimezone(zone).date()


@report_route(router, "/chapters/{chapter_id}/weekly",
              "Weekly slip report (PALMS) with how late the slips were recorded")
async def weekly(chapter_id: str, asked: Asked,
                 week: date | None = Query(None, description="any day of the week (default: the current "
                                           "week in the chapter's time zone)")) -> Response:
    async def this_week() -> tuple[date, date]:
        return week_of(week or await chapter_today(asked.reader, chapter_id))

    return await asked.answer(chapter_id, "weekly",
                              lambda start, end: weekly_report(asked.reader, chapter_id, start, end), this_week)


@report_route(router, "/chapters/{chapter_id}/palms",
              "PALMS in the printed layout (P A L M S, RGI RGO RRI RRO, V, 1-2-1, TYFCB, CEU) for a week or a month")
async def palms(chapter_id: str, asked: Asked,
                period: Literal["week", "month"] = Query("week", description="a week (Monday to Sunday) or a "
                                                         "calendar month"),
                day: date | None = Query(None, description="any day of the period (default: today in the "
                                         "chapter's time zone)")) -> Response:
    async def this_period() -> tuple[date, date]:
        today = day or await chapter_today(asked.reader, chapter_id)
        return week_of(today) if period == "week" else month_of(today)

    return await asked.answer(chapter_id, f"palms-{period}",
                              lambda start, end: palms_report(asked.reader, chapter_id, start, end), this_period)


@report_route(router, "/chapters/{chapter_id}/traffic-lights", "Every member's scorecard (traffic lights)")
async def traffic_lights(chapter_id: str, period: LightsPeriod, asked: Asked) -> Response:
    return await asked.answer(chapter_id, "traffic-lights",
                              lambda start, end: scorecards(asked.reader, chapter_id, start, end), period.window,
                              cache=False)


@report_route(router, "/chapters/{chapter_id}/members/{member_id}/scorecard", "A member's scorecard")
async def scorecard(chapter_id: str, member_id: str, period: LightsPeriod, asked: Asked) -> Response:
    def own_only() -> None:
        if not asked.who.can_lead(chapter_id) and asked.who.member_id != member_id:
            raise HTTPException(403, "members see their own scorecard only")

    async def card(start: date, end: date) -> Report:
        report = await scorecards(asked.reader, chapter_id, start, end, member_id)
        if not report["scorecards"]:
            raise HTTPException(404, "no such member in this chapter for the window")
        return report

    return await asked.answer(chapter_id, "scorecard", card, period.window, leader=False, authorise=own_only,
                              cache=False)


@dataclass(frozen=True)
class LedgerFilter:
    """Which referrals of the window: of a member (given or received), a giver, a receiver, a status..."""

    giver_id: str | None
    receiver_id: str | None
    member_id: str | None
    status: str | None
    referral_type: str | None
    temperature: int | None
    limit: int
    offset: int

    def member_seen_by(self, who: Principal, chapter_id: str) -> str | None:
        """Leaders filter as they like; a member sees their own referrals only."""
        if who.can_lead(chapter_id):
            return self.member_id
        if self.member_id not in (None, who.member_id):
            raise HTTPException(403, "members see their own referrals only")
        return who.member_id


async def ledger_filter(giver_id: str | None = None, receiver_id: str | None = None, member_id: str | None = None,
                        status: str | None = None, referral_type: str | None = None,
                        temperature: int | None = Query(None, ge=1, le=5),
                        limit: int = Query(500, ge=1, le=10_000),
                        offset: int = Query(0, ge=0, le=MAX_BIGINT)) -> LedgerFilter:
    return LedgerFilter(giver_id, receiver_id, member_id, status, referral_type, temperature, limit, offset)


@report_route(router, "/chapters/{chapter_id}/referrals", "The referral ledger (members: their own referrals)")
async def ledger(chapter_id: str, period: Window, only: Annotated[LedgerFilter, Depends(ledger_filter)],
                 asked: Asked) -> Response:
    def referrals(start: date, end: date) -> Awaitable[Report]:
        return ledger_report(asked.reader, chapter_id, start, end, member_id=only.member_seen_by(asked.who, chapter_id),
                             giver_id=only.giver_id, receiver_id=only.receiver_id, status=only.status,
                             referral_type=only.referral_type, temperature=only.temperature, limit=only.limit,
                             offset=only.offset)

    return await asked.answer(chapter_id, "referrals", referrals, period.window, leader=False,
                              authorise=lambda: only.member_seen_by(asked.who, chapter_id), cache=False)


@report_route(router, "/regions/{region}", "Chapters of a region compared")
async def region(region: str, period: Window, fmt: OutputFormat, who: Caller, reader: Reader) -> Response:
    # /regions/{region}.csv and .xlsx land here: the parameter takes the dot
    region = region.removesuffix(".csv").removesuffix(".xlsx")
    if not who.is_admin:
        own = await reader.region_of(who.chapter_id or "")
        if not who.is_leader or own != region:
            raise HTTPException(404, "no such region")
    start, end = await period.window()
    return fmt.render(await region_report(reader, region, start, end), False)
