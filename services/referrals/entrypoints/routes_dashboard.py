"""The leaders' live dashboard: the page, its script, and the event stream that tells it to refetch."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from services.referrals.entrypoints.deps import Reader, visible_chapter
from shared.http_auth import PageCaller

STATIC = Path(__file__).resolve().parent / "static"
POLL_SECONDS = 0.2
KEEP_ALIVE_EVERY = 50  # polls: a comment line every ten seconds keeps proxies from closing the stream

router = APIRouter()


@router.get("/chapters/{chapter_id}/stream", summary="Server-sent events: `changed` when the chapter's "
            "projection moves (data: the last applied sequence)")
async def stream(chapter_id: str, request: Request, who: PageCaller, reader: Reader) -> StreamingResponse:
    await visible_chapter(reader, who, chapter_id)

    async def events() -> AsyncIterator[str]:
        last = -1
        ticks = 0
        while not await request.is_disconnected():
            current = await reader.last_sequence(chapter_id)
            if current != last:
                last = current
                yield f"event: changed\ndata: {current}\n\n"
            elif ticks % KEEP_ALIVE_EVERY == 0:
                yield ": keep-alive\n\n"
            ticks += 1
            await asyncio.sleep(POLL_SECONDS)

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


@router.get("/chapters/{chapter_id}/dashboard", response_class=HTMLResponse,
            summary="The leaders' live dashboard (token via ?token=)")
async def dashboard(chapter_id: str, who: PageCaller, reader: Reader) -> HTMLResponse:
    await visible_chapter(reader, who, chapter_id)
    page = (STATIC / "dashboard.html").read_text()
    return HTMLResponse(page.replace("__CHAPTER_ID__", json.dumps(chapter_id)), headers={"Cache-Control": "no-store"})


@router.get("/static/dashboard.js", include_in_schema=False)
async def dashboard_js() -> Response:
    return Response((STATIC / "dashboard.js").read_text(), media_type="application/javascript")
