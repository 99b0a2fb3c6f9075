"""Hostile or unlucky use of Idempotency-Key: a key reused for another request, a burst of concurrent
retries, stored answers that must not hold tokens, and keys that outlive their time."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

import asyncpg
import pytest
from fastapi import FastAPI

from services.members.adapters import idempotency
from services.members.service_layer import slips
from tests.e2e.members.conftest import ChapterWorld, referral
from tests.e2e.members.test_idempotency_and_erasure import count_events
from tests.e2e.sign_in import sign_in


def pool_of(app: FastAPI) -> asyncpg.Pool:
    pool: asyncpg.Pool = app.state.service.pool
    return pool


async def test_a_key_reused_with_another_body_is_422_and_records_nothing(world: ChapterWorld, app: FastAPI) -> None:
    first = await world.post("Ann", "/referrals", referral(world.ids["Bob"]), key="k-1")
    assert first.status_code == 201
    other = await world.post("Ann", "/referrals", referral(world.ids["Cy"]), key="k-1")
    assert other.status_code == 422, other.text
    detail = other.json()["detail"][0]
    assert detail["loc"] == ["header", "Idempotency-Key"] and "reused with a different request" in detail["msg"]
    assert await count_events(app, "referral-given") == 1
    assert [r["receiver_id"] for r in (await world.get("Ann", "/referrals")).json()] == [world.ids["Bob"]]
    # the same request written differently (key order, whitespace) is the same request: a replay
    same = json.dumps(dict(reversed(referral(world.ids["Bob"]).items())), indent=2)
    headers = {**world.as_("Ann"), "Idempotency-Key": "k-1", "Content-Type": "application/json"}
    again = await world.client.post(f"/chapters/{world.chapter_id}/referrals", content=same, headers=headers)
    assert again.status_code == 201 and again.json() == first.json()
    assert await count_events(app, "referral-given") == 1


async def test_eight_concurrent_requests_with_one_key_get_one_answer_and_one_slip(
        world: ChapterWorld, app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    given = await asyncio.gather(*(world.post("Ann", "/referrals", referral(world.ids["Bob"]), key="burst")
                                   for _ in range(8)))
    assert {r.status_code for r in given} == {201}, [r.text for r in given]
    assert len({r.text for r in given}) == 1
    assert await count_events(app, "referral-given") == 1
    assert len((await world.get("Ann", "/referrals")).json()) == 1
    referral_id = given[0].json()["referral_id"]
    # A status step, where deciding twice is an illegal step (409). The decision waits until every request
    # has reached it (or 0.5 s): without the key lock all eight decide, one after another's commit.
    entered, everyone = [0], asyncio.Event()
    original = slips.change_status

    async def gathered(*args: Any, **kwargs: Any) -> Any:
        entered[0] += 1
        if entered[0] == 8:
            everyone.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(everyone.wait(), 0.5)
        return await original(*args, **kwargs)

    monkeypatch.setattr(slips, "change_status", gathered)
    moved = await asyncio.gather(*(world.post("Bob", f"/referrals/{referral_id}/status", {"status": "accepted"},
                                              key="accept") for _ in range(8)))
    assert {r.status_code for r in moved} == {200}, [r.text for r in moved]
    assert len({r.text for r in moved}) == 1
    assert entered[0] == 1  # one decision; the seven others read its answer
    assert await count_events(app, "referral-status-changed") == 1


async def test_stored_answers_hold_no_token_and_a_replay_does_not_hand_it_out(
        world: ChapterWorld, app: FastAPI) -> None:
    body = {"name": "Dee", "business": "Dee Dental", "category": "Dentist", "email": "dee@example.com"}
    first = await world.post("Pat", "/members", body, key="add-dee")
    assert first.status_code == 201 and "token" not in first.json()  # Dee is e-mailed a link instead
    dee = await sign_in(world.client, world.settings, first.json()["member_id"])
    issued = await world.client.post(f"/chapters/{world.chapter_id}/members/{dee['member_id']}/sessions",
                                     headers={"Authorization": f"Bearer {dee['access_token']}",
                                              "Idempotency-Key": "more"}, json={})
    assert issued.status_code == 201 and issued.json()["access_token"]
    stored = " ".join(await pool_of(app).fetchval("SELECT array_agg(body::text) FROM idempotency_keys"))
    for secret in (dee["access_token"], dee["refresh_token"], issued.json()["access_token"],
                   issued.json()["refresh_token"]):
        assert secret not in stored
    again = await world.post("Pat", "/members", body, key="add-dee")
    assert again.status_code == 201 and again.json() == first.json()
    assert [m["name"] for m in (await world.get("Pat", "/members")).json()].count("Dee") == 1
    assert (await world.client.get(f"/chapters/{world.chapter_id}",
                                   headers={"Authorization": f"Bearer {dee['access_token']}"})).status_code == 200


async def test_an_expired_key_no_longer_replays_and_is_cleaned_up(
        world: ChapterWorld, app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    pool = pool_of(app)
    first = await world.post("Ann", "/referrals", referral(world.ids["Bob"]), key="old")
    other = await world.post("Ann", "/referrals", referral(world.ids["Cy"]), key="older")
    assert first.status_code == other.status_code == 201
    await pool.execute("UPDATE idempotency_keys SET created_at = now() - interval '8 days'"
                       " WHERE key IN ('old', 'older')")
    monkeypatch.setattr(idempotency, "SWEEP_EVERY_SECONDS", 0.0)
    again = await world.post("Ann", "/referrals", referral(world.ids["Bob"]), key="old")
    assert again.status_code == 201 and again.json()["referral_id"] != first.json()["referral_id"]
    assert await count_events(app, "referral-given") == 3
    rows = await pool.fetch("SELECT key, created_at > now() - interval '1 hour' AS fresh FROM idempotency_keys"
                            " WHERE key IN ('old', 'older')")
    assert [(r["key"], r["fresh"]) for r in rows] == [("old", True)]  # 'older' swept after the write
    # the time is configurable: with one day, a two-day-old key is expired too
    monkeypatch.setenv(idempotency.TTL_ENV, "1")
    await pool.execute("UPDATE idempotency_keys SET created_at = now() - interval '2 days' WHERE key = 'old'")
    third = await world.post("Ann", "/referrals", referral(world.ids["Bob"]), key="old")
    assert third.json()["referral_id"] not in (first.json()["referral_id"], again.json()["referral_id"])
