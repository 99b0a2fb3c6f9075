"""Who sees what; derived events appended to the referrals store and published on referrals.* topics."""

from __future__ import annotations

import json
from datetime import date, timedelta

from services.referrals.adapters.schema import current_schema
from shared.contracts.referrals import TRAFFIC_LIGHTS
from shared.settings import Settings
from tests.e2e.referrals.helpers import (
    MembersFeed,
    attendance,
    auth,
    ceu,
    chapter,
    joined,
    referral,
    running_app,
    step,
    token,
    wait_applied,
    wait_consumed,
)
from tests.integration.foundation.things import read_topic


async def test_authorisation(settings: Settings) -> None:
    today = date.today()
    async with MembersFeed(settings) as feed, running_app(settings) as (_app, client):
        last = await feed.record(chapter("c1", region="north"), chapter("c2", region="north"),
                                 joined("c1", "A"), joined("c1", "B"), joined("c2", "X"),
                                 referral("c1", "r1", "A", "B", today), referral("c1", "r2", "B", "A", today),
                                 referral("c2", "r3", "X", "X2", today))
        await wait_applied(client, "c1", last, settings.admin_token)
        member_a = token(settings, "A", "c1")
        leader_c2 = token(settings, "X", "c2", "vice-president")
        assert (await client.get("/chapters/c1/reciprocity")).status_code == 401
        assert (await client.get("/chapters/c1/reciprocity", headers=auth("junk"))).status_code == 401
        assert (await client.get("/chapters/c1/reciprocity", headers=auth(member_a))).status_code == 403
        assert (await client.get("/chapters/c1/reciprocity", headers=auth(leader_c2))).status_code == 404
        assert (await client.get("/chapters/c1/summary", params={"token": leader_c2})).status_code == 401
        assert (await client.get("/chapters/nope/summary", headers=auth(settings.admin_token))).status_code == 404
        assert (await client.get("/chapters/c2/summary", headers=auth(leader_c2))).status_code == 200
        assert (await client.get("/chapters/c1/members/A/scorecard", headers=auth(member_a))).status_code == 200
        assert (await client.get("/chapters/c1/members/B/scorecard", headers=auth(member_a))).status_code == 403
        own = await client.get("/chapters/c1/referrals", headers=auth(member_a))
        assert {r["referral_id"] for r in own.json()["referrals"]} == {"r1", "r2"}
        assert (await client.get("/chapters/c1/referrals", params={"member_id": "B"},
                                 headers=auth(member_a))).status_code == 403
        assert (await client.get("/regions/north", headers=auth(leader_c2))).status_code == 200
        assert (await client.get("/regions/north", headers=auth(member_a))).status_code == 404
        region = (await client.get("/regions/north.csv", headers=auth(settings.admin_token))).text
        assert region.splitlines()[0].startswith("chapter_id,chapter_name") and len(region.splitlines()) == 3
        # read-your-writes timeout: answered, flagged stale
        r = await client.get("/chapters/c1/summary", params={"min_position": 10**9, "wait_ms": 100},
                             headers=auth(settings.admin_token))
        assert r.status_code == 200 and r.json()["stale"] is True and r.headers["X-Refnet-Stale"] == "true"


async def test_derived_events(settings: Settings) -> None:
    today = date.today()
    joined_on = today - timedelta(days=99)
    async with MembersFeed(settings) as feed, running_app(settings) as (app, client):
        first = await feed.record(chapter("c1"), joined("c1", "A", joined_on), joined("c1", "B", joined_on),
                                  attendance("c1", "A", today, "P"),
                                  *(referral("c1", f"r{i}", "A", "B", today - timedelta(days=i)) for i in range(3)))
        await wait_applied(client, "c1", first, settings.admin_token)
        second = await feed.record(ceu("c1", "e1", "A", today, credits=10),
                                   step("c1", "r1", "A", "B", "given", "contacted", today - timedelta(days=1)),
                                   step("c1", "r1", "A", "B", "contacted", "won", today))
        await wait_applied(client, "c1", second, settings.admin_token)
        card = (await client.get("/chapters/c1/members/A/scorecard", headers=auth(settings.admin_token))).json()
        assert card["scorecards"][0]["score"] == "38.2" and card["scorecards"][0]["colour"] == "red"
        rows = await app.state.service.pool.fetch("SELECT type, data FROM events ORDER BY position")
        found = {r["type"]: json.loads(r["data"]) for r in rows}
        light = found["org.refnet.referrals.traffic-light-changed.v1"]
        assert (light["member_id"], light["from_colour"], light["to_colour"], light["score"]) == (
            "A", "grey", "red", "38.2")
        converted = found["org.refnet.referrals.referral-converted.v1"]
        assert (converted["referral_id"], converted["days_to_close"],
                converted["days_to_first_contact"]) == ("r1", 1, 0)
        pair = found["org.refnet.referrals.pair-became-one-sided.v1"]
        assert (pair["giver_id"], pair["receiver_id"], pair["given"]) == ("A", "B", 3)
        # replays announce nothing twice
        await feed.republish_everything()
        await wait_consumed(settings)
        again = await app.state.service.pool.fetchval("SELECT count(*) FROM events")
        assert again == len(rows) == 3
        published = await read_topic(settings.kafka_bootstrap_servers, settings.topic(TRAFFIC_LIGHTS), 1)
        assert len(published) == 1


async def test_a_member_who_goes_quiet_changes_colour_as_days_pass(settings: Settings) -> None:
    today = date.today()
    joined_on = today - timedelta(days=99)
    async with MembersFeed(settings) as feed, running_app(settings) as (app, client):
        last = await feed.record(chapter("c1"), joined("c1", "A", joined_on), joined("c1", "B", joined_on),
                                 attendance("c1", "A", today, "P"), ceu("c1", "e1", "A", today, credits=10),
                                 *(referral("c1", f"r{i}", "A", "B", today - timedelta(days=i)) for i in range(3)))
        await wait_applied(client, "c1", last, settings.admin_token)
        pool = app.state.service.pool
        review = app.state.daily_review
        assert await review.review_if_due() is None  # reviewed at start-up: nothing more today
        before = await pool.fetchval("SELECT count(*) FROM events")
        schema = await current_schema(pool)
        assert await pool.fetchval(f"SELECT bool_or(one_sided) FROM {schema}.pair_states") is True

        # seven months later, with no slip from anyone since: A's red turns grey, and the A→B pair that
        # was one-sided (3 given, none back) no longer is, so a new run of it would be announced again
        app.state.projection.today = lambda: today + timedelta(days=210)
        assert await review.review_if_due() == today + timedelta(days=210)
        assert await review.review_if_due() is None
        rows = await pool.fetch("SELECT type, data FROM events WHERE type <> 'org.refnet.referrals.next-actions-"
                                "listed.v1' ORDER BY position OFFSET $1", before)  # next actions: test_ask_actions
        assert [(r["type"], json.loads(r["data"])["member_id"], json.loads(r["data"])["from_colour"],
                 json.loads(r["data"])["to_colour"]) for r in rows] == [
            ("org.refnet.referrals.traffic-light-changed.v1", "A", "red", "grey")]
        card = (await client.get("/chapters/c1/members/A/scorecard", headers=auth(settings.admin_token),
                                 params={"to": (today + timedelta(days=210)).isoformat()})).json()
        assert card["scorecards"][0]["colour"] == "grey"
        assert await pool.fetchval(f"SELECT bool_or(one_sided) FROM {schema}.pair_states") is False
        # published like the others (whether A's first red was a change depends on how the events were batched)
        lights = [json.loads(r["data"])["to_colour"] for r in await pool.fetch(
            "SELECT data FROM events WHERE type = 'org.refnet.referrals.traffic-light-changed.v1' ORDER BY position")]
        published = await read_topic(settings.kafka_bootstrap_servers, settings.topic(TRAFFIC_LIGHTS), len(lights))
        assert [json.loads(m.value)["to_colour"] for m in published] == lights and lights[-1] == "grey"
