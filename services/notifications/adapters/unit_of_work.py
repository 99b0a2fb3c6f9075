"""The unit of work on PostgreSQL: one pooled connection, one transaction, the repositories on it."""

from __future__ import annotations

from datetime import datetime
from types import TracebackType
from typing import Self

import asyncpg
from asyncpg.transaction import Transaction

from services.notifications.adapters import postgres as db
from services.notifications.adapters.feed import PostgresFeeds
from services.notifications.adapters.webhooks import PostgresSubscriptions
from services.notifications.domain.preferences import ChapterSettings, Preferences


class PostgresPreferences:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def get(self, member_id: str, *, lock: bool = False) -> Preferences:
        if lock:
            await db.lock_preferences(self.conn, member_id)
        return await db.preferences(self.conn, member_id)

    async def save(self, member_id: str, preferences: Preferences, now: datetime) -> None:
        await db.save_preferences(self.conn, member_id, preferences, now)


class PostgresChapterSettings:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def get(self, chapter_id: str) -> ChapterSettings:
        return await db.chapter_settings(self.conn, chapter_id)

    async def save(self, chapter_id: str, settings: ChapterSettings) -> None:
        await db.save_chapter_settings(self.conn, chapter_id, settings)


class PostgresUnitOfWork:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def __aenter__(self) -> Self:
        self.conn: asyncpg.Connection = await self.pool.acquire()
        self._transaction: Transaction = self.conn.transaction()
        await self._transaction.start()
        self._open = True
        self.subscriptions = PostgresSubscriptions(self.conn)
        self.preferences = PostgresPreferences(self.conn)
        self.chapter_settings = PostgresChapterSettings(self.conn)
        self.feeds = PostgresFeeds(self.conn)
        return self

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None,
                        trace: TracebackType | None) -> None:
        try:
            if self._open:  # not committed: nothing of it stays
                await self._transaction.rollback()
        finally:
            await self.pool.release(self.conn)

    async def commit(self) -> None:
        self._open = False  # a COMMIT that fails ends the transaction too: nothing left to roll back
        await self._transaction.commit()
