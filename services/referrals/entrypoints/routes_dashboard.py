"""The leaders' live dashboard: the page, its script and style, and the event stream that tells it to refetch.

The page is a shell: it needs no token and holds no data, and no token ever goes in its URL. A leader signs in
through the members app (`<members>/app/sign-in`); its HttpOnly, SameSite=Strict session cookies reach this
service too (same site: cookies ignore ports), so the page's script fetches the reports with them, and the
stream ticket (a write) with the `X-CSRF-Token` header too. Access cookies last minutes: on a 401 the page
renews the session at the members service's `POST /sign-in/refresh` with its refresh cookie (named in the
page's `<meta name="refnet-members">`, allowed by this page's `connect-src`, and by the members service's
credentialed CORS for that one route), one renewal at a time; when the session is gone, it opens the sign-in
page. An EventSource cannot send a header, so the stream is opened with a ticket: single use, valid for
seconds (`POST .../stream-tickets`).
"""

from __future__ import annotations

import html
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from services.referrals.adapters import stream_tickets
from services.referrals.adapters.changes import ChapterChanges
from services.referrals.config import ReferralsConfig
from services.referrals.entrypoints.deps import Reader, visible_chapter
from services.referrals.entrypoints.stream_slots import SlotStreamingResponse, StreamSlots
from services.referrals.service_layer.reports.reader import ReportReader
from shared.http_auth import Caller
from shared.http_edge import PAGE_POLICY

STATIC = Path(__file__).resolve().parent / "static"

# No inline script or style on the page (all from /static), so it runs under the strict policy every answer
# gets at the HTTP edge (shared/http_edge.py: no inline script, no framing, no Referer), widened only to let the
# page call the members service.
PAGE_HEADERS = {"Cache-Control": "no-cache"}

router = APIRouter()


class StreamTicket(BaseModel):
    ticket: str = Field(description="opens one stream, once: GET /chapters/{chapter_id}/stream?ticket=...")
    expires_in: int = Field(description="seconds left to open the stream with it")


@router.post("/chapters/{chapter_id}/stream-tickets", status_code=201, summary="A single-use ticket that opens "
             "the chapter's event stream within `expires_in` seconds (leaders and admin)")
async def stream_ticket(chapter_id: str, request: Request, who: Caller, reader: Reader,
                        response: Response) -> StreamTicket:
    await visible_chapter(reader, who, chapter_id)
    config: ReferralsConfig = request.app.state.config
    ticket = await stream_tickets.issue(request.app.state.service.pool, who, chapter_id,
                                        config.stream_ticket_seconds)
    response.headers["Cache-Control"] = "no-store"
    return StreamTicket(ticket=ticket, expires_in=config.stream_ticket_seconds)


@router.get("/chapters/{chapter_id}/stream",
            summary="Server-sent events: `changed` when the chapter's projection moves (data: the last applied "
                    "sequence). Opened with a ticket from `POST /chapters/{chapter_id}/stream-tickets`.")
async def stream(chapter_id: str, request: Request,
                 ticket: str | None = Query(None, max_length=200, description="a stream ticket, used once")
                 ) -> SlotStreamingResponse:
    who = await stream_tickets.take(request.app.state.service.pool, ticket, chapter_id) if ticket else None
    if who is None:
        raise HTTPException(401, "a stream needs a fresh ticket: POST /chapters/{chapter_id}/stream-tickets "
                                 "with your bearer token (tickets work once, for a few seconds)",
                            headers={"WWW-Authenticate": "Bearer"})
    slots: StreamSlots = request.app.state.slots
    release = slots.take(who.member_id or who.token_id, chapter_id)
    changes: ChapterChanges = request.app.state.changes
    reader: ReportReader = request.app.state.reader

    async def events() -> AsyncIterator[str]:
        with changes.watch(chapter_id) as moved:
            last = -1
            while True:
                moved.clear()  # before looking: a change while looking wakes the next wait at once
                current = await reader.last_sequence(chapter_id)
                if current != last:
                    last = current
                    yield f"event: changed\ndata: {current}\n\n"
                else:  # a quiet look (the fallback poll): a comment keeps proxies from closing the stream
                    yield ": keep-alive\n\n"
                await changes.wait(moved)

    return SlotStreamingResponse(events(), release, media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


@router.get("/chapters/{chapter_id}/dashboard", response_class=HTMLResponse,
            summary="The leaders' live dashboard, for a leader signed in through the members app (session cookies)")
async def dashboard(chapter_id: str, request: Request) -> HTMLResponse:
    if {"token", "access_token"} & set(request.query_params):  # an old link: tokens never go in a URL
        raise HTTPException(401, "tokens do not go in a URL (servers log it): sign in through the members app, "
                                 f"then open /chapters/{chapter_id}/dashboard", headers={"WWW-Authenticate": "Bearer"})
    members = members_origin(request.app.state.service.settings.members_public_url)
    page = (STATIC / "dashboard.html").read_text().replace("{{members}}", html.escape(members, quote=True))
    return HTMLResponse(page, headers={**PAGE_HEADERS, "Content-Security-Policy": page_policy(members)})


def members_origin(url: str) -> str:
    """The members service's origin (scheme://host[:port]) from its public URL; empty when it is not one."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c in parts.netloc for c in " ;,'\"<>"):
        return ""
    return f"{parts.scheme}://{parts.netloc}"


def page_policy(members: str) -> str:
    """The edge's strict policy, except that the page may also call the members service (to renew its session)."""
    return PAGE_POLICY.replace("connect-src 'self'", f"connect-src 'self' {members}".rstrip())


@router.get("/static/dashboard.js", include_in_schema=False)
async def dashboard_js() -> Response:
    return Response((STATIC / "dashboard.js").read_text(), media_type="application/javascript",
                    headers={"X-Content-Type-Options": "nosniff"})


@router.get("/static/dashboard-i18n.js", include_in_schema=False)
async def dashboard_texts() -> Response:
    return Response((STATIC / "dashboard-i18n.js").read_text(), media_type="application/javascript",
                    headers={"X-Content-Type-Options": "nosniff"})


@router.get("/static/dashboard.svg", include_in_schema=False)
async def dashboard_icon() -> Response:
    return Response((STATIC / "dashboard.svg").read_text(), media_type="image/svg+xml",
                    headers={"Cache-Control": "max-age=86400"})


@router.get("/static/dashboard.css", include_in_schema=False)
async def dashboard_css() -> Response:
    return Response((STATIC / "dashboard.css").read_text(), media_type="text/css",
                    headers={"X-Content-Type-Options": "nosniff"})
