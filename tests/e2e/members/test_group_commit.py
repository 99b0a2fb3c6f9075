"""Group commit: slips that arrive together share one transaction, yet each is decided and answered as if
it had come alone (a refused one fails alone, an Idempotency-Key still records once)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from services.members.config import MembersConfig
from services.members.entrypoints.app import create_app
from shared.settings import Settings
from tests.e2e.members.conftest import DATA_KEKS, ChapterWorld, referral

WINDOW_MS = 300  # wide, so a test's burst surely lands in one group even on a busy machine


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings, MembersConfig(MEMBERS_DATA_KEKS=DATA_KEKS, MEMBERS_GROUP_COMMIT_MS=WINDOW_MS,
                                                     MEMBERS_GROUP_COMMIT_MAX=100))
    async with application.router.lifespan_context(application):
        yield application


def pool_of(app: FastAPI) -> asyncpg.Pool:
    pool: asyncpg.Pool = app.state.service.pool
    return pool


async def transactions_of(app: FastAPI, referral_ids: list[str]) -> int:
    """How many transactions wrote these referrals' events (rows written by one transaction share its xmin)."""
    return int(await pool_of(app).fetchval(
        "SELECT count(DISTINCT xmin::text) FROM events WHERE stream_id = ANY($1::text[])",
        [f"referral-{r}" for r in referral_ids]))


async def test_a_burst_of_slips_is_committed_together_and_a_refused_one_fails_alone(
        app: FastAPI, world: ChapterWorld) -> None:
    givers = ["Ann", "Bob", "Cy"]
    receivers = {"Ann": "Bob", "Bob": "Cy", "Cy": "Ann"}
    good = [world.post(g, "/referrals", referral(world.ids[receivers[g]], temperature=1 + n % 5))
            for n, g in enumerate(givers * 6)]
    to_nobody = world.post("Ann", "/referrals", referral("m-nobody"))
    to_self = world.post("Bob", "/referrals", referral(world.ids["Bob"]))
    answers = await asyncio.gather(*good, to_nobody, to_self)
    *accepted, nobody, himself = answers
    assert [a.status_code for a in accepted] == [201] * 18, [a.text for a in accepted]
    assert nobody.status_code in (404, 422) and himself.status_code in (403, 409, 422), (nobody.text, himself.text)
    ids = [a.json()["referral_id"] for a in accepted]
    listed = (await world.get("Pat", "/referrals")).json()
    assert sorted(r["referral_id"] for r in listed) == sorted(ids)  # the refused ones left nothing behind
    assert await transactions_of(app, ids) < len(ids) // 2, "the burst was not committed in groups"
    # every answer's position is its own event's, so a reader waiting for it sees the referral
    positions = {r["referral_id"]: r["position"] for r in (a.json() for a in accepted)}
    stored = {row["stream_id"][len("referral-"):]: row["position"] for row in await pool_of(app).fetch(
        "SELECT stream_id, position FROM events WHERE stream_id = ANY($1::text[])", [f"referral-{r}" for r in ids])}
    assert positions == stored
    keys = await pool_of(app).fetchval("SELECT count(*) FROM prospect_keys")
    assert keys == len(ids), "a refused referral's prospect key was kept"


async def test_two_requests_for_the_same_step_in_one_group_record_it_once(world: ChapterWorld) -> None:
    given = await world.post("Ann", "/referrals", referral(world.ids["Bob"]))
    rid = given.json()["referral_id"]
    first, second = await asyncio.gather(
        world.post("Bob", f"/referrals/{rid}/status", {"status": "accepted", "occurred_on": "2025-03-06"}),
        world.post("Bob", f"/referrals/{rid}/status", {"status": "accepted", "occurred_on": "2025-03-06"}))
    assert sorted([first.status_code, second.status_code]) == [200, 409], (first.text, second.text)
    moved = await world.post("Bob", f"/referrals/{rid}/status", {"status": "contacted", "occurred_on": "2025-03-07"})
    assert moved.status_code == 200, moved.text
    steps = (await world.get("Bob", f"/referrals/{rid}")).json()["steps"]
    assert [s["status"] for s in steps] == ["given", "accepted", "contacted"]


async def test_a_key_repeated_within_a_burst_records_once_and_a_reused_key_fails_alone(
        app: FastAPI, world: ChapterWorld) -> None:
    body: dict[str, Any] = referral(world.ids["Cy"])
    repeats = [world.post("Ann", "/referrals", body, key="meeting-7-slip-1") for _ in range(3)]
    other = world.post("Ann", "/referrals", referral(world.ids["Bob"]), key="meeting-7-slip-2")
    answers = await asyncio.gather(*repeats, other)
    assert [a.status_code for a in answers] == [201] * 4, [a.text for a in answers]
    assert len({a.json()["referral_id"] for a in answers[:3]}) == 1
    assert answers[0].json() == answers[1].json() == answers[2].json()
    reused, fresh = await asyncio.gather(
        world.post("Ann", "/referrals", referral(world.ids["Bob"], temperature=1), key="meeting-7-slip-1"),
        world.post("Bob", "/referrals", referral(world.ids["Cy"]), key="meeting-7-slip-3"))
    assert reused.status_code == 422 and reused.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]
    assert fresh.status_code == 201, fresh.text
    listed = (await world.get("Pat", "/referrals")).json()
    assert len(listed) == 3  # slip 1 once, slip 2, slip 3; the reused key recorded nothing


async def test_other_slips_share_a_group_with_referrals(app: FastAPI, world: ChapterWorld) -> None:
    answers = await asyncio.gather(
        world.post("Ann", "/referrals", referral(world.ids["Bob"])),
        world.post("Bob", "/one-to-ones", {"with_member_id": world.ids["Cy"], "mode": "in-person",
                                           "occurred_on": "2025-03-05"}),
        world.post("Cy", "/one-to-ones", {"with_member_id": world.ids["Bob"], "mode": "in-person",
                                          "occurred_on": "2025-03-05"}),
        world.post("Cy", "/ceus", {"description": "Podcast", "credits": 1, "occurred_on": "2025-03-05"}))
    assert [a.status_code for a in answers] == [201] * 4, [a.text for a in answers]
    one_to_ones = [a.json() for a in answers[1:3]]
    assert one_to_ones[0]["one_to_one_id"] == one_to_ones[1]["one_to_one_id"]
    assert sorted(o["already_recorded"] for o in one_to_ones) == [False, True]  # one meeting, reported twice
    assert len((await world.get("Pat", "/one-to-ones")).json()) == 1
    assert len((await world.get("Pat", "/ceus")).json()) == 1
    assert one_to_ones[0]["position"] == one_to_ones[1]["position"]  # the second waits for the first's event


async def test_groups_decided_while_others_commit_still_record_each_step_once(
        settings: Settings, world: ChapterWorld) -> None:
    """Four groups of two in flight at once (`MEMBERS_GROUP_COMMIT_IN_FLIGHT`): a group decided on state an
    earlier group is still committing is refused as a whole by the append and its requests run alone, so
    the same step asked for in several groups is recorded once and every other request is answered."""
    deep = create_app(settings, MembersConfig(MEMBERS_DATA_KEKS=DATA_KEKS, MEMBERS_GROUP_COMMIT_MS=WINDOW_MS,
                                              MEMBERS_GROUP_COMMIT_MAX=2, MEMBERS_GROUP_COMMIT_IN_FLIGHT=4))
    rid = (await world.post("Ann", "/referrals", referral(world.ids["Bob"]))).json()["referral_id"]
    usual = world.client
    async with deep.router.lifespan_context(deep), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=deep), base_url="http://t") as client:
        world.client = client
        accepts = [world.post("Bob", f"/referrals/{rid}/status", {"status": "accepted", "occurred_on": "2025-03-06"})
                   for _ in range(4)]
        gives = [world.post("Cy", "/referrals", referral(world.ids["Ann"], temperature=1 + n)) for n in range(4)]
        answers = await asyncio.gather(*accepts, *gives)
        world.client = usual
    assert sorted(a.status_code for a in answers[:4]) == [200, 409, 409, 409], [a.text for a in answers[:4]]
    assert [a.status_code for a in answers[4:]] == [201] * 4, [a.text for a in answers[4:]]
    steps = (await world.get("Bob", f"/referrals/{rid}")).json()["steps"]
    assert [s["status"] for s in steps] == ["given", "accepted"]
    given_by_cy = [r for r in (await world.get("Pat", "/referrals")).json() if r["giver_id"] == world.ids["Cy"]]
    assert len(given_by_cy) == 4
