"""The weekly digest goes out before each chapter's meeting at the same local time, across daylight saving."""

from __future__ import annotations

from datetime import UTC, date, datetime

import asyncpg
from fastapi import FastAPI

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
    text_of,
    token,
    wait_applied,
    wait_until,
)

ANN, BOB, PAT = "ann@example.org", "bob@example.org", "pat@example.org"


async def digests_sent(app: FastAPI, count: int) -> bool:
    pool: asyncpg.Pool = app.state.service.pool
    return int(await pool.fetchval("SELECT count(*) FROM n_deliveries WHERE kind = 'weekly-digest'"
                                   " AND channel = 'email' AND status = 'sent'")) >= count


async def test_digest_on_the_evening_before_the_meeting_in_london_time_across_dst(
        settings: Settings, members: EventSource, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    # Wednesdays 07:00 Europe/London, digest 12 hours before: Tuesdays 19:00 London time.
    clock = Clock(datetime(2025, 3, 20, 12, 0, tzinfo=UTC))
    async with running_app(settings, clock, config(port, digest_lead_hours=12)) as (app, client):
        put = await client.put("/members/pat/preferences", json={"digest": False},
                               headers=auth(token(settings, "pat", "c1", "president")))
        assert put.status_code == 200 and put.json()["digest"] is False
        ids = await members.record(chapter("c1"), joined("c1", "pat", "Pat", role="president"),
                                   joined("c1", "ann", "Ann"), joined("c1", "bob", "Bob"),
                                   given("c1", "r1", "ann", "bob", on=date(2025, 3, 24)),
                                   given("c1", "r0", "bob", "ann", on=date(2025, 3, 10)))
        await wait_applied(app, ids)
        # Tuesday 25 March, 18:59 GMT (= UTC, before the clocks go forward on the 30th): not yet
        clock.set(datetime(2025, 3, 25, 18, 59, tzinfo=UTC))
        await settle(app)
        assert inbox.to(BOB, "weekly-digest") == []
        clock.set(datetime(2025, 3, 25, 19, 0, 30, tzinfo=UTC))
        await wait_until(lambda: inbox.to(BOB, "weekly-digest") and inbox.to(ANN, "weekly-digest"),
                         what="first digests")
        bob = inbox.to(BOB, "weekly-digest")[0]
        assert bob["Subject"] == "Your weekly digest for March 26, 2025"
        text = text_of(bob)
        assert "Referrals received: 1" in text and "Referrals given: 0" in text  # r0 is from an earlier week
        assert "Open referrals waiting on you: 1" in text and "from Ann (given, given March 24, 2025)" in text
        ann = text_of(inbox.to(ANN, "weekly-digest")[0])
        assert "Referrals given: 1" in ann and "Open referrals waiting on you: 1" in ann
        assert inbox.to(PAT, "weekly-digest") == [], "Pat turned the digest off"
        # An e-mail reaches the inbox a moment before its delivery is recorded as sent; the lease of a send
        # is counted on this test's clock, so jumping a week ahead inside that moment would (rightly, for a
        # send that never finished) send it again. Wait for the record first.
        await wait_until(lambda: digests_sent(app, 2), what="first digests recorded as sent")

        # next week London is on BST: Tuesday 1 April 19:00 BST = 18:00 UTC
        clock.set(datetime(2025, 4, 1, 17, 59, tzinfo=UTC))
        await settle(app)
        assert len(inbox.to(BOB, "weekly-digest")) == 1
        clock.set(datetime(2025, 4, 1, 18, 0, 30, tzinfo=UTC))
        await wait_until(lambda: len(inbox.to(BOB, "weekly-digest")) == 2, what="second digest at 19:00 BST")
        assert inbox.to(BOB, "weekly-digest")[1]["Subject"] == "Your weekly digest for April 2, 2025"
        await settle(app)
    assert len(inbox.to(ANN, "weekly-digest")) == 2 and len(inbox.to(BOB, "weekly-digest")) == 2


async def test_digest_for_a_new_york_chapter_uses_its_own_zone(
        settings: Settings, members: EventSource, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    # Thursdays 12:00 America/New_York, digest 3 hours before (09:00 local). DST there began 9 March 2025.
    clock = Clock(datetime(2025, 3, 4, 12, 0, tzinfo=UTC))
    async with running_app(settings, clock, config(port, digest_lead_hours=3)) as (app, _):
        ids = await members.record(chapter("ny", weekday="thursday", at="12:00", tz="America/New_York",
                                           currency="USD"), joined("ny", "ann", "Ann"))
        await wait_applied(app, ids)
        clock.set(datetime(2025, 3, 6, 13, 59, tzinfo=UTC))  # 08:59 EST
        await settle(app)
        assert inbox.to(ANN, "weekly-digest") == []
        clock.set(datetime(2025, 3, 6, 14, 0, 30, tzinfo=UTC))  # 09:00 EST
        await wait_until(lambda: inbox.to(ANN, "weekly-digest"), what="digest at 09:00 EST")
        clock.set(datetime(2025, 3, 13, 13, 0, 30, tzinfo=UTC))  # 09:00 EDT
        await wait_until(lambda: len(inbox.to(ANN, "weekly-digest")) == 2, what="digest at 09:00 EDT")
        assert [m["Subject"] for m in inbox.to(ANN, "weekly-digest")] == [
            "Your weekly digest for March 6, 2025", "Your weekly digest for March 13, 2025"]
