"""In-memory stand-ins for the notifications service's repositories and unit of work: the service-layer
handlers run against them with no server."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Mapping
from datetime import datetime
from types import TracebackType
from typing import Any, Self

from services.notifications.domain.feed import FeedEntry
from services.notifications.domain.preferences import ChapterSettings, Preferences
from services.notifications.domain.webhooks import Subscription, WebhookDelivery


@dataclasses.dataclass
class FakeDelivery:
    """A webhook delivery-log row, as much of it as redelivery looks at."""

    subscription_id: uuid.UUID
    status: str
    attempts: int = 1
    next_attempt_at: datetime | None = None
    delivery_id: uuid.UUID = dataclasses.field(default_factory=uuid.uuid4)


class FakeSubscriptions:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, Subscription] = {}
        self.deliveries_log: list[FakeDelivery] = []

    async def add(self, subscription: Subscription) -> None:
        self.rows[subscription.subscription_id] = dataclasses.replace(subscription)

    async def get(self, chapter_id: str, subscription_id: uuid.UUID, *, lock: bool = False) -> Subscription | None:
        row = self.rows.get(subscription_id)
        # a copy, as a database hands out: only `save` changes what is stored
        return dataclasses.replace(row) if row is not None and row.chapter_id == chapter_id else None

    async def in_chapter(self, chapter_id: str) -> list[Subscription]:
        return [dataclasses.replace(s) for s in sorted(self.rows.values(), key=lambda s: s.created_at)
                if s.chapter_id == chapter_id]

    async def save(self, subscription: Subscription) -> None:
        self.rows[subscription.subscription_id] = dataclasses.replace(subscription)

    async def requeue_failed(self, subscription_id: uuid.UUID, now: datetime) -> int:
        again = [d for d in self.deliveries_log if d.subscription_id == subscription_id and d.status == "failed"]
        for d in again:
            d.status, d.attempts, d.next_attempt_at = "pending", 0, now
        return len(again)

    async def deliveries(self, subscription_id: uuid.UUID, status: str | None, limit: int
                         ) -> list[WebhookDelivery]:
        return [WebhookDelivery(delivery_id=d.delivery_id, webhook_id=f"msg_{d.delivery_id.hex}", event_type="t",
                                event_id="e", status=d.status, attempts=d.attempts, next_attempt_at=d.next_attempt_at,
                                last_error=None, created_at=datetime.min, sent_at=None)
                for d in self.deliveries_log
                if d.subscription_id == subscription_id and status in (None, d.status)][:limit]


class FakePreferences:
    def __init__(self) -> None:
        self.rows: dict[str, Preferences] = {}
        self.saved_at: dict[str, datetime] = {}

    async def get(self, member_id: str, *, lock: bool = False) -> Preferences:
        row = self.rows.get(member_id)
        return Preferences() if row is None else dataclasses.replace(row, channels=dict(row.channels))

    async def save(self, member_id: str, preferences: Preferences, now: datetime) -> None:
        self.rows[member_id] = dataclasses.replace(preferences, channels=dict(preferences.channels))
        self.saved_at[member_id] = now


class FakeChapterSettings:
    def __init__(self) -> None:
        self.rows: dict[str, ChapterSettings] = {}

    async def get(self, chapter_id: str) -> ChapterSettings:
        return self.rows.get(chapter_id, ChapterSettings())

    async def save(self, chapter_id: str, settings: ChapterSettings) -> None:
        self.rows[chapter_id] = settings


class FakeFeeds:
    def __init__(self) -> None:
        self.rows: dict[str, list[FeedEntry]] = {}

    async def entries(self, member_id: str, unread_only: bool, limit: int) -> list[FeedEntry]:
        return [e for e in self.rows.get(member_id, []) if not (unread_only and e.read)][:limit]

    async def unread(self, member_id: str) -> int:
        return sum(not e.read for e in self.rows.get(member_id, []))

    async def mark_read(self, member_id: str, delivery_id: uuid.UUID, now: datetime) -> bool:
        entries = self.rows.get(member_id, [])
        found = [i for i, e in enumerate(entries) if e.delivery_id == delivery_id]
        for i in found:
            entries[i] = dataclasses.replace(entries[i], read=True)
        return bool(found)

    async def mark_all_read(self, member_id: str, now: datetime) -> None:
        self.rows[member_id] = [dataclasses.replace(e, read=True) for e in self.rows.get(member_id, [])]

    async def member_name(self, member_id: str) -> str | None:
        return None

    async def chapter(self, chapter_id: str) -> Mapping[str, Any] | None:
        return None

    async def names(self, chapter_id: str) -> dict[str, str]:
        return {}


class FakeUnitOfWork:
    """Commits are counted; what a handler does without committing is still visible (no rollback), so the
    tests check `commits` where it matters."""

    def __init__(self) -> None:
        self.subscriptions = FakeSubscriptions()
        self.preferences = FakePreferences()
        self.chapter_settings = FakeChapterSettings()
        self.feeds = FakeFeeds()
        self.commits = 0

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None,
                        trace: TracebackType | None) -> None:
        return None

    async def commit(self) -> None:
        self.commits += 1
