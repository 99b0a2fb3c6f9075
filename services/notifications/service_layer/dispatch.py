"""The dispatcher: sends due deliveries outside any consumer transaction, each on its own (bounded concurrency,
timeouts, a few at a time per webhook subscription), so a dead SMTP server or webhook receiver holds up neither
the others nor the event consumer. Failures are retried with backoff and jitter, then marked failed (visible
through the API); a webhook subscription that keeps failing for days is disabled and its owner told."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import asyncpg

from services.notifications.adapters import postgres as db
from services.notifications.adapters import webhooks as subscriptions
from services.notifications.adapters.smtp import Mailer, smtp_failure
from services.notifications.adapters.webhook_http import WebhookFailed, WebhookPoster
from services.notifications.config import NotificationSettings
from services.notifications.domain import kinds as k
from services.notifications.domain import webhooks
from services.notifications.domain.email_message import UnbuildableMessage
from services.notifications.domain.rendering import named_members
from services.notifications.domain.schedule import backoff
from services.notifications.service_layer import sign_in_links, visitor_mail
from services.notifications.service_layer.emails import Known, Letterhead, message
from services.notifications.service_layer.sent_marks import SentMarks
from services.notifications.service_layer.subscription_slots import SubscriptionSlots
from shared.clock import Clock

log = logging.getLogger(__name__)
UNKNOWN_RECIPIENT_PATIENCE = timedelta(hours=24)


def where(exc: BaseException) -> str:
    """An exception's type and the line that raised it, without its text."""
    frames = traceback.extract_tb(exc.__traceback__)
    return f"{type(exc).__name__} at {frames[-1].filename}:{frames[-1].lineno}" if frames else type(exc).__name__


# eq=False: compared and hashed by identity (asyncpg keeps the bound `wake` in a set of listeners)
@dataclass(eq=False)
class Dispatcher:
    pool: asyncpg.Pool
    clock: Clock
    mailer: Mailer
    poster: WebhookPoster
    config: NotificationSettings
    token_secret: str
    wall_clock: Callable[[], float] = time.time
    link_keys: Sequence[str] = ()  # the token keys: sign-in links are sealed with them (shared.sign_in_links)
    app_url: str | None = None  # the member app (`<members public URL>/app`): where e-mails send members to act
    _wake: asyncio.Event = field(default_factory=asyncio.Event, init=False, repr=False)
    _inflight: set[asyncio.Task[None]] = field(default_factory=set, init=False, repr=False)
    passes: int = field(default=0, init=False)  # rounds of the loop: what tests wait for, never a time
    _slots: SubscriptionSlots = field(init=False, repr=False)
    _marks: SentMarks = field(init=False, repr=False)
    _head: Letterhead = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._slots = SubscriptionSlots(self.config.webhook_concurrency_per_subscription)
        self._marks = SentMarks(self.pool)
        self._head = Letterhead(self.config.mail_from, self.config.public_url, self.token_secret, self.app_url)

    async def dispatch_due(self, wait: bool = True) -> int:
        """Start what is due; how many started. `wait`: until they finished (tests); the loop never waits."""
        started: list[asyncio.Task[None]] = []
        while True:
            free = self.config.dispatch_concurrency - len(self._inflight)
            if free <= 0:
                break
            now = self.clock()
            rows = await db.claim_due(self.pool, now, now + timedelta(seconds=self.config.claim_lease_seconds),
                                      min(free, self.config.dispatch_batch), skip=self._slots.full(),
                                      per_subscription=self._slots.limit)
            known = await Known.of(self.pool, rows)  # the claim's e-mails' people and chapters, read once
            started += [self._start(row, known) for row in rows if self._slots.admit(row)]  # others wait their turn
            if len(rows) < min(free, self.config.dispatch_batch):
                break
        if wait and started:
            await asyncio.gather(*started)
            if len(started) >= self.config.dispatch_concurrency:
                return len(started) + await self.dispatch_due(wait=True)
        return len(started)

    def _start(self, row: asyncpg.Record, known: Known | None = None) -> asyncio.Task[None]:
        self._inflight.add(task := asyncio.create_task(self._one(row, known)))
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._inflight.discard(task)
        self._wake.set()  # a slot is free

    async def _one(self, row: asyncpg.Record, known: Known | None) -> None:
        limit = self.config.email_max_attempts if row["channel"] == "email" else self.config.webhook_max_attempts
        try:
            if row["attempts"] > limit:
                # claimed again after its last attempt never finished (a crash mid-send, a bug): every
                # delivery has a bounded number of attempts, whatever ends them
                await db.mark_failed(self.pool, row["delivery_id"],
                                     f"gave up after {limit} attempts: the last one did not finish")
            elif visitor_mail.for_visitor(row):  # a visitor is no member: their e-mail goes its own way
                await visitor_mail.send(self, row)
            elif row["channel"] == "email":
                await self._email(row, known or await Known.of(self.pool, [row]))
            else:
                await self._webhook(row)
            if sign_in_links.carries_link(row):
                await sign_in_links.forget_when_done(self.pool, row)
        except Exception as exc:  # a bug or a dead database: the lease brings the row back later
            # where, not what: an exception's text may quote a member's name or address (or a sign-in link)
            log.error("delivery %s: %s; tried again after the lease", row["delivery_id"], where(exc))
        finally:
            if (following := self._slots.release(row)) is not None:
                self._start(following)

    # --- e-mail ------------------------------------------------------------------------------------

    async def _email(self, row: asyncpg.Record, known: Known) -> None:
        now = self.clock()
        member = known.members.get(row["recipient"])
        if member is None:
            # the member-joined event travels on another topic and may still be on its way
            if now - row["created_at"] > UNKNOWN_RECIPIENT_PATIENCE:
                await db.mark_failed(self.pool, row["delivery_id"], "unknown recipient")
            else:  # woken again when the member joins (see reactions), else tried hourly
                await self._wait(row, db.WAITING_FOR_RECIPIENT, row["recipient"])
            return
        if not member["active"]:
            await db.mark_skipped(self.pool, row["delivery_id"], "member left the chapter")
            return
        chapter_known = row["chapter_id"] in known.chapters
        if not chapter_known and now - row["created_at"] <= UNKNOWN_RECIPIENT_PATIENCE:
            # chapter-founded travels on its own topic too: an e-mail without the chapter's name and language
            # would be the wrong e-mail, so it waits (woken when the chapter arrives, see reactions)
            await self._wait(row, db.WAITING_FOR_CHAPTER, row["chapter_id"])
            return
        data = json.loads(row["data"])
        missing = sorted(named_members(data) - known.names.get(row["chapter_id"], {}).keys())
        if missing and now - row["created_at"] <= UNKNOWN_RECIPIENT_PATIENCE:
            # a member the e-mail names (the receiver of a referral, say) joined on a topic still on its way:
            # an id where their name belongs would be the wrong e-mail too
            await self._wait(row, db.WAITING_FOR_NAMED, missing[0])
            return
        if row["kind"] != k.SIGN_IN_LINK and "email" not in (  # a sign-in link is asked for: always sent
                known.preferences_of(member["member_id"])).channels_for(row["kind"]):
            await db.mark_skipped(self.pool, row["delivery_id"], "unsubscribed")
            return
        link: str | None = None
        if sign_in_links.carries_link(row):  # opened now, for this e-mail only
            opened = await sign_in_links.opened(self.pool, row, self.link_keys, now)
            if isinstance(opened, sign_in_links.NotSent):
                mark = db.mark_skipped if opened.skipped else db.mark_failed
                await mark(self.pool, row["delivery_id"], opened.reason)
                return
            link = opened
        try:
            email = message(self._head, row, data, member, known, link)
        except UnbuildableMessage as exc:  # no attempt would build it: failed now, not retried
            await db.mark_failed(self.pool, row["delivery_id"], f"cannot build the e-mail: {exc}")
            return
        try:
            await asyncio.wait_for(self.mailer.send(email), self.config.smtp_timeout + 5)
        except Exception as exc:
            await self._failed(row, smtp_failure(exc), self.config.email_max_attempts)
            return
        await self._marks.sent(row["delivery_id"], self.clock())

    async def _wait(self, row: asyncpg.Record, reason: str, key: str) -> None:
        """Park until what it needs arrives (its reaction releases it) or an hour; due at once if it has."""
        now = self.clock()
        if not await db.park(self.pool, row["delivery_id"], reason, key, now + timedelta(hours=1)):
            await db.retry_later(self.pool, row["delivery_id"], now, f"{reason.split()[0]} arrived",
                                 count_attempt=False)

    # --- webhooks ----------------------------------------------------------------------------------

    async def _webhook(self, row: asyncpg.Record) -> None:
        sub = await subscriptions.row_of(self.pool, row["recipient"])
        if await self._closed(self.pool, row, sub) or sub is None:  # (_closed is True when there is none)
            return
        body = json.dumps(json.loads(row["data"]), sort_keys=True, separators=(",", ":")).encode()
        msg_id = webhooks.message_id(row["delivery_id"])
        headers = webhooks.headers(sub["secret"], msg_id, int(self.wall_clock()), body)
        try:
            await asyncio.wait_for(self.poster.post(sub["url"], body, headers), self.config.webhook_timeout + 1)
        except WebhookFailed as exc:  # its text is what the subscriber may read: a status or kind of failure
            await self._webhook_failed(row, str(exc))
            return
        except TimeoutError:
            await self._webhook_failed(row, "timeout")
            return
        await self._marks.sent(row["delivery_id"], self.clock())
        await subscriptions.succeeded(self.pool, sub["subscription_id"])

    async def _webhook_failed(self, row: asyncpg.Record, error: str) -> None:
        """Record a failed attempt holding the subscription's row: two attempts failing at once (one of them
        disabling the subscription) must not leave the other pending behind the disable's back, where
        "redeliver" would never find it."""
        # one at a time per subscription in this process: a dead receiver's attempts end together (its connect
        # timeout), and each queueing for the row lock on a pooled connection of its own left the pool to them
        async with self._slots.recording(row["recipient"]), self.pool.acquire() as conn, conn.transaction():
            sub = await subscriptions.row_of(conn, row["recipient"], lock=True)
            if not await self._closed(conn, row, sub, error) and sub is not None:
                await self._failed(row, error, self.config.webhook_max_attempts, conn)
                await self._subscription_failing(conn, sub)

    @staticmethod
    async def _closed(into: asyncpg.Pool | asyncpg.Connection, row: asyncpg.Record, sub: asyncpg.Record | None,
                      error: str = "") -> bool:
        """Skipped for a deleted subscription; failed for a disabled one, so "redeliver" sends it later."""
        if sub is None or sub["deleted_at"] is not None:
            await db.mark_skipped(into, row["delivery_id"], "subscription deleted")
            return True
        if not sub["active"]:
            await db.mark_failed(into, row["delivery_id"], f"subscription disabled: {error}" if error
                                 else "subscription disabled")
            return True
        return False

    async def _failed(self, row: asyncpg.Record, error: str, max_attempts: int,
                      conn: asyncpg.Connection | None = None) -> None:
        """Retry later with backoff, or give up; on `conn` when the caller holds a transaction."""
        into: asyncpg.Pool | asyncpg.Connection = conn or self.pool
        if row["attempts"] >= max_attempts:
            await db.mark_failed(into, row["delivery_id"], f"gave up after {row['attempts']} attempts: {error}")
            return
        delay = backoff(row["attempts"], self.config.retry_base_seconds, self.config.retry_cap_seconds)
        await db.retry_later(into, row["delivery_id"], self.clock() + delay, error, attempt=row["attempts"])

    async def _subscription_failing(self, conn: asyncpg.Connection, sub: asyncpg.Record) -> None:
        """Inside the caller's transaction, which holds the subscription's row."""
        now = self.clock()
        since = await subscriptions.failing(conn, sub["subscription_id"], now)
        if since is None or now - since < timedelta(days=self.config.webhook_disable_after_days):
            return
        await subscriptions.disable(conn, sub["subscription_id"], now)
        owners = [sub["owner_member_id"]] if sub["owner_member_id"] else await db.leaders(conn, sub["chapter_id"])
        data: dict[str, Any] = {"subscription_id": str(sub["subscription_id"]), "url": sub["url"],
                                "failing_since": since.isoformat()}
        for owner in owners:
            await db.notify_member(conn, trigger_id=f"webhook-disabled:{sub['subscription_id']}",
                                   member_id=owner, kind=k.WEBHOOK_DISABLED, chapter_id=sub["chapter_id"],
                                   data=data, now=now)
        log.warning("webhook subscription %s disabled: failing since %s", sub["subscription_id"], since)

    # --- the loop ----------------------------------------------------------------------------------

    def wake(self, *_: object) -> None:
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        listener: asyncpg.Connection | None = None
        while not stop.is_set():
            try:
                if listener is None or listener.is_closed():
                    listener = await self.pool.acquire()
                    await listener.add_listener(db.WAKE_CHANNEL, self.wake)
                self._wake.clear()
                await self.dispatch_due(wait=False)
                self.passes += 1
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("notifications dispatcher: %s", exc)
                if listener is not None:
                    # pooled connections are not reset on release: stop listening first
                    with contextlib.suppress(Exception):
                        await listener.remove_listener(db.WAKE_CHANNEL, self.wake)
                    with contextlib.suppress(Exception):
                        await self.pool.release(listener)
                    listener = None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.config.dispatch_interval)
            if stop.is_set():
                break
        if self._inflight:  # a send still hanging at shutdown is abandoned: its lease brings it back
            _, hanging = await asyncio.wait(set(self._inflight), timeout=self.config.shutdown_grace_seconds)
            for task in hanging:
                task.cancel()
        if listener is not None:
            with contextlib.suppress(Exception):
                await listener.remove_listener(db.WAKE_CHANNEL, self.wake)
                await self.pool.release(listener)
