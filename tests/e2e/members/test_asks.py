"""Members' asks through the members service on real Kafka and PostgreSQL: set, read, listed for the chapter,
cleared, published as AskUpdated; what is refused records nothing."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI

from shared.settings import Settings
from tests.e2e.members.conftest import ChapterWorld
from tests.integration.foundation.things import body_of, headers_of, read_topic

ASK = "Introductions to florists and wedding planners in Leeds"


async def test_a_member_sets_their_ask_the_chapter_lists_it_and_it_is_published(
        world: ChapterWorld, settings: Settings) -> None:
    c, ann = world.client, world.ids["Ann"]
    path = f"/chapters/{world.chapter_id}/members/{ann}/ask"
    put = await c.put(path, json={"text": f"  {ASK} "}, headers=world.as_("Ann"))
    assert put.status_code == 200, put.text
    assert put.json()["text"] == ASK and put.json()["position"] > 0
    mine = (await c.get(path, headers=world.as_("Bob"))).json()
    assert (mine["text"], mine["name"], mine["category"], mine["stale"]) == (ASK, "Ann", "Accountant", False)
    listed = (await world.get("Bob", "/asks")).json()
    assert [(a["name"], a["text"]) for a in listed] == [("Ann", ASK)]

    cy = await c.put(f"/chapters/{world.chapter_id}/members/{world.ids['Cy']}/ask",
                     json={"text": "Property managers"}, headers=world.as_("Cy"))
    assert cy.status_code == 200
    assert [a["name"] for a in (await world.get("Ann", "/asks")).json()] == ["Ann", "Cy"]  # same day: by name

    cleared = await c.delete(path, headers=world.as_("Ann"))
    assert cleared.status_code == 200 and cleared.json()["text"] is None
    assert (await c.get(path, headers=world.as_("Ann"))).status_code == 404
    assert [a["name"] for a in (await world.get("Ann", "/asks")).json()] == ["Cy"]

    records = await read_topic(settings.kafka_bootstrap_servers, settings.topic("members.asks"), 3)
    assert [headers_of(r)["ce_type"] for r in records] == ["org.refnet.members.ask-updated.v1"] * 3
    assert [(body_of(r)["member_id"], body_of(r)["text"]) for r in records] == [
        (ann, ASK), (world.ids["Cy"], "Property managers"), (ann, None)]
    assert all(r.key.decode() == world.chapter_id for r in records)


async def test_nobody_writes_another_members_ask_and_bad_text_is_refused(world: ChapterWorld, app: FastAPI) -> None:
    c, ann = world.client, world.ids["Ann"]
    path = f"/chapters/{world.chapter_id}/members/{ann}/ask"
    pool = app.state.service.pool
    before = await pool.fetchval("SELECT count(*) FROM events")
    for who in ("Bob", "Pat"):  # another member, and a leader: nobody writes words in Ann's name
        r = await c.put(path, json={"text": "Anything"}, headers=world.as_(who))
        assert r.status_code == 403, r.text
    for body, says in (({"text": "a\x07b c"}, "U+0007"), ({"text": "x" * 201}, "at most 200"),
                       ({"text": " "}, "at least 3"), ({"text": "\u202eevil"}, "U+202E")):
        r = await c.put(path, json=body, headers=world.as_("Ann"))
        assert r.status_code == 422, r.text
        assert r.json()["detail"][0]["loc"] == ["body", "text"] and says in r.json()["detail"][0]["msg"]
    extra = await c.put(path, json={"text": "Florists", "asked_on": "2020-01-01"}, headers=world.as_("Ann"))
    assert extra.status_code == 422 and extra.json()["detail"][0]["loc"] == ["body", "asked_on"]
    assert await pool.fetchval("SELECT count(*) FROM events") == before
    assert (await world.get("Ann", "/asks")).json() == []
    # another chapter's id answers nothing
    other = await c.get("/chapters/c-nope/asks", headers=world.as_("Ann"))
    assert other.status_code == 404


async def test_a_leader_may_clear_an_ask_and_asks_go_stale_after_45_days(world: ChapterWorld, app: FastAPI) -> None:
    c, bob = world.client, world.ids["Bob"]
    path = f"/chapters/{world.chapter_id}/members/{bob}/ask"
    assert (await c.put(path, json={"text": "Wedding venues"}, headers=world.as_("Bob"))).status_code == 200
    assert (await c.delete(path, headers=world.as_("Ann"))).status_code == 403
    assert (await world.get("Ann", "/asks")).json()[0]["text"] == "Wedding venues"
    assert (await c.delete(path, headers=world.as_("Pat"))).status_code == 200
    assert (await world.get("Ann", "/asks")).json() == []

    assert (await c.put(path, json={"text": "Wedding venues"}, headers=world.as_("Bob"))).status_code == 200
    real = app.state.clock
    app.state.clock = lambda: real() + timedelta(days=46)
    try:
        assert (await world.get("Ann", "/asks")).json() == []  # stale: left out
        stale = (await c.get(f"/chapters/{world.chapter_id}/asks?include_stale=true", headers=world.as_("Ann"))).json()
        assert [(a["text"], a["stale"]) for a in stale] == [("Wedding venues", True)]
        assert (await c.get(path, headers=world.as_("Bob"))).json()["stale"] is True
    finally:
        app.state.clock = real
