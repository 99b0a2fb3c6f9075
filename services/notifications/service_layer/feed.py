"""A member's in-app feed: read it (put into words in their chapter's language), mark items read."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from services.notifications.domain.feed import Feed, FeedItem
from services.notifications.domain.rendering import Context, summary
from services.notifications.service_layer.unit_of_work import UnitOfWork


class NoSuchFeedItem(LookupError):
    pass


@dataclass(frozen=True)
class ReadFeed:
    member_id: str
    unread_only: bool = False
    limit: int = 50


async def feed(query: ReadFeed, uow: UnitOfWork) -> Feed:
    async with uow:
        entries = await uow.feeds.entries(query.member_id, query.unread_only, query.limit)
        unread = await uow.feeds.unread(query.member_id)
        name = await uow.feeds.member_name(query.member_id)
        if name is None:
            name = query.member_id
        contexts: dict[str, Context] = {}  # a member's feed spans few chapters: read each one once
        items = []
        for entry in entries:
            ctx = contexts.get(entry.chapter_id)
            if ctx is None:
                ctx = contexts[entry.chapter_id] = Context.in_chapter(
                    name, await uow.feeds.chapter(entry.chapter_id), await uow.feeds.names(entry.chapter_id))
            title, body = summary(entry.kind, entry.data, ctx)
            items.append(FeedItem(id=entry.delivery_id, kind=entry.kind, title=title, body=body,
                                  created_at=entry.created_at, read=entry.read, data=entry.data))
    return Feed(unread=unread, items=items)


async def mark_read(member_id: str, item_id: uuid.UUID, now: datetime, uow: UnitOfWork) -> None:
    """Read once, read for good: the first reading's time stays."""
    async with uow:
        if not await uow.feeds.mark_read(member_id, item_id, now):
            raise NoSuchFeedItem(str(item_id))
        await uow.commit()


async def mark_all_read(member_id: str, now: datetime, uow: UnitOfWork) -> None:
    async with uow:
        await uow.feeds.mark_all_read(member_id, now)
        await uow.commit()
