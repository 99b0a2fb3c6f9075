"""Two replicas of the referrals service on one database and one consumer group: the dashboard's stream on one
replica moves when the other applies the slip (PostgreSQL notifications, not process memory), a stream
ticket asked from one replica opens the stream on the other, and the daily review runs once a day however
many replicas look for it at the same moment."""

from __future__ import annotations

import asyncio
import json
from datetime import date, timedelta

import httpx

from services.referrals.config import load_config
from services.referrals.entrypoints.app import create_app
from shared.settings import Settings
from tests.e2e.referrals.helpers import (
    MembersFeed,
    attendance,
    auth,
    ceu,
    chapter,
    joined,
    referral,
    serving,
    token,
    wait_applied,
)
from tests.e2e.referrals.test_stream import next_change, stream, ticket


async def test_a_stream_on_one_replica_moves_when_another_replica_applies_the_slip(settings: Settings) -> None:
    # the fallback poll is a minute: a change within seconds can only come from the database's notification
    config = load_config().model_copy(update={"changes_poll_seconds": 60.0})
    leader = token(settings, "P", "c1", "president")
    consuming, streaming = create_app(settings, config), create_app(settings, config)
    async with MembersFeed(settings) as feed, serving(settings, consuming) as base_a, \
            serving(settings, streaming, first_port=18300) as base_b, \
            httpx.AsyncClient(base_url=base_a, timeout=20) as a, httpx.AsyncClient(base_url=base_b, timeout=20) as b:
        # the streaming replica leaves the consumer group: every slip is applied by the other one
        await streaming.state.service.broker.stop()
        last = await feed.record(chapter("c1"), joined("c1", "P", role="president"), joined("c1", "A"),
                                 joined("c1", "B"))
        await wait_applied(b, "c1", last, leader)  # read-your-writes on B, for an event A applied
        async with stream(b, "c1", await ticket(a, "c1", leader)) as opened:  # the ticket is A's, the stream B's
            assert opened.status_code == 200
            lines = opened.aiter_lines()
            first = await next_change(opened, lines)
            moved = await feed.record(referral("c1", "r1", "A", "B", date.today()))
            assert await asyncio.wait_for(next_change(opened, lines), 15) == moved > first
        summary = (await b.get("/chapters/c1/summary", headers=auth(leader))).json()
        assert summary["summary"][0]["referrals"] == 1


async def test_the_daily_review_runs_once_a_day_across_replicas(settings: Settings) -> None:
    today = date.today()
    joined_on = today - timedelta(days=99)
    replicas = [create_app(settings), create_app(settings), create_app(settings)]
    async with MembersFeed(settings) as feed, serving(settings, replicas[0]) as base, \
            serving(settings, replicas[1], first_port=18300), serving(settings, replicas[2], first_port=18400), \
            httpx.AsyncClient(base_url=base, timeout=20) as client:
        last = await feed.record(chapter("c1"), joined("c1", "A", joined_on), joined("c1", "B", joined_on),
                                 attendance("c1", "A", today, "P"), ceu("c1", "e1", "A", today, credits=10),
                                 *(referral("c1", f"r{i}", "A", "B", today - timedelta(days=i)) for i in range(3)))
        await wait_applied(client, "c1", last, settings.admin_token)
        pool = replicas[0].state.service.pool
        before = await pool.fetchval("SELECT count(*) FROM events")
        # seven months on, all three replicas find the day's review due at the same moment
        later = today + timedelta(days=210)
        for app in replicas:
            app.state.projection.today = lambda: later
        reviewed = await asyncio.gather(*(app.state.daily_review.review_if_due() for app in replicas))
        assert sorted(reviewed, key=str) == [later, None, None], reviewed
        assert await asyncio.gather(*(app.state.daily_review.review_if_due() for app in replicas)) == [None] * 3
        rows = await pool.fetch("SELECT type, data FROM events ORDER BY position OFFSET $1", before)
        changes = [(json.loads(r["data"])["member_id"], json.loads(r["data"])["to_colour"]) for r in rows
                   if r["type"] == "org.refnet.referrals.traffic-light-changed.v1"]
        assert len(changes) == len(set(changes)) and ("A", "grey") in changes, changes  # announced once
