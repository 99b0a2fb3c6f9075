"""The weekly meeting: attendance and visitors (whose name and business can be erased)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from services.members.adapters import read_models
from services.members.entrypoints import bodies
from services.members.entrypoints.deps import IdempotencyHeader, Paging, paged, run, service, visible_chapter
from services.members.service_layer import meetings
from services.members.service_layer.commands import InviteVisitor, RecordAttendance, VisitorStep
from shared.http_auth import Caller

router = APIRouter(tags=["meetings and visitors"])


@router.post("/chapters/{chapter_id}/meetings/{meeting_date}/attendance", status_code=201)
async def record_attendance(request: Request, chapter_id: str, meeting_date: date, body: RecordAttendance,
                            principal: Caller, idempotency_key: IdempotencyHeader = None) -> JSONResponse:
    """Record the meeting's marks, P / A / L / M / S (leaders). A later mark for the same member and meeting
    corrects the earlier one. Absences in a rolling six months show on each member."""
    return await run(request, principal,
                     lambda uow: meetings.attendance(body, uow, chapter_id=chapter_id, meeting_date=meeting_date),
                     lambda events: bodies.attendance(meeting_date, events), idempotency_key)


@router.get("/chapters/{chapter_id}/meetings/{meeting_date}/attendance")
async def get_attendance(request: Request, response: Response, chapter_id: str, meeting_date: date,
                         principal: Caller, page: Paging) -> list[dict[str, Any]]:
    """The marks recorded for one meeting."""
    await visible_chapter(request, principal, chapter_id)
    return paged(request, response, await read_models.attendance(service(request).pool, chapter_id, meeting_date),
                 page)


@router.post("/chapters/{chapter_id}/visitors", status_code=201)
async def invite_visitor(request: Request, chapter_id: str, body: InviteVisitor, principal: Caller,
                         idempotency_key: IdempotencyHeader = None) -> JSONResponse:
    """Invite a visitor; the invitation is credited to you."""
    return await run(request, principal, lambda uow: meetings.invite_visitor(body, uow, chapter_id=chapter_id),
                     bodies.visitor_invited, idempotency_key)


@router.post("/chapters/{chapter_id}/visitors/{visitor_id}/steps", status_code=201)
async def visitor_step(request: Request, chapter_id: str, visitor_id: str, body: VisitorStep, principal: Caller,
                       idempotency_key: IdempotencyHeader = None) -> JSONResponse:
    """The visitor attended a meeting or applied (the inviter or a leader). Becoming a member happens by
    adding the member with `visitor_id`."""
    return await run(request, principal,
                     lambda uow: meetings.visitor_step(body, uow, chapter_id=chapter_id, visitor_id=visitor_id),
                     bodies.visitor_step, idempotency_key)


@router.post("/chapters/{chapter_id}/visitors/{visitor_id}/erase", status_code=201,
             responses={403: {"description": "Only the inviter or a leader erases a visitor's data."},
                        404: {"description": "No such visitor in this chapter."}})
async def erase_visitor(request: Request, chapter_id: str, visitor_id: str, principal: Caller,
                        idempotency_key: IdempotencyHeader = None) -> JSONResponse:
    """Erase the visitor's name and business (the inviter or a leader): their key is deleted, so every copy
    of the sealed data, in this service, on Kafka and in every subscriber, becomes unreadable. The visitor's
    steps and every count stay. Erasing again changes nothing."""
    return await run(request, principal,
                     lambda uow: meetings.erase_visitor(uow, chapter_id=chapter_id, visitor_id=visitor_id),
                     bodies.visitor_erased, idempotency_key)


@router.get("/chapters/{chapter_id}/visitors")
async def list_visitors(request: Request, response: Response, chapter_id: str, principal: Caller,
                        page: Paging) -> list[dict[str, Any]]:
    """Visitors with their inviter (who gets the credit) and how far they got. An erased visitor's name and
    business are null, with `visitor_erased` true."""
    await visible_chapter(request, principal, chapter_id)
    return paged(request, response, await read_models.visitors(service(request).pool, chapter_id), page)
