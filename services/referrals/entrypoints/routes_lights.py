"""Chapter traffic lights, a region's chapters ranked by theirs, and the window the lights look at: the
rolling six months or the six calendar months completed (chosen per chapter, or per request)."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import Response
from pydantic import BaseModel

from services.referrals.adapters import report_settings
from services.referrals.domain.chapter_lights import WindowKind
from services.referrals.entrypoints.deps import (
    Asked,
    LightsPeriod,
    LightsWindow,
    OutputFormat,
    Period,
    Reader,
    report_route,
    visible_chapter,
)
from services.referrals.service_layer.reports.chapter_lights import chapter_lights, region_lights
from services.referrals.service_layer.reports.next_actions import member_next_actions
from shared.http_auth import Caller

router = APIRouter()



@report_route(router, "/chapters/{chapter_id}/chapter-light",
              "The chapter's traffic light: size, growth, retention, referrals, visitors, conversion, attendance")
async def chapter_light(chapter_id: str, period: LightsPeriod, asked: Asked) -> Response:
    return await asked.answer(chapter_id, f"chapter-light-{period.kind}",
                              lambda start, end: chapter_lights(asked.reader, chapter_id, start, end), period.window)


@report_route(router, "/regions/{region}/lights", "The region's chapters ranked by their traffic lights")
async def region_ranked(region: str, fmt: OutputFormat, who: Caller, reader: Reader,
                        from_: date | None = Query(None, alias="from"), to: date | None = None,
                        window_kind: WindowKind = Query("rolling")) -> Response:
    if not who.is_admin:
        own = await reader.region_of(who.chapter_id or "")
        if not who.is_leader or own != region:
            raise HTTPException(404, "no such region")
    start, end = await LightsWindow(Period(from_, to), window_kind).window()
    rows = await region_lights(reader, region, start, end)
    return fmt.render({"region": region, "window": {"from": start, "to": end, "kind": window_kind},
                       "chapters": rows}, False)


@report_route(router, "/chapters/{chapter_id}/members/{member_id}/next-actions",
              "A member's next best actions: the step that lifts their light most, whom to give back to, "
              "whom they met but never referred, partners gone quiet")
async def member_actions(chapter_id: str, member_id: str, period: LightsPeriod, asked: Asked) -> Response:
    def own_only() -> None:
        if not asked.who.can_lead(chapter_id) and asked.who.member_id != member_id:
            raise HTTPException(403, "members see their own next actions only")

    return await asked.answer(chapter_id, "next-actions",
                              lambda start, end: member_next_actions(asked.reader, chapter_id, member_id, start, end),
                              period.window, leader=False, authorise=own_only, cache=False)


class ReportSettings(BaseModel):
    lights_window: WindowKind


@router.get("/chapters/{chapter_id}/report-settings", summary="The chapter's report settings")
async def read_settings(chapter_id: str, who: Caller, reader: Reader) -> ReportSettings:
    await visible_chapter(reader, who, chapter_id, leader=False)
    return ReportSettings(lights_window=await report_settings.lights_window(reader.pool, chapter_id))


@router.put("/chapters/{chapter_id}/report-settings", summary="Choose the window of the chapter's traffic lights")
async def write_settings(chapter_id: str, body: ReportSettings, who: Caller, reader: Reader) -> ReportSettings:
    await visible_chapter(reader, who, chapter_id)
    await report_settings.set_lights_window(reader.pool, chapter_id, body.lights_window)
    return body
