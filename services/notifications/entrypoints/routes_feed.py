"""HTTP: a member's in-app feed."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request, Response
from pydantic import BaseModel, ConfigDict

from services.notifications.entrypoints.deps import Work, now, own
from services.notifications.service_layer import feed as feeds
from shared.http_auth import Caller

router = APIRouter(tags=["feed"])


class FeedItem(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: str
    title: str
    body: str
    created_at: datetime
    read: bool
    data: dict[str, Any]


class Feed(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    unread: int
    items: list[FeedItem]


@router.get("/members/{member_id}/feed", response_model=Feed)
async def feed(member_id: str, who: Caller, uow: Work, unread_only: bool = False,
               limit: int = Query(50, ge=1, le=500)) -> Feed:
    own(who, member_id)
    return Feed.model_validate(await feeds.feed(feeds.ReadFeed(member_id, unread_only, limit), uow))


@router.post("/members/{member_id}/feed/{item_id}/read", status_code=204)
async def mark_read(request: Request, member_id: str, item_id: uuid.UUID, who: Caller, uow: Work) -> Response:
    own(who, member_id)
    try:
        await feeds.mark_read(member_id, item_id, now(request), uow)
    except feeds.NoSuchFeedItem:
        raise HTTPException(404, f"no feed item {item_id}") from None
    return Response(status_code=204)


@router.post("/members/{member_id}/feed/read", status_code=204)
async def mark_all_read(request: Request, member_id: str, who: Caller, uow: Work) -> Response:
    own(who, member_id)
    await feeds.mark_all_read(member_id, now(request), uow)
    return Response(status_code=204)
