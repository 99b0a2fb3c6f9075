"""Webhook subscriptions and their delivery history in PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from services.notifications.adapters.postgres import WAKE_CHANNEL
from services.notifications.domain.webhooks import Subscription, WebhookDelivery, message_id

_FIELDS = ("subscription_id", "chapter_id", "url", "secret", "owner_member_id", "created_at", "active",
           "failing_since", "disabled_at", "deleted_at")


def subscription(row: asyncpg.Record) -> Subscription:
    return Subscription(event_types=list(row["event_types"]), **{name: row[name] for name in _FIELDS})


def delivery(row: asyncpg.Record) -> WebhookDelivery:
    return WebhookDelivery(
        delivery_id=row["delivery_id"], webhook_id=message_id(row["delivery_id"]), event_type=row["kind"],
        event_id=row["trigger_id"], status=row["status"], attempts=row["attempts"],
        # a failed or sent delivery has no next attempt, whatever its lease left in the column
        next_attempt_at=row["next_attempt_at"] if row["status"] == "pending" else None,
        last_error=row["last_error"], created_at=row["created_at"], sent_at=row["sent_at"])


class PostgresSubscriptions:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def add(self, sub: Subscription) -> None:
        await self.conn.execute(
            "INSERT INTO n_webhooks (subscription_id, chapter_id, url, event_types, secret, owner_member_id,"
            " created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            sub.subscription_id, sub.chapter_id, sub.url, sub.event_types, sub.secret, sub.owner_member_id,
            sub.created_at)

    async def get(self, chapter_id: str, subscription_id: uuid.UUID, *, lock: bool = False) -> Subscription | None:
        row = await self.conn.fetchrow(
            "SELECT * FROM n_webhooks WHERE subscription_id = $1 AND chapter_id = $2"
            + (" FOR UPDATE" if lock else ""), subscription_id, chapter_id)
        return None if row is None else subscription(row)

    async def in_chapter(self, chapter_id: str) -> list[Subscription]:
        rows = await self.conn.fetch("SELECT * FROM n_webhooks WHERE chapter_id = $1 ORDER BY created_at", chapter_id)
        return [subscription(row) for row in rows]

    async def save(self, sub: Subscription) -> None:
        """What the subscription's owner changes (its state); its url, types and secret never change."""
        await self.conn.execute(
            "UPDATE n_webhooks SET active = $2, failing_since = $3, disabled_at = $4, deleted_at = $5"
            " WHERE subscription_id = $1",
            sub.subscription_id, sub.active, sub.failing_since, sub.disabled_at, sub.deleted_at)

    async def requeue_failed(self, subscription_id: uuid.UUID, now: datetime) -> int:
        count = int(await self.conn.fetchval(
            "WITH again AS (UPDATE n_deliveries SET status = 'pending', attempts = 0, next_attempt_at = $2,"
            " last_error = 'redelivery requested' WHERE recipient = $1 AND channel = 'webhook'"
            " AND status = 'failed' RETURNING 1) SELECT count(*) FROM again", str(subscription_id), now))
        if count:
            await self.conn.execute("SELECT pg_notify($1, '')", WAKE_CHANNEL)
        return count

    async def deliveries(self, subscription_id: uuid.UUID, status: str | None, limit: int) -> list[WebhookDelivery]:
        rows = await self.conn.fetch(
            "SELECT * FROM n_deliveries WHERE recipient = $1 AND channel = 'webhook'"
            " AND ($2::text IS NULL OR status = $2) ORDER BY created_at DESC, seq DESC LIMIT $3",
            str(subscription_id), status, limit)
        return [delivery(row) for row in rows]


# --- what the dispatcher reads and writes about a subscription ---------------------------------------

async def row_of(conn: asyncpg.Connection | asyncpg.Pool, recipient: str, *, lock: bool = False
                 ) -> asyncpg.Record | None:
    """The subscription a webhook delivery goes to (its `recipient`); `lock` holds it for the transaction."""
    return await conn.fetchrow("SELECT * FROM n_webhooks WHERE subscription_id = $1::uuid"
                               + (" FOR UPDATE" if lock else ""), recipient)


async def succeeded(conn: asyncpg.Connection | asyncpg.Pool, subscription_id: uuid.UUID) -> None:
    # only when it was failing: every success writing the subscription's row would queue a busy subscription's
    # deliveries behind one another's row lock
    await conn.execute("UPDATE n_webhooks SET failing_since = NULL WHERE subscription_id = $1"
                       " AND failing_since IS NOT NULL", subscription_id)


async def failing(conn: asyncpg.Connection, subscription_id: uuid.UUID, now: datetime) -> datetime | None:
    """Since when an active subscription has been failing (now, if it was not); None when it is not active."""
    since: datetime | None = await conn.fetchval(
        "UPDATE n_webhooks SET failing_since = coalesce(failing_since, $2) WHERE subscription_id = $1"
        " AND active RETURNING failing_since", subscription_id, now)
    return since


async def disable(conn: asyncpg.Connection, subscription_id: uuid.UUID, now: datetime) -> None:
    """Disable it and fail its pending deliveries, so "redeliver" finds them once the receiver is fixed."""
    await conn.execute("UPDATE n_webhooks SET active = false, disabled_at = $2 WHERE subscription_id = $1",
                       subscription_id, now)
    await conn.execute(
        "UPDATE n_deliveries SET status = 'failed', last_error = 'subscription disabled'"
        " WHERE recipient = $1 AND channel = 'webhook' AND status = 'pending'", str(subscription_id))
