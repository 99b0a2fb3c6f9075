"""A process that dies after sending e-mails but before their batched "sent" marks are written: the e-mails
whose marks were written are never sent again; the others are sent once more after their lease, with the same
Message-ID (at least once, recognisable as the same e-mail), then recorded as sent."""

from __future__ import annotations

import asyncio

import asyncpg

from services.notifications.service_layer.sent_marks import SentMarks
from shared.settings import Settings
from tests.e2e.notifications.helpers import (
    Clock,
    EventSource,
    Inbox,
    chapter,
    config,
    given,
    joined,
    running_app,
    settle,
    wait_applied,
    wait_until,
)

BOB = "bob@example.org"


class DyingMarks(SentMarks):
    """The process dies before the batch is written: the senders wait, and nothing is ever written."""

    async def _write_after_window(self) -> None:
        await asyncio.Event().wait()


async def statuses(pool: asyncpg.Pool) -> dict[str, tuple[str, int]]:
    rows = await pool.fetch("SELECT trigger_id, status, attempts FROM n_deliveries WHERE channel = 'email'"
                            " AND recipient = 'bob' AND kind = 'referral-received'")
    return {r["trigger_id"]: (r["status"], r["attempts"]) for r in rows}


async def test_e_mails_sent_before_a_crash_mid_batch_are_sent_again_once_with_the_same_message_id(
        settings: Settings, members: EventSource, clock: Clock, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    cfg = config(port, shutdown_grace_seconds=0.2)
    async with running_app(settings, clock, cfg) as (app, _):
        pool: asyncpg.Pool = app.state.service.pool
        ids = await members.record(chapter("c1"), joined("c1", "ann", "Ann"), joined("c1", "bob", "Bob"),
                                   given("c1", "r1", "ann", "bob"))
        await wait_applied(app, ids)
        await wait_until(lambda: len(inbox.to(BOB, "referral-received")) == 1, what="r1's e-mail")
        await settle(app)  # r1's mark written
        dying = app.state.dispatcher._marks = DyingMarks(pool)
        more = await members.record(given("c1", "r2", "ann", "bob"), given("c1", "r3", "ann", "bob"))
        await wait_applied(app, more)
        await wait_until(lambda: len(inbox.to(BOB, "referral-received")) == 3, what="r2's and r3's e-mails")
        await wait_until(lambda: len(dying._waiting) == 2, what="both marks waiting for their write")
    assert dying._batch is not None
    dying._batch.cancel()  # the dead process's write that never happened
    first = {str(m["X-Refnet-Delivery"]): str(m["Message-ID"]) for m in inbox.to(BOB, "referral-received")}
    async with running_app(settings, clock, cfg) as (app, _):
        pool = app.state.service.pool
        assert sorted(s for s, _ in (await statuses(pool)).values()) == ["pending", "pending", "sent"]
        clock.advance(seconds=cfg.claim_lease_seconds + 1)
        await wait_until(lambda: len(inbox.to(BOB, "referral-received")) == 5, what="r2 and r3 sent again")
        await settle(app)
        assert sorted((await statuses(pool)).values()) == [("sent", 1), ("sent", 2), ("sent", 2)]
    again = inbox.to(BOB, "referral-received")[3:]
    assert len(inbox.to(BOB, "referral-received")) == 5  # r1 once, r2 and r3 twice
    for message in again:
        assert first[str(message["X-Refnet-Delivery"])] == str(message["Message-ID"])
    assert len({str(m["X-Refnet-Delivery"]) for m in again}) == 2
