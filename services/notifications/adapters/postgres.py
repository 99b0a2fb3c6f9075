"""PostgreSQL access for the notifications service: projections, the delivery log, timers, webhooks."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg

from services.notifications.domain.preferences import ChapterSettings, Preferences
from shared.auth import LEADER_ROLES

WAKE_CHANNEL = "refnet_notifications"


def _json(value: Any) -> str:
    return json.dumps(value, default=str, sort_keys=True, separators=(",", ":"))


# --- reading what the projections know ------------------------------------------------------------

async def chapter(conn: asyncpg.Connection | asyncpg.Pool, chapter_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM n_chapters WHERE chapter_id = $1", chapter_id)


async def chapter_settings(conn: asyncpg.Connection | asyncpg.Pool, chapter_id: str) -> ChapterSettings:
    row = await conn.fetchrow("SELECT thank_you_enabled, absence_limit, digest_enabled FROM n_chapter_settings"
                              " WHERE chapter_id = $1", chapter_id)
    return ChapterSettings() if row is None else ChapterSettings(**dict(row))


async def save_chapter_settings(conn: asyncpg.Connection | asyncpg.Pool, chapter_id: str,
                                settings: ChapterSettings) -> None:
    await conn.execute(
        "INSERT INTO n_chapter_settings VALUES ($1, $2, $3, $4) ON CONFLICT (chapter_id) DO UPDATE SET"
        " thank_you_enabled = excluded.thank_you_enabled, absence_limit = excluded.absence_limit,"
        " digest_enabled = excluded.digest_enabled",
        chapter_id, settings.thank_you_enabled, settings.absence_limit, settings.digest_enabled)


async def member(conn: asyncpg.Connection | asyncpg.Pool, member_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM n_members WHERE member_id = $1", member_id)


async def role_in_chapter(conn: asyncpg.Connection | asyncpg.Pool, member_id: str | None,
                          chapter_id: str) -> str | None:
    """The member's role while they are an active member of the chapter, else None."""
    role: str | None = await conn.fetchval("SELECT role FROM n_members WHERE member_id = $1 AND chapter_id = $2"
                                           " AND active", member_id, chapter_id)
    return role


async def leaders(conn: asyncpg.Connection, chapter_id: str) -> list[str]:
    rows = await conn.fetch("SELECT member_id FROM n_members WHERE chapter_id = $1 AND active"
                            " AND role = ANY($2::text[]) ORDER BY member_id", chapter_id, sorted(LEADER_ROLES))
    return [r["member_id"] for r in rows]


async def members_of(conn: asyncpg.Connection, chapter_id: str) -> list[str]:
    """The chapter's active members."""
    rows = await conn.fetch("SELECT member_id FROM n_members WHERE chapter_id = $1 AND active ORDER BY member_id",
                            chapter_id)
    return [r["member_id"] for r in rows]


async def names(conn: asyncpg.Connection | asyncpg.Pool, chapter_id: str) -> dict[str, str]:
    rows = await conn.fetch("SELECT member_id, name FROM n_members WHERE chapter_id = $1", chapter_id)
    return {r["member_id"]: r["name"] for r in rows}


async def preferences(conn: asyncpg.Connection | asyncpg.Pool, member_id: str) -> Preferences:
    row = await conn.fetchrow("SELECT channels, digest, email_off FROM n_preferences WHERE member_id = $1",
                              member_id)
    if row is None:
        return Preferences()
    return Preferences(channels=json.loads(row["channels"]), digest=row["digest"], email_off=row["email_off"])


async def save_preferences(conn: asyncpg.Connection | asyncpg.Pool, member_id: str, prefs: Preferences,
                           now: datetime) -> None:
    await conn.execute(
        "INSERT INTO n_preferences (member_id, channels, digest, email_off, updated_at)"
        " VALUES ($1, $2::jsonb, $3, $4, $5) ON CONFLICT (member_id) DO UPDATE SET channels = excluded.channels,"
        " digest = excluded.digest, email_off = excluded.email_off, updated_at = excluded.updated_at",
        member_id, _json(prefs.channels), prefs.digest, prefs.email_off, now)


async def lock_preferences(conn: asyncpg.Connection, member_id: str) -> None:
    """Until the transaction ends: two changes to one member's preferences never interleave."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"prefs:{member_id}")


# --- the delivery log -----------------------------------------------------------------------------

async def notify_member(conn: asyncpg.Connection, *, trigger_id: str, member_id: str, kind: str, chapter_id: str,
                        data: dict[str, Any], now: datetime, occurred_at: datetime | None = None,
                        only: Sequence[str] | None = None, always: Sequence[str] = ()) -> int:
    """Log one notification for a member on each channel their preferences allow (of `only`, when given), or
    on the channels `always` whatever their preferences. Returns rows created: a trigger already logged for
    this member and channel creates nothing (the idempotency record).
    `occurred_at` is when the thing told about happened (the event's time); the feed is in that order,
    because events of different topics reach us in no particular order."""
    created = 0
    channels = list(always) or [c for c in (await preferences(conn, member_id)).channels_for(kind)
                                if only is None or c in only]
    for channel in channels:
        status = "sent" if channel == "feed" else "pending"  # the feed row is the delivery
        created += await _insert(conn, trigger_id, member_id, channel, kind, chapter_id, data, status, now,
                                 occurred_at or now)
    return created


async def notify_webhooks(conn: asyncpg.Connection, *, trigger_id: str, chapter_id: str, event_type: str,
                          payload: dict[str, Any], now: datetime) -> int:
    from services.notifications.domain.webhooks import matches

    created = 0
    for sub in await conn.fetch("SELECT subscription_id, event_types FROM n_webhooks"
                                " WHERE chapter_id = $1 AND active", chapter_id):
        if matches(list(sub["event_types"]), event_type):
            created += await _insert(conn, trigger_id, str(sub["subscription_id"]), "webhook", event_type,
                                     chapter_id, payload, "pending", now, now)
    return created


async def _insert(conn: asyncpg.Connection, trigger_id: str, recipient: str, channel: str, kind: str,
                  chapter_id: str, data: dict[str, Any], status: str, now: datetime, occurred_at: datetime) -> int:
    # one round trip: a new pending delivery wakes the dispatchers (told at commit) in the same statement
    created: int = await conn.fetchval(
        "WITH added AS (INSERT INTO n_deliveries (delivery_id, trigger_id, recipient, channel, kind, chapter_id,"
        " data, status, next_attempt_at, created_at, sent_at, occurred_at) VALUES ($1, $2, $3, $4, $5, $6,"
        " $7::jsonb, $8::text, $9::timestamptz, $9::timestamptz, CASE WHEN $8::text = 'sent' THEN $9::timestamptz"
        " END, $10) ON CONFLICT (trigger_id, recipient, channel) DO NOTHING RETURNING status)"
        " SELECT count(*)::int FROM added"
        " LEFT JOIN LATERAL (SELECT pg_notify($11, '') WHERE added.status = 'pending') AS woken ON true",
        uuid.uuid4(), trigger_id, recipient, channel, kind, chapter_id, _json(data), status, now, occurred_at,
        WAKE_CHANNEL)
    return created


WAITING_FOR_RECIPIENT = "recipient not known yet"
WAITING_FOR_CHAPTER = "chapter not known yet"
WAITING_FOR_NAMED = "named member not known yet"  # parked as "<this>: <member id>", released when they join
_ARRIVAL_LOCK = {WAITING_FOR_RECIPIENT: 7_345_202, WAITING_FOR_CHAPTER: 7_345_201, WAITING_FOR_NAMED: 7_345_202}
_KNOWN = {WAITING_FOR_RECIPIENT: "SELECT 1 FROM n_members WHERE member_id = $1",
          WAITING_FOR_CHAPTER: "SELECT 1 FROM n_chapters WHERE chapter_id = $1",
          WAITING_FOR_NAMED: "SELECT 1 FROM n_members WHERE member_id = $1"}


async def arriving(conn: asyncpg.Connection, reason: str, key: str) -> None:
    """Taken by the reaction that records a member (or chapter) before it does, until it commits: a
    dispatcher parking a delivery for that member waits for it (see `park`), so no wake-up is lost."""
    await conn.execute("SELECT pg_advisory_xact_lock($1, hashtext($2))", _ARRIVAL_LOCK[reason], key)


async def park(pool: asyncpg.Pool, delivery_id: uuid.UUID, reason: str, key: str, until: datetime) -> bool:
    """Park a delivery until the member (or chapter) `key` is known, or `until`; False when it is known by
    now (nothing parked). Under the lock `arriving` takes: either the arrival has committed (and is seen
    here) or its reaction runs after this commit and releases what is parked (`release_waiting`)."""
    async with pool.acquire() as conn, conn.transaction():
        await arriving(conn, reason, key)
        if await conn.fetchval(_KNOWN[reason], key):
            return False
        await retry_later(conn, delivery_id, until, f"{reason}: {key}" if reason == WAITING_FOR_NAMED else reason,
                          count_attempt=False)
        return True


async def release_waiting(conn: asyncpg.Connection, *, now: datetime, recipient: str | None = None,
                          chapter_id: str | None = None) -> None:
    """Make the deliveries parked for this recipient, or naming this member, (or for this chapter) due now (the
    caller holds `arriving`).
    Only those: a delivery backing off after a failed attempt keeps its backoff."""
    released = await conn.fetchval(
        "WITH due AS (UPDATE n_deliveries SET next_attempt_at = $3 WHERE status = 'pending'"
        " AND ((recipient = $1 AND last_error = $4) OR (chapter_id = $2 AND last_error = $5)"
        "      OR last_error = $6 || ': ' || $1)"
        " AND next_attempt_at > $3 RETURNING 1) SELECT count(*) FROM due",
        recipient, chapter_id, now, WAITING_FOR_RECIPIENT, WAITING_FOR_CHAPTER, WAITING_FOR_NAMED)
    if released:
        await conn.execute("SELECT pg_notify($1, '')", WAKE_CHANNEL)


async def redeliver_failed(conn: asyncpg.Connection, subscription_id: str, now: datetime) -> int:
    """Queue a subscription's failed webhook deliveries again, due now, with their attempts counted anew."""
    count = int(await conn.fetchval(
        "WITH again AS (UPDATE n_deliveries SET status = 'pending', attempts = 0, next_attempt_at = $2,"
        " last_error = 'redelivery requested' WHERE recipient = $1 AND channel = 'webhook' AND status = 'failed'"
        " RETURNING 1) SELECT count(*) FROM again", subscription_id, now))
    if count:
        await conn.execute("SELECT pg_notify($1, '')", WAKE_CHANNEL)
    return count


async def pending_deliveries(conn: asyncpg.Connection | asyncpg.Pool) -> int:
    return int(await conn.fetchval("SELECT count(*) FROM n_deliveries WHERE status = 'pending'"))


async def delivery_counts(pool: asyncpg.Pool) -> list[asyncpg.Record]:
    """Pending and failed deliveries by status and channel (for /metrics)."""
    return await pool.fetch("SELECT status, channel, count(*) AS n FROM n_deliveries"
                            " WHERE status IN ('pending', 'failed') GROUP BY status, channel")


async def claim_due(pool: asyncpg.Pool, now: datetime, lease_until: datetime, limit: int,
                    skip: Sequence[str] = (), per_subscription: int = 1_000_000) -> list[asyncpg.Record]:
    """Take up to `limit` due deliveries: their next attempt moves to the end of the lease, so a process that
    dies mid-send leaves them to be tried again then, and two dispatchers never take the same row. None for
    the webhook subscriptions in `skip`, at most `per_subscription` for each other one (the dispatcher's
    share per subscription: see service_layer/subscription_slots.py)."""
    return await pool.fetch(
        "UPDATE n_deliveries d SET attempts = d.attempts + 1, next_attempt_at = $2"
        " FROM (SELECT delivery_id FROM n_deliveries WHERE status = 'pending' AND channel <> 'feed'"
        "       AND next_attempt_at <= $1 AND (channel <> 'webhook' OR delivery_id IN (SELECT delivery_id FROM"
        "         (SELECT delivery_id, row_number() OVER (PARTITION BY recipient ORDER BY next_attempt_at) AS nth"
        "          FROM n_deliveries WHERE status = 'pending' AND channel = 'webhook' AND next_attempt_at <= $1"
        "          AND NOT recipient = ANY($4::text[])) ranked WHERE nth <= $5))"
        "       ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED) due"
        " WHERE d.delivery_id = due.delivery_id RETURNING d.*",
        now, lease_until, limit, list(skip), per_subscription)


async def mark_sent(pool: asyncpg.Pool, delivery_id: uuid.UUID, now: datetime) -> None:
    await pool.execute("UPDATE n_deliveries SET status = 'sent', sent_at = $2, last_error = NULL"
                       " WHERE delivery_id = $1", delivery_id, now)


async def mark_sent_many(pool: asyncpg.Pool, sent: Sequence[tuple[uuid.UUID, datetime]]) -> None:
    """`mark_sent` for many deliveries in one statement (see service_layer/sent_marks.py)."""
    await pool.execute("UPDATE n_deliveries d SET status = 'sent', sent_at = v.at, last_error = NULL"
                       " FROM unnest($1::uuid[], $2::timestamptz[]) AS v(id, at) WHERE d.delivery_id = v.id",
                       [d for d, _ in sent], [at for _, at in sent])


# An attempt's outcome is written only while the delivery is pending: an attempt that outlived its lease (a
# send hanging past it, a clock jumping) must not turn another attempt's final "failed" or "sent" back.
async def mark_skipped(pool: asyncpg.Pool | asyncpg.Connection, delivery_id: uuid.UUID, reason: str) -> None:
    await pool.execute("UPDATE n_deliveries SET status = 'skipped', last_error = $2"
                       " WHERE delivery_id = $1 AND status = 'pending'",
                       delivery_id, reason)


async def mark_failed(pool: asyncpg.Pool | asyncpg.Connection, delivery_id: uuid.UUID, error: str) -> None:
    await pool.execute("UPDATE n_deliveries SET status = 'failed', last_error = $2"
                       " WHERE delivery_id = $1 AND status = 'pending'",
                       delivery_id, error[:2000])


async def retry_later(pool: asyncpg.Pool | asyncpg.Connection, delivery_id: uuid.UUID, at: datetime, error: str,
                      count_attempt: bool = True, attempt: int | None = None) -> None:
    """`attempt`: the claim this outcome belongs to; a later claim of the same delivery wins (its lease stays)."""
    await pool.execute(
        "UPDATE n_deliveries SET next_attempt_at = $2, last_error = $3,"
        " attempts = attempts - CASE WHEN $4 THEN 0 ELSE 1 END"
        " WHERE delivery_id = $1 AND status = 'pending' AND ($5::int IS NULL OR attempts = $5)",
        delivery_id, at, error[:2000], count_attempt, attempt)


# --- timers ---------------------------------------------------------------------------------------

async def set_timer(conn: asyncpg.Connection, key: str, kind: str, due_at: datetime, data: dict[str, Any],
                    replace: bool = False) -> None:
    """A durable timer; `replace` re-arms an existing one (a nudge after each status change)."""
    action = ("DO UPDATE SET due_at = excluded.due_at, data = excluded.data, fired_at = NULL" if replace
              else "DO NOTHING")
    await conn.execute(
        f"INSERT INTO n_timers (timer_key, kind, due_at, data) VALUES ($1, $2, $3, $4::jsonb)"
        f" ON CONFLICT (timer_key) {action}", key, kind, due_at, _json(data))


async def cancel_timer(conn: asyncpg.Connection, key: str, now: datetime) -> None:
    await conn.execute("UPDATE n_timers SET fired_at = $2 WHERE timer_key = $1 AND fired_at IS NULL", key, now)
