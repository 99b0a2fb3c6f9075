"""The referrals service: projections of the members' events, leaders' reports, the live dashboard.

Reports take `from`/`to` (ISO dates, inclusive; default the last six months ending today) and answer JSON,
or CSV of one table with `?format=csv&table=<name>` (or a `.csv` suffix on the path).

Read-your-writes: `?min_position=N&wait_ms=T` waits (up to T ms, at most 10 s) until the members event
at store position N (the CloudEvent `sequence` extension) is applied. On timeout the report is still
answered, with `"stale": true` in the body and the header `X-Refnet-Stale: true`, never an error.

Weekly slip report (PALMS): `/chapters/{id}/weekly?week=YYYY-MM-DD` (any day of the week; default the
current week in the chapter's time zone). Weeks run Monday to Sunday (ISO weeks), whatever the chapter's
meeting day, so the week's meeting always falls inside it. Slips count in the week they HAPPENED (their
`occurred_on`; attendance: the meeting date), not the week they were typed. Per member: attendance mark at
the week's meeting (P/A/L/M/S; the last meeting if there were two), referrals given (inside / outside /
tier-3) and received, visitors invited and attended, one-to-ones, closed business (TYFCB) credited as giver
(thanked) and as receiver (reported), CEU credits; and lateness: `slips`, `slips_recorded_late` (recorded
more than one day after the day it happened, in the chapter's time zone),
`slips_recorded_unknown` (projected before recorded times were kept), `median_days_late`, `max_days_late`.
A slip counts in the row of every member it involves, so a row's lateness is how late that row's figures
are; the `totals` table counts each slip once; `lateness_by_kind` and `late_slips` break it down. Tables
for CSV: members, totals, lateness_by_kind, late_slips. Leaders and admin only: a plain member gets 403
(their own figures are on their scorecard), other chapters 404.

Tokens: `Authorization: Bearer <token>`; the dashboard page and its event stream also accept
`?token=<token>` because browsers cannot set headers on a page load or an EventSource.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pydantic_core
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from services.referrals.adapters.projection import ReferralsProjection
from services.referrals.adapters.schema import current_schema, ensure_indexes
from services.referrals.domain.reports import TrafficLightScheme, default_window, week_of
from services.referrals.service_layer.daily_review import DailyReview
from services.referrals.service_layer.queries import Reports
from shared.auth import Principal
from shared.contracts.members import members_events
from shared.contracts.referrals import referrals_events
from shared.http_auth import page_caller
from shared.http_errors import invalid_field, refuse_unstorable_text
from shared.runtime import Service
from shared.settings import Settings, load_settings

SQL = Path(__file__).resolve().parent.parent / "sql"
STATIC = Path(__file__).resolve().parent / "static"


def scheme_from_env() -> TrafficLightScheme:
    """Traffic-light bands and weights: REFERRALS_TRAFFIC_LIGHTS (JSON of TrafficLightScheme), else defaults."""
    import os

    raw = os.environ.get("REFERRALS_TRAFFIC_LIGHTS")
    return TrafficLightScheme.model_validate_json(raw) if raw else TrafficLightScheme()


def render(report: dict[str, Any], fmt: str | None, table: str | None, stale: bool) -> Response:
    headers = {"X-Refnet-Stale": "true"} if stale else {}
    if fmt == "csv":
        tables = {k: v for k, v in report.items() if isinstance(v, list)}
        name = table or next(iter(tables), None)
        if name not in tables:
            raise invalid_field("query", "table", f"table must be one of {', '.join(tables)}")
        rows = tables[name]
        out = io.StringIO()
        if rows:
            writer = csv.DictWriter(out, fieldnames=list(rows[0]))
            writer.writeheader()
            for row in rows:
                writer.writerow({k: "" if v is None else (v.isoformat() if isinstance(v, date) else v)
                                 for k, v in row.items()})
        headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return Response(out.getvalue(), media_type="text/csv", headers=headers)
    # encoded once, in Rust (pydantic's encoder: decimals as strings, dates ISO 8601, UTC times with "Z"):
    # a six-month reciprocity report is ~250 KB, and json.dumps with a default hook took 4 ms of it
    content = pydantic_core.to_json({**report, "stale": stale}, inf_nan_mode="null")
    return Response(content, media_type="application/json", headers=headers)


async def _render_async(report: Awaitable[dict[str, Any]], fmt: str | None, table: str | None,
                        stale: bool) -> Response:
    return render(await report, fmt, table, stale)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or load_settings()
    scheme = scheme_from_env()
    service = Service("referrals", settings, migrations=[SQL], publishes=referrals_events)
    projection = ReferralsProjection(scheme=scheme)
    service.consume(projection, [members_events], members_events)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with service.lifespan(app):
            await ensure_indexes(service.pool, await current_schema(service.pool))
            app.state.reports = Reports(service.pool, scheme)
            review = app.state.daily_review = DailyReview(service.pool, projection)
            stop = asyncio.Event()
            reviewing = asyncio.create_task(review.run(stop))
            try:
                yield
            finally:
                stop.set()
                await reviewing

    app = FastAPI(title="refnet referrals", version="1", lifespan=lifespan,
                  description=__doc__)
    app.state.service = service
    app.state.projection = projection

    def reports(request: Request) -> Reports:
        reports: Reports = request.app.state.reports
        return reports

    async def chapter_for(chapter_id: str, who: Principal, rep: Reports, leader: bool = True) -> None:
        """Other chapters (and unknown ones) are 404; a plain member asking a leaders' report is 403."""
        if not who.belongs_to(chapter_id) or await rep.chapter(chapter_id) is None:
            raise HTTPException(404, "no such chapter")
        if leader and not who.can_lead(chapter_id):
            raise HTTPException(403, "leaders only (president, vice-president, secretary)")

    def window(from_: date | None, to: date | None) -> tuple[date, date]:
        start, end = default_window(date.today())
        try:
            start, end = from_ or (start if to is None else default_window(to)[0]), to or end
        except OverflowError:  # six months before 0001-01-01
            raise invalid_field("query", "to", f"to ({to}) is too early for a six-month window") from None
        if start > end:
            raise invalid_field("query", "from", f"from ({start}) is after to ({end})")
        return start, end

    async def fresh(rep: Reports, min_position: int | None, wait_ms: int) -> bool:
        """True when stale (the awaited position was not applied in time)."""
        if min_position is None:
            return False
        return not await rep.wait_for(min_position, min(max(wait_ms, 0), 10_000))

    router = APIRouter()
    Common = Callable[..., Awaitable[Response]]

    # Rendered reports by (report, chapter, window, format, staleness, data version): dashboards refetch the
    # same reports on every change and several leaders look at the same chapter; nothing is served for a
    # version of the data other than the one it was computed from (see Reports.version).
    rendered: OrderedDict[tuple[Any, ...], tuple[bytes, str | None, dict[str, str]]] = OrderedDict()

    async def cached(key: tuple[Any, ...], rep: Reports, chapter_id: str,
                     make: Callable[[], Awaitable[Response]]) -> Response:
        key = (*key, await rep.version(chapter_id))
        hit = rendered.get(key)
        if hit is not None:
            rendered.move_to_end(key)
            return Response(hit[0], media_type=hit[1], headers=hit[2])
        response = await make()
        extra = {k: v for k, v in response.headers.items() if k in ("x-refnet-stale", "content-disposition")}
        rendered[key] = (bytes(response.body), response.media_type, extra)
        while len(rendered) > 256:
            rendered.popitem(last=False)
        return response

    def report_route(path: str, summary: str, leader: bool = True) -> Callable[[Common], Common]:
        def decorate(fn: Common) -> Common:
            router.get(path, summary=summary)(fn)
            router.get(path + ".csv", summary=summary + " (CSV)", include_in_schema=False)(fn)
            return fn
        return decorate

    def fmt_of(request: Request, fmt: str | None) -> str | None:
        return "csv" if request.url.path.endswith(".csv") else fmt

    def windowed_report(name: str, summary: str,
                        compute: Callable[[Reports, str, date, date], Awaitable[dict[str, Any]]]) -> None:
        """A leaders' report over a window of days the slips happened on (default: the last six months)."""

        @report_route(f"/chapters/{{chapter_id}}/{name}", summary)
        async def report(request: Request, chapter_id: str, from_: date | None = Query(None, alias="from"),
                         to: date | None = None, format: str | None = None, table: str | None = None,
                         min_position: int | None = None, wait_ms: int = 2000,
                         who: Principal = Depends(page_caller), rep: Reports = Depends(reports)) -> Response:
            await chapter_for(chapter_id, who, rep)
            stale = await fresh(rep, min_position, wait_ms)
            start, end = window(from_, to)
            fmt = fmt_of(request, format)
            return await cached((name, chapter_id, start, end, fmt, table, stale), rep, chapter_id,
                                lambda: _render_async(compute(rep, chapter_id, start, end), fmt, table, stale))

    windowed_report("reciprocity", "Reciprocity: members, ordered pairs, two-way, dormant", Reports.reciprocity)
    windowed_report("conversion", "Conversion by giver, receiver, pair and temperature", Reports.conversion)
    windowed_report("summary", "Chapter summary", Reports.summary)

    @report_route("/chapters/{chapter_id}/weekly", "Weekly slip report (PALMS) with how late the slips were recorded")
    async def weekly(request: Request, chapter_id: str,
                     week: date | None = Query(None, description="any day of the week (default: the current "
                                               "week in the chapter's time zone)"),
                     format: str | None = None, table: str | None = None,
                     min_position: int | None = None, wait_ms: int = 2000,
                     who: Principal = Depends(page_caller), rep: Reports = Depends(reports)) -> Response:
        await chapter_for(chapter_id, who, rep)
        stale = await fresh(rep, min_position, wait_ms)
        if week is None:
            info = await rep.chapter(chapter_id) or {}
            try:
                zone = ZoneInfo(info.get("timezone") or "UTC")
            except (ZoneInfoNotFoundError, ValueError):
                zone = ZoneInfo("UTC")
            week = datetime.now(UTC).astimezone(zone).date()
        start, end = week_of(week)
        fmt = fmt_of(request, format)
        return await cached(("weekly", chapter_id, start, end, fmt, table, stale), rep, chapter_id,
                            lambda: _render_async(rep.weekly(chapter_id, start, end), fmt, table, stale))

    @report_route("/chapters/{chapter_id}/traffic-lights", "Every member's scorecard (traffic lights)")
    async def traffic_lights(request: Request, chapter_id: str, from_: date | None = Query(None, alias="from"),
                             to: date | None = None, format: str | None = None, table: str | None = None,
                             min_position: int | None = None, wait_ms: int = 2000,
                             who: Principal = Depends(page_caller), rep: Reports = Depends(reports)) -> Response:
        await chapter_for(chapter_id, who, rep)
        stale = await fresh(rep, min_position, wait_ms)
        start, end = window(from_, to)
        return render(await rep.scorecards(chapter_id, start, end), fmt_of(request, format), table, stale)

    @report_route("/chapters/{chapter_id}/members/{member_id}/scorecard", "A member's scorecard", leader=False)
    async def scorecard(request: Request, chapter_id: str, member_id: str,
                        from_: date | None = Query(None, alias="from"), to: date | None = None,
                        format: str | None = None, table: str | None = None,
                        min_position: int | None = None, wait_ms: int = 2000,
                        who: Principal = Depends(page_caller), rep: Reports = Depends(reports)) -> Response:
        await chapter_for(chapter_id, who, rep, leader=False)
        if not who.can_lead(chapter_id) and who.member_id != member_id:
            raise HTTPException(403, "members see their own scorecard only")
        stale = await fresh(rep, min_position, wait_ms)
        start, end = window(from_, to)
        report = await rep.scorecards(chapter_id, start, end, member_id)
        if not report["scorecards"]:
            raise HTTPException(404, "no such member in this chapter for the window")
        return render(report, fmt_of(request, format), table, stale)

    @report_route("/chapters/{chapter_id}/referrals", "The referral ledger (members: their own referrals)",
                  leader=False)
    async def ledger(request: Request, chapter_id: str, from_: date | None = Query(None, alias="from"),
                     to: date | None = None, giver_id: str | None = None, receiver_id: str | None = None,
                     member_id: str | None = None, status: str | None = None, referral_type: str | None = None,
                     temperature: int | None = None, limit: int = Query(500, le=10_000), offset: int = 0,
                     format: str | None = None, table: str | None = None,
                     min_position: int | None = None, wait_ms: int = 2000,
                     who: Principal = Depends(page_caller), rep: Reports = Depends(reports)) -> Response:
        await chapter_for(chapter_id, who, rep, leader=False)
        if not who.can_lead(chapter_id):
            if member_id not in (None, who.member_id):
                raise HTTPException(403, "members see their own referrals only")
            member_id = who.member_id
        stale = await fresh(rep, min_position, wait_ms)
        start, end = window(from_, to)
        report = await rep.ledger(chapter_id, start, end, member_id=member_id, giver_id=giver_id,
                                  receiver_id=receiver_id, status=status, referral_type=referral_type,
                                  temperature=temperature, limit=limit, offset=offset)
        return render(report, fmt_of(request, format), table, stale)

    @report_route("/regions/{region}", "Chapters of a region compared", leader=False)
    async def region(request: Request, region: str, from_: date | None = Query(None, alias="from"),
                     to: date | None = None, format: str | None = None, table: str | None = None,
                     who: Principal = Depends(page_caller), rep: Reports = Depends(reports)) -> Response:
        region = region.removesuffix(".csv")  # /regions/{region}.csv lands here: the parameter takes the dot
        if not who.is_admin:
            own = await rep.region_of(who.chapter_id or "")
            if not who.is_leader or own != region:
                raise HTTPException(404, "no such region")
        start, end = window(from_, to)
        return render(await rep.region(region, start, end), fmt_of(request, format), table, False)

    @router.get("/chapters/{chapter_id}/stream", summary="Server-sent events: `changed` when the chapter's "
                "projection moves (data: the last applied sequence)")
    async def stream(chapter_id: str, request: Request, who: Principal = Depends(page_caller),
                     rep: Reports = Depends(reports)) -> StreamingResponse:
        await chapter_for(chapter_id, who, rep)

        async def events() -> AsyncIterator[str]:
            last = -1
            ticks = 0
            while not await request.is_disconnected():
                current = await rep.last_sequence(chapter_id)
                if current != last:
                    last = current
                    yield f"event: changed\ndata: {current}\n\n"
                elif ticks % 50 == 0:
                    yield ": keep-alive\n\n"
                ticks += 1
                await asyncio.sleep(0.2)

        return StreamingResponse(events(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    @router.get("/chapters/{chapter_id}/dashboard", response_class=HTMLResponse,
                summary="The leaders' live dashboard (token via ?token=)")
    async def dashboard(chapter_id: str, who: Principal = Depends(page_caller),
                        rep: Reports = Depends(reports)) -> HTMLResponse:
        await chapter_for(chapter_id, who, rep)
        page = (STATIC / "dashboard.html").read_text()
        return HTMLResponse(page.replace("__CHAPTER_ID__", json.dumps(chapter_id)),
                            headers={"Cache-Control": "no-store"})

    @router.get("/static/dashboard.js", include_in_schema=False)
    async def dashboard_js() -> Response:
        return Response((STATIC / "dashboard.js").read_text(), media_type="application/javascript")

    @router.get("/health")
    async def health() -> dict[str, Any]:
        report = await service.health()
        async with service.pool.acquire() as conn:
            report["projection_schema"] = await current_schema(conn)
        return report

    app.include_router(router)
    refuse_unstorable_text(app)
    return app
