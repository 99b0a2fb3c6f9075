"""Visitors who registered themselves on the chapter's page (`VisitorInvited` with `self_registered`).

The visitor gets a confirmation at once and a reminder `visitor_reminder_days` (2) before the meeting, at the
meeting's local time in the chapter's time zone (a durable timer); the member they named and the chapter's
leaders are told (feed and e-mail, as their preferences say), without the visitor's name: the feed is stored in
clear, and the name belongs in the members service's visitor list, where it can be erased. Erasure
(`VisitorDataErased`) forgets the stored address and cancels what was still to be sent.

Deliveries to a visitor name `visitor:<visitor id>` as their recipient; the dispatcher sends them through
`visitor_mail.py`.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from services.notifications.adapters import postgres as db
from services.notifications.config import NotificationSettings
from services.notifications.domain import kinds as k
from shared.contracts import members as m

PREFIX = "visitor:"
EARLIEST_ZONE = timedelta(hours=14)  # no time zone is further ahead of UTC than +14:00


def recipient(visitor_id: str) -> str:
    return PREFIX + visitor_id


def reminder_due(meeting_date: date, meeting_time: time, timezone: str, days: int) -> datetime:
    """The meeting's local time, `days` days before it, in the chapter's zone (so a DST change in between
    keeps the wall-clock time)."""
    return datetime.combine(meeting_date - timedelta(days=days), meeting_time, ZoneInfo(timezone))


def _provisional_due(meeting_date: date, days: int) -> datetime:
    """Before the chapter is known (its founding travels on another topic): the earliest the reminder could be
    due anywhere; firing then re-arms it at the exact moment."""
    return datetime.combine(meeting_date - timedelta(days=days), time(0), UTC) - EARLIEST_ZONE


async def registered(conn: asyncpg.Connection, event: m.VisitorInvited, *, trigger: str, at: datetime,
                     now: datetime, config: NotificationSettings) -> None:
    if not event.self_registered or event.contact is None or event.meeting_date is None:
        return  # a member's invitation: the visitor left no address
    created = await conn.fetchval(
        "INSERT INTO n_visitors VALUES ($1, $2, $3, $4, $5::jsonb, $6) ON CONFLICT (visitor_id) DO NOTHING"
        " RETURNING 1", event.visitor_id, event.chapter_id, event.invited_by, event.meeting_date,
        event.contact.model_dump_json(), at)
    if not created:
        return
    data: dict[str, Any] = {"visitor_id": event.visitor_id, "meeting_date": event.meeting_date.isoformat(),
                            "invited_by": None if event.invited_by == m.NO_INVITER else event.invited_by,
                            "reminder_days": config.visitor_reminder_days}
    await db.notify_member(conn, trigger_id=trigger, member_id=recipient(event.visitor_id),
                           kind=k.VISITOR_CONFIRMATION, chapter_id=event.chapter_id, data=data, now=now,
                           occurred_at=at, always=("email",))
    chapter = await db.chapter(conn, event.chapter_id)
    days = config.visitor_reminder_days
    due = (reminder_due(event.meeting_date, chapter["meeting_time"], chapter["timezone"], days) if chapter
           else _provisional_due(event.meeting_date, days))
    if chapter is None or due > now:  # registered later than that: the confirmation is the reminder
        await db.set_timer(conn, f"visitor-reminder:{event.visitor_id}", k.VISITOR_REMINDER, due, data)
    told = {*await db.leaders(conn, event.chapter_id), *([data["invited_by"]] if data["invited_by"] else [])}
    for member_id in sorted(told):
        await db.notify_member(conn, trigger_id=trigger, member_id=member_id, kind=k.VISITOR_REGISTERED,
                               chapter_id=event.chapter_id, data=data, now=now, occurred_at=at)


async def fire_reminder(conn: asyncpg.Connection, timer: asyncpg.Record, now: datetime,
                        config: NotificationSettings) -> None:
    data: dict[str, Any] = json.loads(timer["data"])
    visitor = await conn.fetchrow("SELECT * FROM n_visitors WHERE visitor_id = $1", data["visitor_id"])
    chapter = None if visitor is None else await db.chapter(conn, visitor["chapter_id"])
    if visitor is None or chapter is None:
        return  # erased meanwhile; or a chapter still unknown two days before its meeting: nothing sensible to say
    due = reminder_due(visitor["meeting_date"], chapter["meeting_time"], chapter["timezone"],
                       config.visitor_reminder_days)
    if now < due:  # armed before the chapter was known: once more, at the exact moment
        await db.set_timer(conn, f"visitor-reminder:{visitor['visitor_id']}:exact", k.VISITOR_REMINDER, due, data)
        return
    meeting = datetime.combine(visitor["meeting_date"], chapter["meeting_time"], ZoneInfo(chapter["timezone"]))
    if now >= meeting:  # the service was away past the meeting: a reminder now would be nonsense
        return
    await db.notify_member(conn, trigger_id=f"visitor-reminder:{visitor['visitor_id']}",
                           member_id=recipient(visitor["visitor_id"]), kind=k.VISITOR_REMINDER,
                           chapter_id=visitor["chapter_id"], data=data, now=now, always=("email",))


async def erased(conn: asyncpg.Connection, event: m.VisitorDataErased, now: datetime) -> None:
    """Forget the address, cancel the reminder and skip whatever was still to be sent to the visitor."""
    await conn.execute("DELETE FROM n_visitors WHERE visitor_id = $1", event.visitor_id)
    for key in (f"visitor-reminder:{event.visitor_id}", f"visitor-reminder:{event.visitor_id}:exact"):
        await db.cancel_timer(conn, key, now)
    await conn.execute("UPDATE n_deliveries SET status = 'skipped', last_error = 'the visitor''s data was erased'"
                       " WHERE recipient = $1 AND status = 'pending'", recipient(event.visitor_id))
