"""The referrals service: projections of the members' events, leaders' reports, the live dashboard.

Reports take `from`/`to` (ISO dates, inclusive; default the last six months ending today) and answer JSON,
or CSV of one table with `?format=csv&table=<name>` (or a `.csv` suffix on the path).

Read-your-writes: `?min_position=N&wait_ms=T` waits (up to T ms, 0 to 10000) until the members event
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

Tokens: `Authorization: Bearer <token>`, or a browser's session cookies set by the members service (a token in
a URL is refused: URLs are logged). The dashboard page needs none (it holds no data; a leader signed in through
the members app opens `/chapters/<id>/dashboard`); its event stream is opened with a single-use ticket from
`POST /chapters/<id>/stream-tickets`. At most 3 open streams per member
and 30 per chapter (429 beyond).

CSV cells that people typed and that start like a spreadsheet formula (`=`, `+`, `-`, `@`, tab, CR) are
written with a leading `'`; the JSON has the text as typed.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
from fastapi import FastAPI
from starlette.middleware.gzip import GZipMiddleware

from services.referrals.adapters.changes import ChapterChanges
from services.referrals.adapters.daily_totals import ensure_totals
from services.referrals.adapters.projection import ReferralsProjection
from services.referrals.adapters.schema import SQL, current_schema, ensure_indexes
from services.referrals.config import ReferralsConfig, load_config
from services.referrals.entrypoints import (
    routes_dashboard,
    routes_lights,
    routes_member,
    routes_reports,
)
from services.referrals.entrypoints.rendering import GZIP_INLINE, GZIP_LEVEL, GZIP_MINIMUM, RenderedReports
from services.referrals.entrypoints.stream_slots import StreamSlots
from services.referrals.service_layer.daily_review import DailyReview
from services.referrals.service_layer.reports.reader import ReportReader
from shared.contracts.members import members_events
from shared.contracts.referrals import referrals_events
from shared.cors import CredentialedCors
from shared.http_edge import guard
from shared.http_errors import EDGE_REFUSALS, refuse_unstorable_text
from shared.operations import operate
from shared.runtime import Service
from shared.settings import Settings, load_settings


def create_app(settings: Settings | None = None, config: ReferralsConfig | None = None) -> FastAPI:
    settings = settings or load_settings()
    config = config or load_config()
    service = Service("referrals", settings, migrations=[SQL], publishes=referrals_events)
    projection = ReferralsProjection(scheme=config.traffic_lights, one_sided_threshold=config.one_sided_threshold,
                                     integrity=config.integrity)
    service.consume(projection, [members_events], members_events)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with service.lifespan(app):
            live = await current_schema(service.pool)
            await ensure_indexes(service.pool, live)
            await ensure_totals(service.pool, live)  # a generation from before the daily totals
            changes = app.state.changes = ChapterChanges(settings.service_database_url("referrals"),
                                                         config.changes_poll_seconds)
            app.state.reader = ReportReader(service.pool, config.traffic_lights, changes, config.integrity,
                                            config.chapter_lights)
            review = app.state.daily_review = DailyReview(service.pool, projection)
            stop = asyncio.Event()
            reviewing = asyncio.create_task(review.run(stop))
            listening = asyncio.create_task(changes.run(stop))
            try:
                yield
            finally:
                stop.set()
                await reviewing
                await listening

    app = FastAPI(title="refnet referrals", version="1", lifespan=lifespan, description=__doc__)
    app.state.service = service
    app.state.projection = projection
    app.state.rendered = RenderedReports()
    app.state.config = config
    app.state.slots = StreamSlots(config.streams_per_member, config.streams_per_chapter)
    for module in (routes_reports, routes_lights, routes_member, routes_dashboard):
        app.include_router(module.router, responses=EDGE_REFUSALS)
    refuse_unstorable_text(app)
    # reports are JSON of tens of kilobytes (a phone on a slow network waits for them); event streams stay
    # uncompressed (Starlette leaves text/event-stream alone), and small answers such as stream tickets too
    # (level: see GZIP_LEVEL). Compressed in the event loop up to 512 KiB (Starlette's default hands anything
    # from 128 KiB to a worker thread: a thread hop and two wake-ups per six-month report, which wait longer
    # than the compression on a busy machine); a five-year report (~1 MB) still goes to a thread. Kept reports
    # are served already compressed (`RenderedReports`): the middleware passes those on
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MINIMUM, compresslevel=GZIP_LEVEL,
                       thread_minimum_size=GZIP_INLINE)
    # the member app reads scorecards and balances here with its session cookie: reads only
    app.add_middleware(CredentialedCors, origins=service.settings.app_origin_list, methods=("GET", "HEAD"))
    guard(app, service.settings)  # body and rate limits, security headers: before any route runs

    async def details(pool: asyncpg.Pool) -> dict[str, Any]:
        async with pool.acquire() as conn:
            return {"projection_schema": await current_schema(conn)}  # which projection generation is live

    operate(app, service, details)  # health, metrics, access log: outermost
    return app
