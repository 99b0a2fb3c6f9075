"""What the report routes share: the reader, the query parameters every report takes, and the one way a
chapter's report is answered (chapter check → freshness wait → window → format → cache)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response

from services.referrals.adapters import report_settings
from services.referrals.config import WINDOW
from services.referrals.domain.chapter_lights import WindowKind, completed_months
from services.referrals.domain.windows import default_window
from services.referrals.entrypoints.rendering import RenderedReports, render
from services.referrals.service_layer.reports.reader import Report, ReportReader
from shared.auth import Principal
from shared.http_auth import Caller
from shared.http_errors import invalid_field

MAX_WAIT_MS = 10_000
MAX_BIGINT = 2**63 - 1
"""The largest number PostgreSQL takes for a position or an offset: beyond it a query would fail (500), so
the parameter is refused (422) instead."""

# The dependencies are `async def` though they do not wait: FastAPI runs a plain `def` in its thread pool,
# a thread hop per dependency on every report request.


async def reader(request: Request) -> ReportReader:
    found: ReportReader = request.app.state.reader
    return found


Reader = Annotated[ReportReader, Depends(reader)]


async def visible_chapter(reader: ReportReader, who: Principal, chapter_id: str, leader: bool = True) -> None:
    """Other chapters (and unknown ones) are 404; a plain member asking a leaders' report is 403."""
    if not who.belongs_to(chapter_id) or not await reader.known(chapter_id):
        raise HTTPException(404, "no such chapter")
    if leader and not who.can_lead(chapter_id):
        raise HTTPException(403, "leaders only (president, vice-president, secretary)")


@dataclass(frozen=True)
class Period:
    """`from`/`to` as asked (ISO dates, inclusive); default the last six months ending today."""

    from_: date | None
    to: date | None

    async def window(self) -> tuple[date, date]:
        """[from, to]: `to` defaults to today, `from` to six months before `to`; 422 when from > to."""
        end = self.to or date.today()
        try:
            start = self.from_ or default_window(end, WINDOW)[0]
        except OverflowError:  # six months before 0001-01-01
            raise invalid_field("query", "to", f"to ({self.to}) is too early for a six-month window") from None
        if start > end:
            raise invalid_field("query", "from", f"from ({start}) is after to ({end})")
        return start, end


async def period(from_: date | None = Query(None, alias="from"), to: date | None = None) -> Period:
    return Period(from_, to)


Window = Annotated[Period, Depends(period)]


KIND = Query(None, description="`rolling`: the six months ending `to`; `completed`: the six calendar months "
                               "completed before `to`'s month (default: the chapter's setting, else rolling)")


@dataclass(frozen=True)
class LightsWindow:
    """The window of a chapter's lights: `from`/`to` as asked, or the kind of window the chapter chose."""

    period: Period
    kind: WindowKind

    async def window(self) -> tuple[date, date]:
        if self.kind == "completed":
            if self.period.from_ is not None:
                raise invalid_field("query", "from", "a completed-months window is set by `to` alone")
            return completed_months(self.period.to or date.today())
        return await self.period.window()


async def lights_window(request: Request, chapter_id: str, from_: date | None = Query(None, alias="from"),
                        to: date | None = None, window_kind: WindowKind | None = KIND) -> LightsWindow:
    kind = window_kind or await report_settings.lights_window(request.app.state.reader.pool, chapter_id)
    return LightsWindow(Period(from_, to), kind)


LightsPeriod = Annotated[LightsWindow, Depends(lights_window)]


@dataclass(frozen=True)
class Format:
    """JSON, CSV (`?format=csv` or a `.csv` suffix) of one table (`?table=`, default the first), or an
    Excel workbook (`?format=xlsx` or `.xlsx`) of every table (or the one `?table=` names)."""

    fmt: str | None
    table: str | None

    def render(self, report: Report, stale: bool) -> Response:
        return render(report, self.fmt, self.table, stale)


async def output_format(request: Request, format: str | None = None, table: str | None = None) -> Format:
    suffix = request.url.path.rpartition(".")[2]
    if format is not None and format not in ("json", "csv", "xlsx"):
        raise invalid_field("query", "format", "format must be json, csv or xlsx")
    return Format(suffix if suffix in ("csv", "xlsx") else format, table)


OutputFormat = Annotated[Format, Depends(output_format)]


async def freshness(
        min_position: int | None = Query(None, ge=0, le=MAX_BIGINT,
                                         description="members-store position to wait for (read-your-writes)"),
        wait_ms: int = Query(2000, ge=0, le=MAX_WAIT_MS, description="how long to wait for it, in ms"),
) -> tuple[int | None, int]:
    return min_position, wait_ms


@dataclass(frozen=True)
class ChapterReport:
    """A request for one of a chapter's reports, and how it is answered."""

    request: Request
    who: Principal
    reader: ReportReader
    format: Format
    wait: tuple[int | None, int]  # (min_position, wait_ms): read-your-writes

    async def stale(self) -> bool:
        """True when the awaited members-store position was not applied in time."""
        position, wait_ms = self.wait
        return position is not None and not await self.reader.wait_for(position, wait_ms)

    async def answer(self, chapter_id: str, name: str, compute: Callable[[date, date], Awaitable[Report]],
                     window: Callable[[], Awaitable[tuple[date, date]]], *, leader: bool = True,
                     authorise: Callable[[], object] | None = None, cache: bool = True) -> Response:
        """Chapter check (and `authorise`, the route's own refusal), freshness wait, window, then the
        report `compute(start, end)` rendered, or the kept rendering of the same data version."""
        await visible_chapter(self.reader, self.who, chapter_id, leader)
        if authorise is not None:
            authorise()
        stale = await self.stale()
        start, end = await window()

        async def make() -> Response:
            return self.format.render(await compute(start, end), stale)

        if not cache:
            return await make()
        rendered: RenderedReports = self.request.app.state.rendered
        key = (name, chapter_id, start, end, self.format.fmt, self.format.table, stale,
               await self.reader.version(chapter_id))
        # the same test as the gzip middleware's: a kept compression is served instead of compressing again
        return await rendered.get(key, make, gzip="gzip" in self.request.headers.get("accept-encoding", ""))


async def chapter_report(request: Request, who: Caller, reader: Reader, format: OutputFormat,
                   wait: Annotated[tuple[int | None, int], Depends(freshness)]) -> ChapterReport:
    return ChapterReport(request, who, reader, format, wait)


Asked = Annotated[ChapterReport, Depends(chapter_report)]

Endpoint = Callable[..., Awaitable[Response]]


def report_route(router: APIRouter, path: str, summary: str) -> Callable[[Endpoint], Endpoint]:
    """GET `path`, and `path.csv` / `path.xlsx` for the same report as CSV or a workbook."""

    def decorate(fn: Endpoint) -> Endpoint:
        router.get(path, summary=summary)(fn)
        router.get(path + ".csv", summary=summary + " (CSV)", include_in_schema=False)(fn)
        router.get(path + ".xlsx", summary=summary + " (Excel)", include_in_schema=False)(fn)
        return fn

    return decorate
