"""Two replicas of the notifications service on one database and one consumer group: each delivery is claimed
by one of them (`FOR UPDATE SKIP LOCKED`, a lease), each timer fires once, so every e-mail is sent once."""

from __future__ import annotations

import contextlib
from collections import Counter

import asyncpg

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
    wait_applied,
    wait_until,
)

MEMBERS = 8


async def _sent(pool: asyncpg.Pool, kind: str) -> int:
    return int(await pool.fetchval("SELECT count(*) FROM n_deliveries WHERE channel = 'email' AND kind = $1"
                                   " AND status = 'sent'", kind))


async def test_two_replicas_send_each_email_and_fire_each_timer_once(
        settings: Settings, members: EventSource, clock: Clock, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    cfg = config(port)
    names = [f"m{n}" for n in range(MEMBERS)]
    referrals = [given("c1", f"r{g}-{r}", giver, receiver) for g, giver in enumerate(names)
                 for r, receiver in enumerate(names) if giver != receiver and (g + r) % 3 == 0]
    async with contextlib.AsyncExitStack() as stack:
        one, _ = await stack.enter_async_context(running_app(settings, clock, cfg))
        two, _ = await stack.enter_async_context(running_app(settings, clock, cfg))
        pool: asyncpg.Pool = one.state.service.pool
        ids = await members.record(chapter("c1"), *(joined("c1", n, n.upper()) for n in names), *referrals)
        await wait_applied(one, ids, timeout=60)
        await wait_until(lambda: len(inbox.messages) >= len(referrals), timeout=60, what="every referral e-mailed")
        await wait_until(lambda: _sent(pool, "referral-received"), what="recorded as sent")
        await wait_until(lambda: _all_settled(pool), timeout=30, what="no delivery pending")

        clock.advance(hours=49)  # every referral still waits for its receiver: one reminder each, from either
        await wait_until(lambda: _reminded(pool, len(referrals)), timeout=60, what="the reminders sent")
        await wait_until(lambda: _all_settled(pool), timeout=30, what="no delivery pending")
        assert await pool.fetchval("SELECT count(*) FROM n_timers WHERE fired_at IS NULL AND due_at <= $1",
                                   clock()) == 0
    by_delivery = Counter(str(m["X-Refnet-Delivery"]) for m in inbox.messages)
    assert [d for d, n in by_delivery.items() if n > 1] == [], "an e-mail was sent twice"
    kinds = Counter(str(m["X-Refnet-Kind"]) for m in inbox.messages)
    assert kinds["referral-received"] == kinds["referral-reminder"] == len(referrals)


async def _reminded(pool: asyncpg.Pool, expected: int) -> bool:
    return await _sent(pool, "referral-reminder") >= expected


async def _all_settled(pool: asyncpg.Pool) -> bool:
    return int(await pool.fetchval("SELECT count(*) FROM n_deliveries WHERE status = 'pending'"
                                   " AND channel <> 'feed'")) == 0
