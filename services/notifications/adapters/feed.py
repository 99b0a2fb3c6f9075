"""The in-app feed in PostgreSQL: a member's feed is their delivery-log rows on the `feed` channel."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import asyncpg

from services.notifications.adapters import postgres as db
from services.notifications.domain.feed import FeedEntry


class PostgresFeeds:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def entries(self, member_id: str, unread_only: bool, limit: int) -> list[FeedEntry]:
        # in the order things happened (`occurred_at`), not the order the topics brought them
        rows = await self.conn.fetch(
            "SELECT * FROM n_deliveries WHERE recipient = $1 AND channel = 'feed'"
            " AND ($2 = false OR read_at IS NULL) ORDER BY occurred_at DESC, seq DESC LIMIT $3",
            member_id, unread_only, limit)
        return [FeedEntry(delivery_id=row["delivery_id"], kind=row["kind"], chapter_id=row["chapter_id"],
                          data=json.loads(row["data"]), created_at=row["created_at"], read=row["read_at"] is not None)
                for row in rows]

    async def unread(self, member_id: str) -> int:
        return int(await self.conn.fetchval("SELECT count(*) FROM n_deliveries WHERE recipient = $1"
                                            " AND channel = 'feed' AND read_at IS NULL", member_id))

    async def mark_read(self, member_id: str, delivery_id: uuid.UUID, now: datetime) -> bool:
        return bool(await self.conn.fetchval(
            "UPDATE n_deliveries SET read_at = coalesce(read_at, $3) WHERE delivery_id = $1 AND recipient = $2"
            " AND channel = 'feed' RETURNING 1", delivery_id, member_id, now))

    async def mark_all_read(self, member_id: str, now: datetime) -> None:
        await self.conn.execute("UPDATE n_deliveries SET read_at = $2 WHERE recipient = $1 AND channel = 'feed'"
                                " AND read_at IS NULL", member_id, now)

    async def member_name(self, member_id: str) -> str | None:
        member = await db.member(self.conn, member_id)
        return None if member is None else str(member["name"])

    async def chapter(self, chapter_id: str) -> Mapping[str, Any] | None:
        row: Mapping[str, Any] | None = await db.chapter(self.conn, chapter_id)
        return row

    async def names(self, chapter_id: str) -> dict[str, str]:
        return await db.names(self.conn, chapter_id)
