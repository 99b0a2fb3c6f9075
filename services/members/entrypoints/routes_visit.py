"""The chapter's public visitor page: a visitor registers for one of the next meetings, no account needed.

`GET /visit/{chapter_id}` is the page (plain HTML, its script and stylesheet from `static/visit/`, under the
edge's strict policy: no inline script, nothing from another origin); `GET /visit/{chapter_id}/details` what it
shows; `POST /visit/{chapter_id}` the registration. Rate-limited per address at the edge
(`REFNET_RATE_VISIT_PER_MINUTE`). A filled-in honeypot field is answered like a registration and records nothing.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from services.members.entrypoints.deps import IdempotencyHeader, run, service
from services.members.service_layer import registration
from services.members.service_layer.registration import Registered, RegisterVisit, visitor_principal
from services.members.service_layer.transaction import in_transaction

router = APIRouter(tags=["visitors' public page"])
STATIC = Path(__file__).resolve().parent / "static" / "visit"
FILES = {"visit.js": "text/javascript", "visit.css": "text/css"}


@lru_cache(maxsize=8)
def _read(name: str) -> bytes:
    return (STATIC / name).read_bytes()


@router.get("/visit/{chapter_id}", include_in_schema=False)
async def visit_page(chapter_id: str) -> Response:
    """The page; it asks for the chapter's details itself (an unknown chapter says so there)."""
    return HTMLResponse(_read("index.html"), headers={"Cache-Control": "no-cache"})


@router.get("/visit-files/{name}", include_in_schema=False)
async def visit_file(name: str) -> Response:
    if name not in FILES:  # a fixed list: no path from the request reaches the file system
        raise HTTPException(404, "no such file")
    return Response(_read(name), media_type=FILES[name], headers={"Cache-Control": "no-cache"})


@router.get("/visit/{chapter_id}/details")
async def visit_details(request: Request, chapter_id: str) -> dict[str, Any]:
    """Public: the chapter's name, language, meeting time and next meeting days, and its active members' names
    with a handle to name one as "who invited me" (never a member's id, address or phone)."""
    svc = service(request)
    secret = svc.settings.token_secret
    return await in_transaction(svc.pool, visitor_principal(chapter_id),
                                lambda uow: registration.page_details(uow, chapter_id, secret),
                                clock=request.app.state.clock, token_secret=secret)


def _answer(registered: Registered) -> dict[str, Any]:
    return {"registered": True, "meeting_date": registered.meeting_date.isoformat()}


@router.post("/visit/{chapter_id}", status_code=201)
async def register_visit(request: Request, chapter_id: str, body: RegisterVisit,
                         idempotency_key: IdempotencyHeader = None) -> JSONResponse:
    """Public: register as a visitor for one of the chapter's next meetings (`meeting_date` from the details).
    The visitor is e-mailed a confirmation, and a reminder two days before the meeting; the member named in
    `invited_by` and the chapter's leaders are told. The same address registering again for the same meeting
    changes nothing (the answer is the same). Errors name the field (422); unknown chapter 404; 429 when an
    address registers too often."""
    if body.website:  # a robot filled the hidden field: it is answered as a person would be, and nothing happens
        return JSONResponse({"registered": True, "meeting_date": body.meeting_date.isoformat()}, status_code=201)
    settings = service(request).settings
    return await run(request, visitor_principal(chapter_id),
                     lambda uow: registration.register(body, uow, chapter_id=chapter_id,
                                                       secret=settings.token_secret,
                                                       contact_keys=settings.token_keys),
                     _answer, idempotency_key)
