"""A webhook receiver that hangs holds a few of the dispatcher's slots, never all of them: in the same
chapter, a live receiver and the members' e-mails get all their deliveries while the hanging one has
still answered none of its own."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from shared.settings import Settings
from tests.e2e.notifications.helpers import (
    Clock,
    EventSource,
    Inbox,
    Receiver,
    auth,
    chapter,
    config,
    given,
    joined,
    running_app,
    token,
    wait_applied,
    wait_until,
)
from tests.e2e.notifications.receivers import HangingReceiver, hanging_receiver

SLIPS = 30
PER_SUBSCRIPTION = 2


@pytest.fixture
async def hanging() -> AsyncIterator[HangingReceiver]:
    async with hanging_receiver() as receiver:
        yield receiver


async def test_a_hanging_receiver_never_delays_a_live_one_or_the_emails(
        settings: Settings, members: EventSource, clock: Clock, smtp: tuple[Inbox, int], receiver: Receiver,
        hanging: HangingReceiver) -> None:
    inbox, port = smtp
    # a long timeout: no attempt of the hanging receiver ends while the test runs
    cfg = config(port, dispatch_concurrency=8, webhook_concurrency_per_subscription=PER_SUBSCRIPTION,
                 webhook_timeout=120, webhook_connect_timeout=5)
    pat = auth(token(settings, "pat", "c1", "president"))
    async with running_app(settings, clock, cfg) as (app, client):
        ids = await members.record(chapter("c1"), joined("c1", "pat", "Pat", role="president"),
                                   joined("c1", "ann", "Ann"), joined("c1", "bob", "Bob"))
        await wait_applied(app, ids)
        for url in (hanging.url("/hooks"), receiver.url("/live")):
            subscribed = await client.post("/chapters/c1/webhooks", headers=pat, json={
                "url": url, "event_types": ["org.refnet.members.referral-given"]})
            assert subscribed.status_code == 201, subscribed.text
        # the hanging receiver subscribed first: its deliveries come first in each claim
        await members.record(*(given("c1", f"r{n}", "ann", "bob") for n in range(SLIPS)))

        def live_referrals() -> set[str]:
            return {json.loads(body)["data"]["referral_id"] for _, body in receiver.at("/live")}

        def emails_to_bob() -> int:
            return sum(1 for m in inbox.messages if "bob@example.org" in str(m["To"]))

        await wait_until(lambda: len(live_referrals()) == SLIPS and emails_to_bob() >= SLIPS, timeout=60,
                         what="the live receiver's deliveries and Bob's e-mails")
        assert hanging.answered == 0 and hanging.connections >= 1, "the hanging receiver is still being tried"
        assert hanging.hanging <= PER_SUBSCRIPTION, "the hanging receiver holds more than its share of slots"
        assert live_referrals() == {f"r{n}" for n in range(SLIPS)}
