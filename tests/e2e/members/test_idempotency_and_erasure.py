"""Idempotent retries, and personal data that never travels in clear and can be erased."""

from __future__ import annotations

import asyncio

import asyncpg
from fastapi import FastAPI

from shared.settings import Settings
from tests.e2e.members.conftest import PROSPECT, ChapterWorld, referral
from tests.integration.foundation.things import body_of, headers_of, read_topic


async def count_events(app: FastAPI, type_suffix: str) -> int:
    pool: asyncpg.Pool = app.state.service.pool
    return int(await pool.fetchval("SELECT count(*) FROM events WHERE type LIKE $1", f"%{type_suffix}%"))


async def test_a_retried_post_returns_the_first_response_and_records_nothing_twice(
        world: ChapterWorld, app: FastAPI) -> None:
    first = await world.post("Ann", "/referrals", referral(world.ids["Bob"]), key="slip-42")
    again = await world.post("Ann", "/referrals", referral(world.ids["Bob"]), key="slip-42")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert await count_events(app, "referral-given") == 1
    assert len((await world.get("Ann", "/referrals")).json()) == 1
    # another key is another slip; the same key from another member is theirs, not Ann's
    assert (await world.post("Ann", "/referrals", referral(world.ids["Bob"]), key="slip-43")).json() != first.json()
    cy = await world.post("Cy", "/referrals", referral(world.ids["Bob"]), key="slip-42")
    assert cy.json()["giver_id"] == world.ids["Cy"]
    assert await count_events(app, "referral-given") == 3


async def test_concurrent_retries_with_one_key_record_once(world: ChapterWorld, app: FastAPI) -> None:
    responses = await asyncio.gather(*(world.post("Bob", "/closed-business", {
        "thanked_member_id": world.ids["Ann"], "amount": "300.00", "business_kind": "new"}, key="tyfcb-1")
        for _ in range(5)))
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["closed_business_id"] for r in responses}) == 1
    assert await count_events(app, "closed-business-reported") == 1


async def test_a_retried_status_change_is_not_a_409(world: ChapterWorld) -> None:
    referral_id = (await world.post("Ann", "/referrals", referral(world.ids["Bob"]))).json()["referral_id"]
    first = await world.post("Bob", f"/referrals/{referral_id}/status", {"status": "accepted"}, key="acc")
    again = await world.post("Bob", f"/referrals/{referral_id}/status", {"status": "accepted"}, key="acc")
    assert first.status_code == again.status_code == 200 and first.json() == again.json()


async def test_member_added_twice_by_a_retry_is_one_member(world: ChapterWorld) -> None:
    body = {"name": "Dee", "business": "Dee Dental", "category": "Dentist", "email": "dee@example.com"}
    first = await world.post("Pat", "/members", body, key="add-dee")
    again = await world.post("Pat", "/members", body, key="add-dee")
    assert first.status_code == again.status_code == 201
    assert again.json()["member_id"] == first.json()["member_id"]  # the token is shown only the first time
    assert [m["name"] for m in (await world.get("Pat", "/members")).json()].count("Dee") == 1


def plaintexts() -> list[str]:
    return [str(v) for v in PROSPECT.values()] + ["Bloggs"]


async def test_prospect_data_never_in_clear_and_unreadable_after_erasure(
        world: ChapterWorld, app: FastAPI, settings: Settings) -> None:
    given = await world.post("Ann", "/referrals", referral(world.ids["Bob"]))
    referral_id = given.json()["referral_id"]
    assert (await world.post("Bob", f"/referrals/{referral_id}/status", {"status": "accepted"})).status_code == 200
    pool: asyncpg.Pool = app.state.service.pool
    stored = " ".join(await pool.fetchval("SELECT array_agg(data::text || metadata::text) FROM events"))
    projected = " ".join(await pool.fetchval("SELECT array_agg(r::text) FROM referrals r"))
    for secret in plaintexts():
        assert secret not in stored and secret not in projected, secret
    topic = settings.topic("members.referrals")
    records = await read_topic(settings.kafka_bootstrap_servers, topic, 2)
    assert len(records) == 2
    for record in records:
        assert not any(secret.encode() in record.value for secret in plaintexts())
    sealed = body_of(records[0])["prospect"]
    assert set(sealed) == {"key_id", "nonce", "ciphertext"}
    assert (await world.get("Bob", f"/referrals/{referral_id}")).json()["prospect"]["name"] == "Jo Bloggs"

    assert (await world.post("Cy", f"/referrals/{referral_id}/prospect-erasure")).status_code == 403
    erased = await world.post("Pat", f"/referrals/{referral_id}/prospect-erasure")
    assert erased.status_code == 201, erased.text
    after = (await world.get("Bob", f"/referrals/{referral_id}")).json()
    assert after["prospect"] is None and after["prospect_erased"] is True
    assert after["status"] == "accepted"
    assert await pool.fetchval("SELECT count(*) FROM prospect_keys WHERE key_id = $1", sealed["key_id"]) == 0
    assert (await world.get("Pat", f"/members/{world.ids['Ann']}")).json()["referrals_given"] == 1
    assert len((await world.get("Pat", "/referrals")).json()) == 1
    records = await read_topic(settings.kafka_bootstrap_servers, topic, 3)
    assert headers_of(records[-1])["ce_type"] == "org.refnet.members.prospect-data-erased.v1"
    assert body_of(records[-1])["key_id"] == sealed["key_id"]
