"""Reacting to members and referrals events: keep what notifications need to know, and log who is told what.

Runs inside the consumer's transaction (`Projection.apply`): it only writes rows (projections, delivery log,
timers). Nothing is sent here; the dispatcher sends logged deliveries afterwards.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from services.notifications.adapters import postgres as db
from services.notifications.config import NotificationSettings
from services.notifications.domain import kinds as k
from services.notifications.domain.schedule import next_digest
from services.notifications.service_layer import on_behalf, sign_in_links, visitors
from shared.clock import Clock
from shared.consumer import TRANSIENT, Delivered
from shared.contracts import members as m
from shared.contracts.access import SignInLinkRequested
from shared.contracts.referrals import TrafficLightChanged


class ReactionFailed(Exception):
    """An event this service cannot apply. Its text becomes the dead letter's reason header (and a log line):
    the event type and the kind of error, and the column or constraint it concerned, never a value."""


def _reason(event_type: str, exc: Exception) -> str:
    parts = [type(exc).__name__] + [f"{what} {getattr(exc, attr)}" for what, attr in (
        ("sqlstate", "sqlstate"), ("column", "column_name"), ("constraint", "constraint_name"))
        if getattr(exc, attr, None)]
    return f"{event_type}: {', '.join(parts)}"


class NotificationReactions:
    """The `shared.consumer.Projection` of the notifications service."""

    name = "notifications"

    def __init__(self, clock: Clock, config: NotificationSettings) -> None:
        self.clock = clock
        self.config = config

    async def apply(self, conn: asyncpg.Connection, events: Sequence[Delivered]) -> None:
        for delivered in events:
            try:
                await self.react(conn, delivered)
            except TRANSIENT:
                raise  # the consumer rewinds and tries the batch again
            except Exception as exc:
                raise ReactionFailed(_reason(delivered.envelope.type, exc)) from exc

    async def react(self, conn: asyncpg.Connection, delivered: Delivered) -> None:
        event, env = delivered.payload, delivered.envelope
        now = self.clock()
        trigger = env.id
        at = env.time
        # history (imported, or keyed in long after it happened) updates what this service knows but tells
        # nobody one by one: an imported year must not flood every inbox
        news = k.is_news(env.imported, env.dayslate, self.config.news_days)
        if isinstance(event, m.ChapterFounded):
            await db.arriving(conn, db.WAITING_FOR_CHAPTER, event.chapter_id)
            await conn.execute(
                "INSERT INTO n_chapters (chapter_id, chapter_name, meeting_weekday, meeting_time, timezone,"
                " currency, language) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (chapter_id) DO UPDATE SET"
                " chapter_name = excluded.chapter_name, meeting_weekday = excluded.meeting_weekday,"
                " meeting_time = excluded.meeting_time, timezone = excluded.timezone, currency = excluded.currency,"
                " language = excluded.language",
                event.chapter_id, event.chapter_name, event.meeting_weekday, event.meeting_time, event.timezone,
                event.currency, event.language)
            # e-mails that waited for the chapter's name and language can go now
            await db.release_waiting(conn, chapter_id=event.chapter_id, now=now)
            await schedule_digest(conn, event.chapter_id, event.meeting_weekday, event.meeting_time,
                                  event.timezone, after=now, lead_hours=self.config.digest_lead_hours)
        elif isinstance(event, m.MemberJoined):
            await db.arriving(conn, db.WAITING_FOR_RECIPIENT, event.member_id)
            role = await conn.fetchval("SELECT role FROM n_roles WHERE member_id = $1", event.member_id)
            await conn.execute(
                "INSERT INTO n_members VALUES ($1, $2, $3, $4, $5, true) ON CONFLICT (member_id) DO UPDATE SET"
                " chapter_id = excluded.chapter_id, name = excluded.name, email = excluded.email,"
                " role = excluded.role, active = true",
                event.member_id, event.chapter_id, event.member_name, event.email, role or event.role)
            # e-mails that arrived before this member did (another topic) can go now
            await db.release_waiting(conn, recipient=event.member_id, now=now)
            # the welcome in the feed; the welcome e-mail carries a sign-in link, so it goes on the
            # SignInLinkRequested(purpose="welcome") the members service records with the membership
            await db.notify_member(conn, trigger_id=trigger, member_id=event.member_id, kind=k.WELCOME,
                                   chapter_id=event.chapter_id, data={"member_id": event.member_id}, now=now,
                                   occurred_at=at, only=("feed",))
        elif isinstance(event, m.MemberLeft):
            await conn.execute("UPDATE n_members SET active = false WHERE member_id = $1", event.member_id)
        elif isinstance(event, m.RoleAssigned):
            await conn.execute("INSERT INTO n_roles VALUES ($1, $2) ON CONFLICT (member_id) DO UPDATE"
                               " SET role = excluded.role", event.member_id, event.role)
            await conn.execute("UPDATE n_members SET role = $2 WHERE member_id = $1", event.member_id, event.role)
        elif isinstance(event, m.AttendanceRecorded):
            await self._attendance(conn, event, trigger, at, now, news)
        elif isinstance(event, m.ReferralGiven):
            await conn.execute(
                "INSERT INTO n_referrals VALUES ($1, $2, $3, $4, 'given', $5, $5, $6)"
                " ON CONFLICT (referral_id) DO NOTHING",
                event.referral_id, event.chapter_id, event.giver_id, event.receiver_id, at, event.occurred_on)
            if news:
                await db.notify_member(conn, trigger_id=trigger, member_id=event.receiver_id,
                                       kind=k.REFERRAL_RECEIVED, chapter_id=event.chapter_id, now=now, occurred_at=at,
                                       data={"referral_id": event.referral_id, "giver_id": event.giver_id,
                                             "referral_type": event.referral_type, "temperature": event.temperature,
                                             "occurred_on": event.occurred_on.isoformat()})
                await db.set_timer(conn, f"reminder:{event.referral_id}", k.REFERRAL_REMINDER,
                                   at + timedelta(hours=self.config.reminder_hours),
                                   {"referral_id": event.referral_id})
        elif isinstance(event, m.ReferralStatusChanged):
            await self._status_changed(conn, event, trigger, at, now, news)
        elif isinstance(event, m.ClosedBusinessReported):
            await conn.execute(
                "INSERT INTO n_closed_business VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
                event.closed_business_id, event.chapter_id, event.reported_by, event.thanked_member_id,
                event.amount, event.currency, at)
            if news and (await db.chapter_settings(conn, event.chapter_id)).thank_you_enabled:
                await db.notify_member(conn, trigger_id=trigger, member_id=event.thanked_member_id,
                                       kind=k.CLOSED_BUSINESS_THANKS, chapter_id=event.chapter_id, now=now,
                                       occurred_at=at, data={
                                           "closed_business_id": event.closed_business_id,
                                           "reported_by": event.reported_by, "amount": str(event.amount),
                                           "currency": event.currency, "business_kind": event.business_kind,
                                           "referral_id": event.referral_id})
        elif isinstance(event, m.VisitorInvited):  # a visitor who registered themself: confirmed and reminded
            await visitors.registered(conn, event, trigger=trigger, at=at, now=now, config=self.config)
        elif isinstance(event, m.VisitorDataErased):
            await visitors.erased(conn, event, now)
        elif isinstance(event, SignInLinkRequested):
            await sign_in_links.record(conn, event, trigger_id=trigger, now=now, occurred_at=at)
        elif isinstance(event, TrafficLightChanged):
            await conn.execute("INSERT INTO n_traffic_lights VALUES ($1, $2, $3) ON CONFLICT (member_id) DO UPDATE"
                               " SET colour = excluded.colour, score = excluded.score",
                               event.member_id, event.to_colour, event.score)
            for leader in await db.leaders(conn, event.chapter_id):
                await db.notify_member(conn, trigger_id=trigger, member_id=leader, kind=k.TRAFFIC_LIGHT_CHANGED,
                                       chapter_id=event.chapter_id, now=now, occurred_at=at, data={
                                           "member_id": event.member_id, "from_colour": event.from_colour,
                                           "to_colour": event.to_colour, "score": str(event.score),
                                           "as_of": event.as_of.isoformat()})
        elif isinstance(event, m.HistoryImported):
            for member_id in await db.members_of(conn, event.chapter_id):
                await db.notify_member(conn, trigger_id=trigger, member_id=member_id, kind=k.HISTORY_IMPORTED,
                                       chapter_id=event.chapter_id, now=now, occurred_at=at,
                                       data={"slips": event.slips, "first_on": event.first_on.isoformat(),
                                             "last_on": event.last_on.isoformat()})
        if news:  # a slip a leader keyed in for a member: the member is told
            await on_behalf.tell_author(conn, event, trigger=trigger, at=at, now=now)
        # every event of the chapter goes to the webhooks subscribed to its type, history marked as such
        chapter_id = getattr(event, "chapter_id", None) or env.chapterid
        payload = webhook_payload(env.type, env.id, at, event.model_dump(mode="json"))
        payload.update(live=news, imported=bool(env.imported), days_late=env.dayslate)
        await db.notify_webhooks(conn, trigger_id=trigger, chapter_id=chapter_id, event_type=env.type, now=now,
                                 payload=payload)

    async def _attendance(self, conn: asyncpg.Connection, event: m.AttendanceRecorded, trigger: str,
                          at: datetime, now: datetime, news: bool) -> None:
        await conn.execute("INSERT INTO n_attendance VALUES ($1, $2, $3, $4) ON CONFLICT (member_id, meeting_date)"
                           " DO UPDATE SET mark = excluded.mark", event.member_id, event.meeting_date,
                           event.chapter_id, event.mark)
        if event.mark != "A" or not news:
            return
        window_from = event.meeting_date - timedelta(days=self.config.absence_window_days)
        absences = int(await conn.fetchval(
            "SELECT count(*) FROM n_attendance WHERE member_id = $1 AND mark = 'A'"
            " AND meeting_date > $2 AND meeting_date <= $3", event.member_id, window_from, event.meeting_date))
        limit = (await db.chapter_settings(conn, event.chapter_id)).absence_limit
        if absences <= limit:
            return
        for leader in await db.leaders(conn, event.chapter_id):
            await db.notify_member(conn, trigger_id=trigger, member_id=leader, kind=k.ABSENCES_OVER_LIMIT,
                                   chapter_id=event.chapter_id, now=now, occurred_at=at, data={
                                       "member_id": event.member_id, "absences": absences, "limit": limit,
                                       "meeting_date": event.meeting_date.isoformat()})

    async def _status_changed(self, conn: asyncpg.Connection, event: m.ReferralStatusChanged, trigger: str,
                              at: datetime, now: datetime, news: bool) -> None:
        row = await conn.fetchrow(
            "INSERT INTO n_referrals VALUES ($1, $2, $3, $4, $5, $6, $6, $7) ON CONFLICT (referral_id) DO UPDATE"
            " SET status = excluded.status, changed_at = excluded.changed_at RETURNING occurred_on",
            event.referral_id, event.chapter_id, event.giver_id, event.receiver_id, event.to_status, at,
            event.occurred_on)
        if event.to_status != "given":
            await db.cancel_timer(conn, f"reminder:{event.referral_id}", now)
        kind = k.STATUS_KINDS.get(event.to_status)
        if kind is not None and news:
            await db.notify_member(conn, trigger_id=trigger, member_id=event.giver_id, kind=kind,
                                   chapter_id=event.chapter_id, now=now, occurred_at=at, data={
                                       "referral_id": event.referral_id, "receiver_id": event.receiver_id,
                                       "given_on": row["occurred_on"].isoformat(), "reason": event.reason})
        if event.to_status in k.NUDGE_STATUSES and news:
            await db.set_timer(conn, f"nudge:{event.referral_id}", k.REFERRAL_NUDGE,
                               at + timedelta(days=self.config.nudge_days),
                               {"referral_id": event.referral_id, "changed_at": at.isoformat()}, replace=True)
        else:
            await db.cancel_timer(conn, f"nudge:{event.referral_id}", now)


_SEALED = frozenset({"prospect", "link", "contact"})  # contact: a visitor's, for this service alone


def webhook_payload(event_type: str, event_id: str, at: datetime, data: dict[str, Any]) -> dict[str, Any]:
    """The Standard Webhooks payload shape (type, timestamp, data). Sealed data stays home: a referral's
    prospect details, a sign-in link (subscribers learn that one was sent, never the link, even sealed)."""
    data = {key: value for key, value in data.items() if key not in _SEALED}
    return {"type": event_type, "timestamp": at.isoformat(), "event_id": event_id, "data": data}


async def schedule_digest(conn: asyncpg.Connection, chapter_id: str, weekday: str, meeting_time: Any,
                          timezone: str, after: datetime, lead_hours: float) -> None:
    meeting_date, due = next_digest(after, weekday, meeting_time, timezone, lead_hours)
    # a chapter that moved its meeting: forget digests not yet sent for the old day
    await conn.execute("DELETE FROM n_timers WHERE kind = $1 AND fired_at IS NULL AND data->>'chapter_id' = $2"
                       " AND timer_key <> $3", k.WEEKLY_DIGEST, chapter_id, f"digest:{chapter_id}:{meeting_date}")
    await db.set_timer(conn, f"digest:{chapter_id}:{meeting_date}", k.WEEKLY_DIGEST, due,
                       {"chapter_id": chapter_id, "meeting_date": meeting_date.isoformat()})
