"""A visitor's name and business never travel or rest in clear, and the inviter or a leader can erase them."""

from __future__ import annotations

import asyncpg
from fastapi import FastAPI

from shared.event_store import EventStore, NewEvent
from shared.settings import Settings
from tests.e2e.members.conftest import ChapterWorld
from tests.integration.foundation.things import body_of, headers_of, read_topic

SAM = {"visitor_name": "Sam Lee", "business": "Lee Plumbing", "occurred_on": "2025-03-01"}
SECRETS = ("Sam Lee", "Lee Plumbing")


async def visitor_named(world: ChapterWorld, visitor_id: str, who: str = "Bob") -> dict[str, object]:
    listed = await world.get(who, "/visitors")
    assert listed.status_code == 200, listed.text
    return next(v for v in listed.json() if v["visitor_id"] == visitor_id)


async def stored_text(pool: asyncpg.Pool) -> str:
    """Everything the members database holds about visitors: the event store and the read model."""
    events = await pool.fetchval("SELECT string_agg(data::text || metadata::text, ' ') FROM events")
    visitors = await pool.fetchval("SELECT string_agg(v::text, ' ') FROM visitors v")
    return f"{events} {visitors}"


async def test_a_visitors_name_is_sealed_everywhere_and_erased_by_the_inviter(
        world: ChapterWorld, app: FastAPI, settings: Settings) -> None:
    invited = await world.post("Ann", "/visitors", SAM)
    assert invited.status_code == 201, invited.text
    visitor_id = invited.json()["visitor_id"]
    pool: asyncpg.Pool = app.state.service.pool
    at_rest = await stored_text(pool)
    assert visitor_id in at_rest and not any(secret in at_rest for secret in SECRETS)
    topic = settings.topic("members.meetings")
    [message] = await read_topic(settings.kafka_bootstrap_servers, topic, 1)
    assert headers_of(message)["ce_type"] == "org.refnet.members.visitor-invited.v2"
    assert not any(secret.encode() in message.value for secret in SECRETS)
    sealed = body_of(message)["visitor"]
    assert set(sealed) == {"key_id", "nonce", "ciphertext"}
    seen = await visitor_named(world, visitor_id)
    assert (seen["name"], seen["business"], seen["visitor_erased"]) == ("Sam Lee", "Lee Plumbing", False)

    erased = await world.post("Ann", f"/visitors/{visitor_id}/erase")
    assert erased.status_code == 201, erased.text
    assert erased.json() == {"visitor_id": visitor_id, "visitor_erased": True, "position": erased.json()["position"]}
    after = await visitor_named(world, visitor_id, "Pat")
    assert (after["name"], after["business"], after["visitor_erased"]) == (None, None, True)
    assert after["stage"] == "invited" and after["invited_by"] == world.ids["Ann"]
    assert await pool.fetchval("SELECT count(*) FROM visitor_keys WHERE visitor_id = $1", visitor_id) == 0
    assert (await world.get("Pat", f"/members/{world.ids['Ann']}")).json()["visitors_invited"] == 1
    # the sealed copy on the topic opens nothing now; the erasure itself is announced there
    records = await read_topic(settings.kafka_bootstrap_servers, topic, 2)
    assert headers_of(records[-1])["ce_type"] == "org.refnet.members.visitor-data-erased.v1"
    assert body_of(records[-1]) == {"chapter_id": world.chapter_id, "visitor_id": visitor_id,
                                    "key_id": sealed["key_id"]}

    again = await world.post("Pat", f"/visitors/{visitor_id}/erase")  # a leader, after the inviter: no error
    assert again.status_code == 201, again.text
    assert await pool.fetchval("SELECT count(*) FROM events WHERE type LIKE '%visitor-data-erased%'") == 1
    # the visitor's steps go on: only the name is gone
    assert (await world.post("Ann", f"/visitors/{visitor_id}/steps", {"step": "attended"})).status_code == 201


async def test_a_leader_erases_a_visitor_another_member_may_not_and_an_unknown_one_is_not_found(
        world: ChapterWorld, app: FastAPI) -> None:
    visitor_id = (await world.post("Bob", "/visitors", SAM)).json()["visitor_id"]
    pool: asyncpg.Pool = app.state.service.pool
    refused = await world.post("Cy", f"/visitors/{visitor_id}/erase")
    assert refused.status_code == 403, refused.text
    seen = await visitor_named(world, visitor_id, "Cy")
    assert (seen["name"], seen["visitor_erased"]) == ("Sam Lee", False)
    assert await pool.fetchval("SELECT count(*) FROM visitor_keys WHERE visitor_id = $1", visitor_id) == 1
    assert await pool.fetchval("SELECT count(*) FROM events WHERE type LIKE '%visitor-data-erased%'") == 0
    assert (await world.post("Pat", "/visitors/v-nobody/erase")).status_code == 404

    assert (await world.post("Pat", f"/visitors/{visitor_id}/erase")).status_code == 201
    assert (await visitor_named(world, visitor_id, "Cy"))["visitor_erased"] is True
    assert await pool.fetchval("SELECT count(*) FROM visitor_keys WHERE visitor_id = $1", visitor_id) == 0


async def test_a_visitor_invited_before_sealing_keeps_its_name_until_erased(world: ChapterWorld, app: FastAPI) -> None:
    """A `visitor-invited.v1` in the store (its name in clear, as the read model projected it then): it still
    loads, shows its name, and erasure drops the name from the read model. The v1 event itself stays: the store
    is append-only."""
    pool: asyncpg.Pool = app.state.service.pool
    data = {"chapter_id": world.chapter_id, "visitor_id": "v-old", "invited_by": world.ids["Ann"],
            "visitor_name": "Sam Lee", "business": "Lee Plumbing", "occurred_on": "2024-03-06"}
    async with pool.acquire() as conn, conn.transaction():
        await EventStore(pool).append("visitor-v-old", 0, [NewEvent("org.refnet.members.visitor-invited.v1", data,
                                                                    world.chapter_id)], conn=conn)
        await conn.execute("INSERT INTO visitors (visitor_id, chapter_id, invited_by, name, business, stage,"
                           " invited_on) VALUES ('v-old', $1, $2, 'Sam Lee', 'Lee Plumbing', 'invited', '2024-03-06')",
                           world.chapter_id, world.ids["Ann"])
    assert (await visitor_named(world, "v-old"))["name"] == "Sam Lee"
    assert (await world.post("Cy", "/visitors/v-old/erase")).status_code == 403
    assert (await world.post("Ann", "/visitors/v-old/erase")).status_code == 201
    after = await visitor_named(world, "v-old")
    assert (after["name"], after["business"], after["visitor_erased"]) == (None, None, True)
    assert "Sam Lee" not in await pool.fetchval("SELECT v::text FROM visitors v WHERE visitor_id = 'v-old'")
