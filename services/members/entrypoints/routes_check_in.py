"""QR check-in at the weekly meeting: the leader's screen shows a code that changes every 30 seconds, a member's
phone posts it and the member is marked present."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from services.members.domain.check_in import SLOT_SECONDS
from services.members.entrypoints.deps import IdempotencyHeader, run, service
from services.members.service_layer import check_in
from services.members.service_layer.commands import CheckIn
from services.members.service_layer.transaction import in_transaction
from shared.contracts.members import AttendanceRecorded
from shared.http_auth import Caller
from shared.http_errors import refusals

router = APIRouter(tags=["meetings and visitors"])


@router.get("/chapters/{chapter_id}/meetings/check-in-code",
            responses=refusals(403, 409, _403="Leaders only.", _409="No meeting is on (outside the check-in window)."))
async def check_in_code(request: Request, chapter_id: str, principal: Caller) -> JSONResponse:
    """The check-in code to show as a QR code now (leaders). It changes every 30 seconds (`expires_at`) and exists
    only from 30 minutes before the meeting to 2 hours after its start (`MEMBERS_CHECK_IN_BEFORE_MINUTES`,
    `MEMBERS_CHECK_IN_AFTER_MINUTES`); `url` opens the member app's check-in with it."""
    svc = service(request)
    issued = await in_transaction(
        svc.pool, principal, lambda uow: check_in.current_code(uow, chapter_id=chapter_id,
                                                               window=request.app.state.check_in_window),
        clock=request.app.state.clock, token_secret=svc.settings.token_secret)
    base = svc.settings.members_public_url.rstrip("/")
    body = {"code": issued.code, "meeting_date": issued.meeting_date.isoformat(),
            "expires_at": issued.expires_at.isoformat(), "slot_seconds": SLOT_SECONDS,
            "url": f"{base}/app/check-in#chapter={quote(chapter_id, safe='')}&code={issued.code}"}
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


def _checked_in(event: AttendanceRecorded) -> dict[str, Any]:
    return {"meeting_date": event.meeting_date, "member_id": event.member_id, "mark": event.mark}


@router.post("/chapters/{chapter_id}/meetings/check-in", status_code=201,
             responses=refusals(403, 409, _403="Not a member of this chapter.", _409="No meeting is on now."))
async def check_in_member(request: Request, chapter_id: str, body: CheckIn, principal: Caller,
                          idempotency_key: IdempotencyHeader = None) -> JSONResponse:
    """Check in with the code on the leader's screen (a member, as themself): marked present (P) at the meeting
    that is on. A code of another chapter or meeting, or older than one change, is 422 naming `code`."""
    return await run(request, principal,
                     lambda uow: check_in.scan(body.code, uow, chapter_id=chapter_id,
                                               window=request.app.state.check_in_window),
                     _checked_in, idempotency_key)
