"""What the HTTP use cases need from storage, as protocols: PostgreSQL implements them
(`adapters/unit_of_work.py`), the unit tests fake them.

A unit of work is one transaction: `async with uow:` begins it, `await uow.commit()` keeps what was done,
leaving without committing throws it away."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, Self

from services.notifications.domain.feed import FeedEntry
from services.notifications.domain.preferences import ChapterSettings, Preferences
from services.notifications.domain.webhooks import Subscription, WebhookDelivery


class Subscriptions(Protocol):
    async def add(self, subscription: Subscription) -> None: ...

    async def get(self, chapter_id: str, subscription_id: uuid.UUID, *, lock: bool = False
                  ) -> Subscription | None:
        """`lock`: held until the unit of work ends, so the dispatcher cannot change it meanwhile."""

    async def in_chapter(self, chapter_id: str) -> list[Subscription]: ...

    async def save(self, subscription: Subscription) -> None: ...

    async def requeue_failed(self, subscription_id: uuid.UUID, now: datetime) -> int:
        """Make the subscription's failed deliveries pending again, due now, attempts counted anew."""

    async def deliveries(self, subscription_id: uuid.UUID, status: str | None, limit: int
                         ) -> list[WebhookDelivery]: ...


class MemberPreferences(Protocol):
    async def get(self, member_id: str, *, lock: bool = False) -> Preferences: ...

    async def save(self, member_id: str, preferences: Preferences, now: datetime) -> None: ...


class ChapterSettingsBook(Protocol):
    async def get(self, chapter_id: str) -> ChapterSettings: ...

    async def save(self, chapter_id: str, settings: ChapterSettings) -> None: ...


class Feeds(Protocol):
    async def entries(self, member_id: str, unread_only: bool, limit: int) -> list[FeedEntry]: ...

    async def unread(self, member_id: str) -> int: ...

    async def mark_read(self, member_id: str, delivery_id: uuid.UUID, now: datetime) -> bool:
        """False when the member has no such feed item."""

    async def mark_all_read(self, member_id: str, now: datetime) -> None: ...

    async def member_name(self, member_id: str) -> str | None: ...

    async def chapter(self, chapter_id: str) -> Mapping[str, Any] | None: ...

    async def names(self, chapter_id: str) -> dict[str, str]: ...


class UnitOfWork(Protocol):
    # read-only (properties), so an implementation may hold its own repository types
    @property
    def subscriptions(self) -> Subscriptions: ...

    @property
    def preferences(self) -> MemberPreferences: ...

    @property
    def chapter_settings(self) -> ChapterSettingsBook: ...

    @property
    def feeds(self) -> Feeds: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None,
                        trace: TracebackType | None) -> None: ...

    async def commit(self) -> None: ...
