"""A member's own standing for the member app: balance, the members not referred to yet, what raises the
score next; read with the session cookie from the app's origin (CORS with credentials, reads only)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from shared.settings import Settings
from tests.e2e.referrals.helpers import (
    MembersFeed,
    auth,
    chapter,
    closed,
    joined,
    referral,
    running_app,
    token,
    wait_applied,
)

APP = "http://127.0.0.1:8001"  # the default members public URL: the app's origin


async def test_a_member_reads_their_balance_and_what_raises_their_score(settings: Settings) -> None:
    today = date.today()
    day = today - timedelta(days=10)
    async with MembersFeed(settings) as feed, running_app(settings) as (_app, client):
        last = await feed.record(chapter("c1"), chapter("c2"), *(joined("c1", m, today - timedelta(days=400))
                                                                 for m in ("A", "B", "C", "D")),
                                 joined("c1", "P", today - timedelta(days=400), role="president"),
                                 joined("c2", "X", today - timedelta(days=400)),
                                 referral("c1", "r1", "A", "B", day), referral("c1", "r2", "A", "B", day),
                                 referral("c1", "r3", "C", "A", day), closed("c1", "cb1", "B", "A", "1200.00", day))
        await wait_applied(client, "c1", last, settings.admin_token)
        a = token(settings, "A", "c1")
        mine = await client.get("/chapters/c1/members/A/balance", headers=auth(a))
        assert mine.status_code == 200, mine.text
        body = mine.json()
        assert (body["given"], body["received"], body["balance"]) == (2, 1, 1)
        assert Decimal(body["value_given"]) == Decimal("1200.00") and Decimal(body["value_received"]) == 0
        assert [m["member_id"] for m in body["not_referred_to"]] == ["C", "D", "P"], "B was given two, A is me"
        areas = [s["area"] for s in body["raise_next"]]
        assert "referrals" in areas and "one_to_ones" in areas
        one_to_ones = next(s for s in body["raise_next"] if s["area"] == "one_to_ones")
        assert one_to_ones["more_needed"] == 26 and Decimal(one_to_ones["missing"]) == 20, "26 weeks, none held"
        missing = [Decimal(s["missing"]) for s in body["raise_next"]]
        assert missing == sorted(missing, reverse=True)

        assert (await client.get("/chapters/c1/members/B/balance", headers=auth(a))).status_code == 403
        assert (await client.get("/chapters/c1/members/B/balance",
                                 headers=auth(token(settings, "P", "c1", "president")))).status_code == 200
        assert (await client.get("/chapters/c1/members/A/balance",
                                 headers=auth(token(settings, "X", "c2")))).status_code == 404
        assert (await client.get("/chapters/c1/members/A/balance")).status_code == 401


async def test_the_app_reads_with_its_cookie_from_its_origin_only(settings: Settings) -> None:
    today = date.today()
    async with MembersFeed(settings) as feed, running_app(settings) as (_app, client):
        last = await feed.record(chapter("c1"), joined("c1", "A", today - timedelta(days=100)),
                                 joined("c1", "B", today - timedelta(days=100)))
        await wait_applied(client, "c1", last, settings.admin_token)
        cookie = {"refnet_access": token(settings, "A", "c1")}
        client.cookies.update(cookie)
        read = await client.get("/chapters/c1/members/A/scorecard", headers={"Origin": APP})
        assert read.status_code == 200, read.text
        assert read.headers["access-control-allow-origin"] == APP
        assert read.headers["access-control-allow-credentials"] == "true"
        preflight = await client.options("/chapters/c1/members/A/balance",
                                         headers={"Origin": APP, "Access-Control-Request-Method": "GET"})
        assert preflight.status_code == 204 and preflight.headers["access-control-allow-origin"] == APP

        # another origin: no CORS headers, so the browser keeps the answer from that page
        elsewhere = await client.get("/chapters/c1/members/A/scorecard", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in elsewhere.headers
        refused = await client.options("/chapters/c1/members/A/scorecard", headers={
            "Origin": "https://evil.example", "Access-Control-Request-Method": "GET"})
        assert "access-control-allow-origin" not in refused.headers
        # writes never cross, not even from the app's origin: no preflight lets one through, and a cookie write
        # without the CSRF header is refused before it does anything
        asked = await client.options("/chapters/c1/stream-tickets", headers={
            "Origin": APP, "Access-Control-Request-Method": "POST"})
        assert "access-control-allow-origin" not in asked.headers
        write = await client.post("/chapters/c1/stream-tickets", headers={"Origin": APP})
        assert write.status_code == 403 and "access-control-allow-origin" not in write.headers
