"""The dashboard's event stream: opened with single-use, short-lived tickets, capped per member and per
chapter, and woken by PostgreSQL notifications (served by uvicorn: a stream needs real HTTP)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import AsyncIterator
from datetime import date

import httpx

from services.referrals.config import load_config
from services.referrals.entrypoints.app import create_app
from shared.settings import Settings
from tests.e2e.referrals.helpers import (
    MembersFeed,
    auth,
    chapter,
    joined,
    referral,
    serving,
    token,
    wait_applied,
)


async def ticket(client: httpx.AsyncClient, chapter_id: str, bearer: str) -> str:
    asked = await client.post(f"/chapters/{chapter_id}/stream-tickets", headers=auth(bearer))
    assert asked.status_code == 201, asked.text
    assert asked.json()["expires_in"] == 30
    return str(asked.json()["ticket"])


@contextlib.asynccontextmanager
async def stream(client: httpx.AsyncClient, chapter_id: str, ticket: str) -> AsyncIterator[httpx.Response]:
    async with client.stream("GET", f"/chapters/{chapter_id}/stream", params={"ticket": ticket}) as response:
        yield response


async def next_change(response: httpx.Response, lines: AsyncIterator[str] | None = None) -> int:
    """The data of the next `changed` event."""
    event = None
    async for line in lines or response.aiter_lines():
        if line.startswith("event: "):
            event = line.removeprefix("event: ")
        elif line.startswith("data: ") and event == "changed":
            return int(line.removeprefix("data: "))
    raise AssertionError("the stream ended")


async def test_a_ticket_opens_one_stream_once_and_the_stream_is_woken_by_notifications(settings: Settings) -> None:
    # the fallback poll is a minute: a `changed` within seconds can only come from the notification
    config = load_config().model_copy(update={"changes_poll_seconds": 60.0})
    leader, member = token(settings, "P", "c1", "president"), token(settings, "A", "c1")
    other_leader = token(settings, "X", "c2", "president")
    app = create_app(settings, config)
    async with MembersFeed(settings) as feed, serving(settings, app) as base, \
            httpx.AsyncClient(base_url=base, timeout=20) as client:
        last = await feed.record(chapter("c1"), chapter("c2"), joined("c1", "P", role="president"),
                                 joined("c1", "A"), joined("c1", "B"), joined("c2", "X", role="president"))
        await wait_applied(client, "c1", last, leader)
        assert (await client.post("/chapters/c1/stream-tickets")).status_code == 401
        assert (await client.post("/chapters/c1/stream-tickets", params={"token": leader})).status_code == 401
        assert (await client.post("/chapters/c1/stream-tickets", headers=auth(member))).status_code == 403
        assert (await client.post("/chapters/c1/stream-tickets", headers=auth(other_leader))).status_code == 404
        assert (await client.get("/chapters/c1/stream", params={"token": leader})).status_code == 401
        assert (await client.get("/chapters/c1/stream")).status_code == 401

        once = await ticket(client, "c1", leader)
        assert (await client.get("/chapters/c2/stream", params={"ticket": once})).status_code == 401  # c1's
        async with stream(client, "c1", once) as opened:
            assert opened.status_code == 200 and opened.headers["content-type"].startswith("text/event-stream")
            lines = opened.aiter_lines()
            first = await next_change(opened, lines)
            assert (await client.get("/chapters/c1/stream", params={"ticket": once})).status_code == 401  # used
            moved = await feed.record(referral("c1", "r1", "A", "B", date.today()))
            assert await asyncio.wait_for(next_change(opened, lines), 15) == moved > first
            # read-your-writes waits are woken the same way: asked before the event is even published
            unpublished = await feed.record(referral("c1", "r2", "B", "A", date.today()), publish=False)
            asked = asyncio.create_task(client.get("/chapters/c1/summary", headers=auth(leader),
                                                   params={"min_position": unpublished, "wait_ms": 10_000}))
            assert feed.relay is not None
            await feed.relay.publish_pending()
            answered = await asked
            assert answered.status_code == 200 and answered.json()["stale"] is False
            assert answered.json()["summary"][0]["referrals"] == 2

        expired = await ticket(client, "c1", leader)
        # thirty seconds later (the ticket aged in the service's database, not by waiting)
        aged = await app.state.service.pool.execute(
            "UPDATE stream_tickets SET expires_at = now() - interval '1 second' WHERE ticket_hash = $1",
            hashlib.sha256(expired.encode()).digest())
        assert aged == "UPDATE 1"  # only a hash is stored
        assert (await client.get("/chapters/c1/stream", params={"ticket": expired})).status_code == 401


async def test_open_streams_are_capped_per_member_and_per_chapter(settings: Settings) -> None:
    config = load_config().model_copy(update={"streams_per_member": 3, "streams_per_chapter": 4})
    president, secretary = token(settings, "P", "c1", "president"), token(settings, "S", "c1", "secretary")
    async with MembersFeed(settings) as feed, serving(settings, create_app(settings, config)) as base, \
            httpx.AsyncClient(base_url=base, timeout=20) as client, contextlib.AsyncExitStack() as open_streams:
        last = await feed.record(chapter("c1"), joined("c1", "P", role="president"),
                                 joined("c1", "S", role="secretary"))
        await wait_applied(client, "c1", last, president)

        async def open_as(bearer: str) -> httpx.Response:
            return await open_streams.enter_async_context(stream(client, "c1", await ticket(client, "c1", bearer)))

        presidents = [await open_as(president) for _ in range(3)]
        assert [s.status_code for s in presidents] == [200, 200, 200]
        fourth = await open_as(president)
        assert fourth.status_code == 429 and "per member" in (await fourth.aread()).decode()
        assert (await open_as(secretary)).status_code == 200  # the chapter's fourth
        full = await open_as(secretary)
        assert full.status_code == 429 and "per chapter" in (await full.aread()).decode()

        # the president closes a tab: the slot comes back once the server sees the stream gone
        await presidents[0].aclose()
        deadline = asyncio.get_running_loop().time() + 15
        while (again := await open_as(president)).status_code == 429:
            assert asyncio.get_running_loop().time() < deadline, "a closed stream kept its slot"
        assert again.status_code == 200
