"""Use cases of the members' asks: set my ask, clear an ask (see `domain/asks.py` for who may)."""

from __future__ import annotations

from services.members.domain.asks import clear_ask, set_ask
from services.members.service_layer.unit_of_work import UnitOfWork
from shared.contracts.asks import AskUpdated


async def write_ask(uow: UnitOfWork, *, chapter_id: str, member_id: str, text: str) -> AskUpdated:
    chapter = await uow.chapter(chapter_id)
    event = set_ask(chapter, uow.principal.member_id, member_id, text, uow.today(chapter))
    await uow.asks.add(chapter_id, member_id, [event])
    return event


async def remove_ask(uow: UnitOfWork, *, chapter_id: str, member_id: str) -> AskUpdated:
    chapter = await uow.chapter(chapter_id)
    event = clear_ask(chapter, uow.principal.member_id, member_id, uow.today(chapter),
                      caller_is_admin=uow.principal.is_admin)
    await uow.asks.add(chapter_id, member_id, [event])
    return event
