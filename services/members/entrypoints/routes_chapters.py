"""Chapters, their members, roles, and revoking a session."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from services.members.adapters import read_models
from services.members.domain.errors import NotFound
from services.members.entrypoints import bodies
from services.members.entrypoints.deps import (
    IdempotencyHeader,
    Paging,
    chapter_today,
    paged,
    run,
    service,
    visible_chapter,
)
from services.members.service_layer import chapters
from services.members.service_layer.commands import AddMember, AssignRole, FoundChapter, Leave, Renew, RevokeToken
from services.members.service_layer.sign_in import SignInPolicy
from shared.http_auth import Caller
from shared.http_errors import refusals

router = APIRouter(tags=["chapters and members"])

CONFLICT = refusals(409, _409="Conflicts with the current state; the message names it "
                                "(e.g. \"category 'Accountant' is already held ...\").")


@router.post("/chapters", status_code=201, responses=CONFLICT)
async def found_chapter(request: Request, body: FoundChapter, principal: Caller,
                        idempotency_key: IdempotencyHeader = None) -> JSONResponse:
    """Found a chapter (administrator token only). Returns the chapter with its `chapter_id`."""
    return await run(request, principal, lambda uow: chapters.found_chapter(body, uow), bodies.chapter_founded,
                     idempotency_key)


@router.get("/chapters/{chapter_id}")
async def get_chapter(request: Request, chapter_id: str, principal: Caller) -> dict[str, Any]:
    """The chapter (its members and the administrator)."""
    return await visible_chapter(request, principal, chapter_id)


@router.post("/chapters/{chapter_id}/members", status_code=201, responses=CONFLICT)
async def add_member(request: Request, chapter_id: str, body: AddMember, principal: Caller,
                     idempotency_key: IdempotencyHeader = None) -> JSONResponse:
    """Add a member (leaders). One active member per category: a taken category is 409 naming it.
    The new member is e-mailed a welcome sign-in link; the answer carries no token."""
    welcome = SignInPolicy.of(service(request).settings)
    return await run(request, principal,
                     lambda uow: chapters.add_member(body, uow, chapter_id=chapter_id, welcome=welcome),
                     bodies.member, idempotency_key)


@router.get("/chapters/{chapter_id}/members")
async def list_members(request: Request, response: Response, chapter_id: str, principal: Caller, page: Paging,
                       include_former: bool = False) -> list[dict[str, Any]]:
    """The roster (active members; `include_former=true` adds those who left), a page at a time."""
    await visible_chapter(request, principal, chapter_id)
    return paged(request, response, await read_models.members(service(request).pool, chapter_id, include_former),
                 page)


@router.get("/chapters/{chapter_id}/members/{member_id}")
async def get_member(request: Request, chapter_id: str, member_id: str, principal: Caller) -> dict[str, Any]:
    """One member with their counts, including absences in the rolling six months."""
    chapter = await visible_chapter(request, principal, chapter_id)
    found = await read_models.member(service(request).pool, chapter_id, member_id, chapter_today(request, chapter))
    if found is None:
        raise NotFound(f"no member {member_id} in this chapter")
    return found


@router.post("/chapters/{chapter_id}/members/{member_id}/renewal", status_code=201)
async def renew(request: Request, chapter_id: str, member_id: str, body: Renew, principal: Caller,
                idempotency_key: IdempotencyHeader = None) -> JSONResponse:
    """Renew a membership for a year (leaders)."""
    return await run(request, principal,
                     lambda uow: chapters.renew(body, uow, chapter_id=chapter_id, member_id=member_id),
                     bodies.member, idempotency_key)


@router.post("/chapters/{chapter_id}/members/{member_id}/departure", status_code=201, responses=CONFLICT)
async def leave(request: Request, chapter_id: str, member_id: str, body: Leave, principal: Caller,
                idempotency_key: IdempotencyHeader = None) -> JSONResponse:
    """A member leaves (themselves or a leader), or is dropped (`dropped: true`, leaders only).
    Every token of theirs stops working: here at once, in the other services within seconds."""
    return await run(request, principal,
                     lambda uow: chapters.leave(body, uow, chapter_id=chapter_id, member_id=member_id),
                     bodies.member, idempotency_key)


@router.post("/chapters/{chapter_id}/members/{member_id}/role", status_code=201, responses=CONFLICT)
async def assign_role(request: Request, chapter_id: str, member_id: str, body: AssignRole, principal: Caller,
                      idempotency_key: IdempotencyHeader = None) -> JSONResponse:
    """Appoint a leader or return them to 'member' (administrator only). A leadership role has one holder.
    The sessions of whoever's role changed end (their tokens carry the old role): they sign in again."""
    return await run(request, principal,
                     lambda uow: chapters.assign_role(body, uow, chapter_id=chapter_id, member_id=member_id),
                     bodies.member, idempotency_key)


@router.post("/chapters/{chapter_id}/members/{member_id}/tokens/{token_id}/revocation", status_code=201,
             responses=refusals(409, _409="The token was already revoked; the message says when."))
async def revoke_token(request: Request, chapter_id: str, member_id: str, token_id: str, body: RevokeToken,
                       principal: Caller, idempotency_key: IdempotencyHeader = None) -> JSONResponse:
    """Revoke one session by its id (the member themselves, or a leader): its tokens are refused here at
    once, everywhere within seconds."""
    return await run(request, principal,
                     lambda uow: chapters.revoke_token(body, uow, chapter_id=chapter_id, member_id=member_id,
                                                        token_id=token_id),
                     lambda revoked: bodies.token_revoked(member_id, revoked), idempotency_key)
