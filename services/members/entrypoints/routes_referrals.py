"""Referral slips: give, move through the status pipeline, read, erase the prospect's data."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from services.members.adapters import read_models
from services.members.domain.errors import Forbidden, NotFound
from services.members.entrypoints import bodies
from services.members.entrypoints.deps import (
    IdempotencyHeader,
    Paging,
    is_leader,
    paged,
    run,
    service,
    visible_chapter,
)
from services.members.service_layer import slips
from services.members.service_layer.commands import ChangeStatus, GiveReferral
from shared.http_auth import Caller
from shared.http_errors import refusals

router = APIRouter(tags=["referrals"])


@router.post("/chapters/{chapter_id}/referrals", status_code=201)
async def give_referral(request: Request, chapter_id: str, body: GiveReferral, principal: Caller,
                        idempotency_key: IdempotencyHeader = None) -> JSONResponse:
    """Give a referral, as yourself, to another active member of your chapter. The prospect's contact
    details are sealed with a per-prospect key before they are recorded. Leaders keying in a member's paper
    slip name that member in `on_behalf_of` (the event records both; the member is told); for anyone else
    `on_behalf_of` another member is 403."""
    return await run(request, principal, lambda uow: slips.give_referral(body, uow, chapter_id=chapter_id),
                     bodies.referral_given, idempotency_key, grouped=True)


@router.post("/chapters/{chapter_id}/referrals/{referral_id}/status", status_code=200,
             responses=refusals(409, 403, _409="Illegal step; the message names the current status.",
                                _403="Only the receiver moves a referral."))
async def change_status(request: Request, chapter_id: str, referral_id: str, body: ChangeStatus,
                        principal: Caller, idempotency_key: IdempotencyHeader = None) -> JSONResponse:
    """The receiver moves the referral: given → accepted → contacted → won / lost, or declined (with a
    reason) from given or accepted."""
    return await run(request, principal,
                     lambda uow: slips.change_status(body, uow, chapter_id=chapter_id, referral_id=referral_id),
                     bodies.status_changed, idempotency_key, status_code=200, grouped=True)


@router.get("/chapters/{chapter_id}/referrals")
async def list_referrals(request: Request, response: Response, chapter_id: str, principal: Caller,
                         page: Paging) -> list[dict[str, Any]]:
    """Leaders see the chapter's referrals; a member sees those they gave or received. No prospect data."""
    await visible_chapter(request, principal, chapter_id)
    party = None if await is_leader(request, principal, chapter_id) else principal.member_id
    return paged(request, response, await read_models.referrals(service(request).pool, chapter_id, party), page)


@router.get("/chapters/{chapter_id}/referrals/{referral_id}")
async def get_referral(request: Request, chapter_id: str, referral_id: str, principal: Caller) -> dict[str, Any]:
    """A referral with its dated steps. Giver and receiver see the prospect's details (until erased);
    leaders see the referral without them."""
    await visible_chapter(request, principal, chapter_id)
    pool = service(request).pool
    found = await read_models.referral(pool, chapter_id, referral_id, decrypt=False)
    if found is None:
        raise NotFound(f"no referral {referral_id} in this chapter")
    party = principal.member_id in (found["giver_id"], found["receiver_id"])
    if not party and not await is_leader(request, principal, chapter_id):
        raise Forbidden("only the giver, the receiver and the chapter's leaders see a referral")
    if party:
        found = await read_models.referral(pool, chapter_id, referral_id, decrypt=True)
    assert found is not None
    return found


@router.post("/chapters/{chapter_id}/referrals/{referral_id}/prospect-erasure", status_code=201)
async def erase_prospect(request: Request, chapter_id: str, referral_id: str, principal: Caller,
                         idempotency_key: IdempotencyHeader = None) -> JSONResponse:
    """Erase the prospect's personal data (the giver or a leader): its key is deleted, so every copy of
    the sealed data, in this service, on Kafka and in every subscriber, becomes unreadable. Counts stay."""
    return await run(request, principal,
                     lambda uow: slips.erase_prospect(uow, chapter_id=chapter_id, referral_id=referral_id),
                     bodies.prospect_erased, idempotency_key, grouped=True)
