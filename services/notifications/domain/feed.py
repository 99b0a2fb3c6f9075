"""The in-app feed: a member's feed rows as stored, and as the member reads them (rendered in the chapter's
language)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class FeedEntry:
    """A feed delivery as logged: what happened (`kind`, `data`), not yet put into words."""

    delivery_id: uuid.UUID
    kind: str
    chapter_id: str
    data: dict[str, Any]
    created_at: datetime
    read: bool


@dataclass(frozen=True)
class FeedItem:
    id: uuid.UUID
    kind: str
    title: str
    body: str
    created_at: datetime
    read: bool
    data: dict[str, Any]


@dataclass(frozen=True)
class Feed:
    unread: int
    items: list[FeedItem]
