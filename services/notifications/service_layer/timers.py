"""Firing durable timers: referral reminders and nudges, weekly digests.

Each due timer is handled in one transaction with marking it fired, so a timer fires once even when the
process dies half-way (the transaction rolls back and the timer is still due after the restart)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg

from services.notifications.adapters import postgres as db
from services.notifications.config import NotificationSettings
from services.notifications.domain import kinds as k
from services.notifications.service_layer import visitors
from services.notifications.service_layer.digest_extras import for_digest
from services.notifications.service_layer.reactions import schedule_digest
from shared.clock import Clock
from shared.contracts.members import OPEN_STATUSES

log = logging.getLogger(__name__)
STALE_DIGEST = timedelta(hours=24)


async def fire_due(pool: asyncpg.Pool, clock: Clock, config: NotificationSettings, limit: int = 100) -> int:
    """Fire every timer due by the clock's now; returns how many fired."""
    fired = 0
    while True:
        now = clock()
        async with pool.acquire() as conn, conn.transaction():
            timers = await conn.fetch(
                "SELECT * FROM n_timers WHERE fired_at IS NULL AND due_at <= $1 ORDER BY due_at LIMIT $2"
                " FOR UPDATE SKIP LOCKED", now, limit)
            for timer in timers:
                await _fire(conn, timer, now, config)
                await conn.execute("UPDATE n_timers SET fired_at = $2 WHERE timer_key = $1", timer["timer_key"], now)
        fired += len(timers)
        if len(timers) < limit:
            return fired


async def _fire(conn: asyncpg.Connection, timer: asyncpg.Record, now: datetime, config: NotificationSettings) -> None:
    import json

    data: dict[str, Any] = json.loads(timer["data"])
    kind = timer["kind"]
    if kind in (k.REFERRAL_REMINDER, k.REFERRAL_NUDGE):
        ref = await conn.fetchrow("SELECT * FROM n_referrals WHERE referral_id = $1", data["referral_id"])
        if ref is None:
            return
        if kind == k.REFERRAL_REMINDER and ref["status"] == "given":
            await db.notify_member(conn, trigger_id=f"reminder:{ref['referral_id']}", member_id=ref["receiver_id"],
                                   kind=kind, chapter_id=ref["chapter_id"], now=now, data={
                                       "referral_id": ref["referral_id"], "giver_id": ref["giver_id"],
                                       "hours": _number(config.reminder_hours)})
        elif (kind == k.REFERRAL_NUDGE and ref["status"] in k.NUDGE_STATUSES
              and ref["changed_at"] + timedelta(days=config.nudge_days) <= now):
            await db.notify_member(conn, trigger_id=f"nudge:{ref['referral_id']}:{ref['changed_at'].isoformat()}",
                                   member_id=ref["receiver_id"], kind=kind, chapter_id=ref["chapter_id"], now=now,
                                   data={"referral_id": ref["referral_id"], "giver_id": ref["giver_id"],
                                         "status": ref["status"], "days": _number(config.nudge_days)})
    elif kind == k.VISITOR_REMINDER:
        await visitors.fire_reminder(conn, timer, now, config)
    elif kind == k.WEEKLY_DIGEST:
        chapter = await db.chapter(conn, data["chapter_id"])
        if chapter is None:
            return
        meeting_date = date.fromisoformat(data["meeting_date"])
        settings = await db.chapter_settings(conn, chapter["chapter_id"])
        if settings.digest_enabled and now - timer["due_at"] < STALE_DIGEST:
            await send_digests(conn, chapter["chapter_id"], meeting_date, now)
        await schedule_digest(conn, chapter["chapter_id"], chapter["meeting_weekday"], chapter["meeting_time"],
                              chapter["timezone"], after=max(now, timer["due_at"]),
                              lead_hours=config.digest_lead_hours)


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


async def send_digests(conn: asyncpg.Connection, chapter_id: str, meeting_date: date, now: datetime) -> None:
    week_from = meeting_date - timedelta(days=7)
    for member in await conn.fetch("SELECT member_id FROM n_members WHERE chapter_id = $1 AND active"
                                   " ORDER BY member_id", chapter_id):
        member_id = member["member_id"]
        counts = await conn.fetchrow(
            "SELECT count(*) FILTER (WHERE giver_id = $1) AS given, count(*) FILTER (WHERE receiver_id = $1)"
            " AS received FROM n_referrals WHERE chapter_id = $2 AND occurred_on >= $3 AND occurred_on < $4",
            member_id, chapter_id, week_from, meeting_date)
        waiting = await conn.fetch(
            "SELECT referral_id, giver_id, status, occurred_on FROM n_referrals WHERE receiver_id = $1"
            " AND status = ANY($2::text[]) ORDER BY occurred_on, referral_id", member_id, sorted(OPEN_STATUSES))
        thanks = await conn.fetchval(
            "SELECT coalesce(sum(amount), 0) FROM n_closed_business WHERE thanked_member_id = $1"
            " AND reported_at >= $2", member_id, now - timedelta(days=7))
        light = await conn.fetchval("SELECT colour FROM n_traffic_lights WHERE member_id = $1", member_id)
        await db.notify_member(conn, trigger_id=f"digest:{chapter_id}:{meeting_date}", member_id=member_id,
                               kind=k.WEEKLY_DIGEST, chapter_id=chapter_id, now=now, data={
                                   "meeting_date": meeting_date.isoformat(), "given": counts["given"],
                                   "received": counts["received"], "thanks_total": str(Decimal(thanks)),
                                   "light": light,
                                   "open": [{"referral_id": w["referral_id"], "giver_id": w["giver_id"],
                                             "status": w["status"], "occurred_on": w["occurred_on"].isoformat()}
                                            for w in waiting],
                                   **await for_digest(conn, chapter_id, member_id, meeting_date)})


async def run(pool: asyncpg.Pool, clock: Clock, config: NotificationSettings, stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            await fire_due(pool, clock, config)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("notifications scheduler: %s", exc)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), config.scheduler_interval)
