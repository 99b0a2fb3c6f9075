"""Members' asks: what each member is looking for this month, and the chapter's current asks."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from services.members.adapters import ask_reads
from services.members.domain.errors import NotFound
from services.members.entrypoints.deps import IdempotencyHeader, chapter_today, run, service, visible_chapter
from services.members.service_layer import asks
from shared.contracts.asks import ASK_MAX_LENGTH, AskUpdated
from shared.http_auth import Caller
from shared.http_errors import refusals

router = APIRouter(tags=["asks"])


class AskText(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"text": "Introductions to facility managers of office buildings in Leeds"}]})
    text: str = Field(max_length=4 * ASK_MAX_LENGTH, description=(
        f"What you are looking for this month: 3 to {ASK_MAX_LENGTH} characters once spaces are tidied, no control "
        "characters."))


def _ask(event: AskUpdated) -> dict[str, Any]:
    return {"member_id": event.member_id, "text": event.text, "asked_on": event.asked_on}


@router.put("/chapters/{chapter_id}/members/{member_id}/ask", status_code=200,
            responses=refusals(403, _403="Members write their own ask only."))
async def put_ask(request: Request, chapter_id: str, member_id: str, body: AskText, principal: Caller,
                  idempotency_key: IdempotencyHeader = None) -> JSONResponse:
    """Set my ask (the member, as themself), dated today in the chapter's time zone. It replaces the previous
    one; it is shown to the chapter for 45 days (then it is stale: save it again to renew it)."""
    return await run(request, principal,
                     lambda uow: asks.write_ask(uow, chapter_id=chapter_id, member_id=member_id, text=body.text),
                     _ask, idempotency_key, status_code=200)


@router.delete("/chapters/{chapter_id}/members/{member_id}/ask", status_code=200,
               responses=refusals(403, _403="Members clear their own ask; leaders may clear anyone's."))
async def delete_ask(request: Request, chapter_id: str, member_id: str, principal: Caller,
                     idempotency_key: IdempotencyHeader = None) -> JSONResponse:
    """Clear an ask: the member's own, or (leaders) one that should not be shown to the chapter."""
    return await run(request, principal,
                     lambda uow: asks.remove_ask(uow, chapter_id=chapter_id, member_id=member_id),
                     _ask, idempotency_key, status_code=200)


@router.get("/chapters/{chapter_id}/members/{member_id}/ask")
async def get_ask(request: Request, chapter_id: str, member_id: str, principal: Caller) -> dict[str, Any]:
    """A member's ask, also when stale (`stale: true`); 404 when they have none."""
    chapter = await visible_chapter(request, principal, chapter_id)
    found = await ask_reads.member_ask(service(request).pool, chapter_id, member_id, chapter_today(request, chapter))
    if found is None:
        raise NotFound(f"member {member_id} has no ask")
    return found


@router.get("/chapters/{chapter_id}/asks")
async def chapter_asks(request: Request, chapter_id: str, principal: Caller,
                       include_stale: bool = False) -> list[dict[str, Any]]:
    """The current members' asks, the newest first, with who asked and their business. Asks older than
    45 days (`FRESH_DAYS`) are stale and left out (`include_stale=true` adds them, marked `stale: true`)."""
    chapter = await visible_chapter(request, principal, chapter_id)
    return await ask_reads.chapter_asks(service(request).pool, chapter_id, chapter_today(request, chapter),
                                        include_stale)
