"""Asks in the next best actions, through real Kafka and PostgreSQL: a scripted chapter whose asks one
member's business matches; the API's list and the daily review's published list, worked out by hand."""

from __future__ import annotations

import json
from datetime import date, timedelta

from shared.contracts import members as m
from shared.contracts.asks import AskUpdated
from shared.settings import Settings
from tests.e2e.referrals.helpers import (
    MembersFeed,
    auth,
    chapter,
    referral,
    running_app,
    token,
    wait_applied,
)

C = "asks-1"
T = date.today() + timedelta(days=1)  # the day reviewed: after the review at start-up (today)


def member(member_id: str, category: str, business: str, role: str = "member") -> m.MemberJoined:
    return m.MemberJoined(chapter_id=C, member_id=member_id, member_name=member_id.title(), business=business,
                          category=category, email=f"{member_id}@example.org", role=role,  # type: ignore[arg-type]
                          joined_on=T - timedelta(days=400))


def ask(member_id: str, text: str, days_ago: int) -> AskUpdated:
    return AskUpdated(chapter_id=C, member_id=member_id, text=text, asked_on=T - timedelta(days=days_ago))


HISTORY = [
    chapter(C),
    member("me", "Restaurant", "Bistro Verde"), member("ann", "Accountant", "Ann & Co"),
    member("bob", "Florist", "Bloom"), member("cid", "Wedding planner", "Big Day"),
    member("dan", "Wholesaler", "Dan Foods"), member("eve", "Carpenter", "Eve Wood"),
    member("pat", "Lawyer", "Pat Law", role="president"),
    ask("ann", "Introductions to restaurant owners", 10),        # matches "Restaurant": offered
    ask("dan", "Restaurant suppliers wanted", 30),               # matches, but answered: me -> dan on T-20
    referral(C, "r1", "me", "dan", T - timedelta(days=20)),
    ask("cid", "Restaurants for our wedding clients", 50),       # matches, but stale (over 45 days)
    ask("bob", "Wedding venues", 5),                              # matches nothing of me's
    ask("me", "Restaurant critics", 3),                           # my own
    ask("eve", "Restaurant furniture projects", 8),               # Eve left the chapter since
    m.MemberLeft(chapter_id=C, member_id="eve", left_on=T - timedelta(days=4)),
    referral(C, "r2", "bob", "me", T - timedelta(days=15)),      # give back to Bob
    ask("pat", "Restaurant owners who need a lawyer", 12),        # then cleared: not offered
    AskUpdated(chapter_id=C, member_id="pat", text=None, asked_on=T - timedelta(days=2)),
]


async def test_a_member_whose_business_matches_an_ask_is_nudged_to_answer_it(settings: Settings) -> None:
    async with MembersFeed(settings) as feed, running_app(settings) as (app, client):
        await feed.record(*HISTORY)
        await wait_applied(client, C, feed.positions, settings.admin_token)

        window = {"from": (T - timedelta(days=181)).isoformat(), "to": T.isoformat()}
        r = await client.get(f"/chapters/{C}/members/me/next-actions", params=window,
                             headers=auth(token(settings, "me", C)))
        assert r.status_code == 200, r.text
        actions = r.json()["next_actions"]
        assert [(a["action"], a.get("member_id")) for a in actions] == [
            ("lift", None), ("give_back", "bob"), ("answer_ask", "ann")]
        assert actions[2] == {"action": "answer_ask", "member_id": "ann", "member_name": "Ann",
                              "ask": "Introductions to restaurant owners",
                              "asked_on": (T - timedelta(days=10)).isoformat(), "matched": ["restaurant"]}
        # Ann is an accountant: nothing of the asks matches her business
        ann = (await client.get(f"/chapters/{C}/members/ann/next-actions", params=window,
                                headers=auth(token(settings, "ann", C)))).json()["next_actions"]
        assert [a["action"] for a in ann if a["action"] == "answer_ask"] == []

        # the daily review publishes each member's list; a day later, with nothing changed, nothing again
        pool = app.state.service.pool
        app.state.projection.today = lambda: T
        assert await app.state.daily_review.review_if_due() == T
        rows = await pool.fetch("SELECT data FROM events WHERE type = 'org.refnet.referrals.next-actions-listed.v1'"
                                " ORDER BY position")
        published = {json.loads(r["data"])["member_id"]: json.loads(r["data"]) for r in rows}
        mine = published["me"]
        assert mine["as_of"] == T.isoformat()
        assert [(a["action"], a.get("member_id")) for a in mine["actions"]] == [
            ("lift", None), ("give_back", "bob"), ("answer_ask", "ann")]
        assert mine["actions"][2]["matched"] == ["restaurant"] and "eve" not in published
        app.state.projection.today = lambda: T + timedelta(days=1)
        assert await app.state.daily_review.review_if_due() == T + timedelta(days=1)
        again = await pool.fetchval("SELECT count(*) FROM events WHERE type ="
                                    " 'org.refnet.referrals.next-actions-listed.v1' AND data->>'member_id' = 'me'")
        assert again == 1
