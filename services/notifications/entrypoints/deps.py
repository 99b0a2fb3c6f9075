"""What every route of this service reads from its request: the pool, the clock's now, a unit of work, and
the two access rules (a member's own things; a chapter's leaders)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import asyncpg
from fastapi import Depends, HTTPException, Request

from services.notifications.adapters import postgres as db
from services.notifications.adapters.unit_of_work import PostgresUnitOfWork
from services.notifications.service_layer.unit_of_work import UnitOfWork
from shared.auth import LEADER_ROLES, Principal


def pool(request: Request) -> asyncpg.Pool:
    result: asyncpg.Pool = request.app.state.service.pool
    return result


def now(request: Request) -> datetime:
    result: datetime = request.app.state.clock()
    return result


def unit_of_work(request: Request) -> UnitOfWork:
    return PostgresUnitOfWork(pool(request))


Work = Annotated[UnitOfWork, Depends(unit_of_work)]


def own(principal: Principal, member_id: str) -> None:
    """A member's feed and preferences are theirs alone: anyone else gets 404, as if there were none."""
    if not (principal.is_admin or principal.member_id == member_id):
        raise HTTPException(404, f"no member {member_id}")


async def lead(request: Request, principal: Principal, chapter_id: str) -> None:
    """Another chapter is 404 (as if there were none); a member of this one who does not lead it, 403. The
    token's role may be older than a role assigned since: the projected one counts too."""
    if not principal.belongs_to(chapter_id):
        raise HTTPException(404, f"no chapter {chapter_id}")
    if principal.can_lead(chapter_id):
        return
    if await db.role_in_chapter(pool(request), principal.member_id, chapter_id) not in LEADER_ROLES:
        raise HTTPException(403, "only the chapter's leaders may do this")
