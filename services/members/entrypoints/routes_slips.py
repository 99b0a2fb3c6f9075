"""Closed business (TYFCB), one-to-ones and CEUs."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from services.members.adapters import read_models
from services.members.domain.errors import NotFound
from services.members.entrypoints import bodies
from services.members.entrypoints.deps import IdempotencyHeader, Paging, paged, run, service, visible_chapter
from services.members.service_layer import slips
from services.members.service_layer.commands import RecordCeu, RecordOneToOne, ReportClosedBusiness, Verdict
from shared.http_auth import Caller

router = APIRouter(tags=["closed business, one-to-ones, CEUs"])


@router.post("/chapters/{chapter_id}/closed-business", status_code=201)
async def report_closed_business(request: Request, chapter_id: str, body: ReportClosedBusiness, principal: Caller,
                                 idempotency_key: IdempotencyHeader = None) -> JSONResponse:
    """Thank a member for closed business you got (amount as a decimal string, in the chapter's currency).
    Linked to a referral, the thanked member must be its giver and you its receiver."""
    return await run(request, principal, lambda uow: slips.report_closed_business(body, uow, chapter_id=chapter_id),
                     bodies.closed_business_reported, idempotency_key, grouped=True)


@router.post("/chapters/{chapter_id}/closed-business/{closed_business_id}/verdict", status_code=201)
async def judge_closed_business(request: Request, chapter_id: str, closed_business_id: str, body: Verdict,
                                principal: Caller, idempotency_key: IdempotencyHeader = None) -> JSONResponse:
    """The thanked member confirms the closed business or disputes it (with a reason)."""
    return await run(request, principal,
                     lambda uow: slips.judge_closed_business(body, uow, chapter_id=chapter_id,
                                                           closed_business_id=closed_business_id),
                     bodies.verdict, idempotency_key, grouped=True)


@router.get("/chapters/{chapter_id}/closed-business")
async def list_closed_business(request: Request, response: Response, chapter_id: str, principal: Caller,
                               page: Paging) -> list[dict[str, Any]]:
    """The chapter's closed business, amounts as decimal strings."""
    await visible_chapter(request, principal, chapter_id)
    return paged(request, response, await read_models.closed_business(service(request).pool, chapter_id), page)


@router.get("/chapters/{chapter_id}/closed-business/{closed_business_id}")
async def get_closed_business(request: Request, chapter_id: str, closed_business_id: str,
                              principal: Caller) -> dict[str, Any]:
    """One closed-business slip with its verdict (reported, confirmed or disputed)."""
    await visible_chapter(request, principal, chapter_id)
    rows = await read_models.closed_business(service(request).pool, chapter_id, closed_business_id)
    if not rows:
        raise NotFound(f"no closed business {closed_business_id} in this chapter")
    return rows[0]


@router.post("/chapters/{chapter_id}/one-to-ones", status_code=201)
async def record_one_to_one(request: Request, chapter_id: str, body: RecordOneToOne, principal: Caller,
                            idempotency_key: IdempotencyHeader = None) -> JSONResponse:
    """Report a one-to-one with another member. Reported by both, it is one meeting
    (`already_recorded: true` on the second report)."""
    return await run(request, principal,
                     lambda uow: slips.one_to_one(body, uow, chapter_id=chapter_id), bodies.one_to_one,
                     idempotency_key, grouped=True)


@router.get("/chapters/{chapter_id}/one-to-ones")
async def list_one_to_ones(request: Request, response: Response, chapter_id: str, principal: Caller,
                           page: Paging) -> list[dict[str, Any]]:
    """The chapter's one-to-ones, each meeting once."""
    await visible_chapter(request, principal, chapter_id)
    return paged(request, response, await read_models.one_to_ones(service(request).pool, chapter_id), page)


@router.post("/chapters/{chapter_id}/ceus", status_code=201)
async def record_ceu(request: Request, chapter_id: str, body: RecordCeu, principal: Caller,
                     idempotency_key: IdempotencyHeader = None) -> JSONResponse:
    """Record an education credit (a training, a podcast, a book) for yourself."""
    return await run(request, principal,
                     lambda uow: slips.ceu(body, uow, chapter_id=chapter_id), bodies.ceu, idempotency_key, grouped=True)


@router.get("/chapters/{chapter_id}/ceus")
async def list_ceus(request: Request, response: Response, chapter_id: str, principal: Caller,
                    page: Paging) -> list[dict[str, Any]]:
    """The chapter's education credits."""
    await visible_chapter(request, principal, chapter_id)
    return paged(request, response, await read_models.ceus(service(request).pool, chapter_id), page)
