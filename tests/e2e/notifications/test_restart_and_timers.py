"""Redelivery, restarts (also mid-send) and durable timers: nothing twice, nothing lost, reminders on time."""

from __future__ import annotations

import asyncio

import asyncpg

from services.notifications.domain.email_message import OutgoingEmail
from shared.settings import Settings
from tests.e2e.notifications.helpers import (
    Clock,
    EventSource,
    Inbox,
    auth,
    chapter,
    config,
    given,
    joined,
    running_app,
    settle,
    step,
    text_of,
    token,
    wait_applied,
    wait_until,
)
from tests.e2e.notifications.sign_in import welcome_links

ANN, BOB = "ann@example.org", "bob@example.org"


class HangingMailer:
    """An SMTP server that accepts the connection and never answers."""

    def __init__(self) -> None:
        self.attempts = 0

    async def send(self, message: OutgoingEmail) -> None:
        self.attempts += 1
        await asyncio.Event().wait()


async def test_hung_smtp_blocks_nothing_and_a_restart_mid_send_sends_each_once(
        settings: Settings, members: EventSource, clock: Clock, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    cfg = config(port, shutdown_grace_seconds=0.2)
    hanging = HangingMailer()
    async with running_app(settings, clock, cfg, smtp=hanging) as (app, client):
        first = await members.record(chapter("c1"), joined("c1", "ann", "Ann"), joined("c1", "bob", "Bob"),
                                     given("c1", "r1", "ann", "bob"), *welcome_links(settings, "c1", "ann", "bob"))
        await wait_until(lambda: hanging.attempts == 3, what="three sends hanging")
        # the consumer keeps going and the feed keeps filling while the SMTP server hangs
        more = await members.record(given("c1", "r2", "bob", "ann"))
        await wait_applied(app, first + more)
        feed = (await client.get("/members/ann/feed", headers=auth(token(settings, "ann", "c1")))).json()
        assert [i["kind"] for i in feed["items"]] == ["referral-received", "welcome"]
        await wait_until(lambda: hanging.attempts == 4, what="the fourth send started despite three hanging")
    # the process stopped mid-send; the relay also republishes everything (a crash before saving its position)
    await members.republish_everything()
    clock.advance(seconds=cfg.claim_lease_seconds + 1)
    async with running_app(settings, clock, cfg) as (app, _):
        await wait_until(lambda: len(inbox.messages) == 4, what="the four e-mails after the restart")
        await settle(app)
        pool: asyncpg.Pool = app.state.service.pool
        assert await pool.fetchval("SELECT count(*) FROM applied_events WHERE consumer = 'notifications'") == 7
    assert inbox.kinds(ANN) == ["referral-received", "welcome"]
    assert inbox.kinds(BOB) == ["referral-received", "welcome"]


async def test_reminder_after_48_hours_survives_restart_and_nudge_after_14_days(
        settings: Settings, members: EventSource, clock: Clock, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    cfg = config(port)
    async with running_app(settings, clock, cfg) as (app, _):
        ids = await members.record(chapter("c1"), joined("c1", "ann", "Ann"), joined("c1", "bob", "Bob"),
                                   given("c1", "r1", "ann", "bob"), given("c1", "r2", "ann", "bob"),
                                   step("c1", "r2", "ann", "bob", "given", "accepted"))
        await wait_applied(app, ids)
        await wait_until(lambda: len(inbox.to(BOB, "referral-received")) == 2, what="Bob told twice")
        await settle(app)  # no send in flight: a jump past its lease would send it again
        clock.advance(hours=47, minutes=50)
        await settle(app)
        assert inbox.to(BOB, "referral-reminder") == [], "reminded before 48 hours"
    # the timer is a row in PostgreSQL: it fires after a restart
    clock.advance(minutes=15)
    async with running_app(settings, clock, cfg) as (app, _):
        await wait_until(lambda: inbox.to(BOB, "referral-reminder"), what="the 48-hour reminder")
        reminder = inbox.to(BOB, "referral-reminder")[0]
        assert reminder["Subject"] == "Reminder: confirm the referral from Ann"
        assert "gave you 48 hours ago" in text_of(reminder) and "Referral: r1" in text_of(reminder)

        # r2 was accepted (48 h ago): no reminder, but a nudge once it has sat 14 days without a status change
        await settle(app)  # no send in flight: a jump past its lease would send it again
        clock.advance(days=11, hours=20)
        await settle(app)
        assert inbox.to(BOB, "referral-nudge") == []
        await settle(app)  # no send in flight: a jump past its lease would send it again
        clock.advance(hours=5)
        await wait_until(lambda: inbox.to(BOB, "referral-nudge"), what="the 14-day nudge")
        nudge = inbox.to(BOB, "referral-nudge")[0]
        assert "has been 'accepted' for 14 days" in text_of(nudge) and "Referral: r2" in text_of(nudge)
        # won: the referral no longer waits on Bob, nothing more comes
        ids = await members.record(step("c1", "r2", "ann", "bob", "accepted", "won"))
        await wait_applied(app, ids)
        await settle(app)  # no send in flight: a jump past its lease would send it again
        clock.advance(days=30)
        await settle(app)
    assert len(inbox.to(BOB, "referral-reminder")) == 1
    assert len(inbox.to(BOB, "referral-nudge")) == 1
