"""Preferences and unsubscribe links are honoured; leaders hear about absences and traffic lights; a member
sees only their own feed and preferences."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from shared.contracts.members import AccessRevoked
from shared.settings import Settings
from tests.e2e.notifications.helpers import (
    Clock,
    EventSource,
    Inbox,
    absent,
    auth,
    chapter,
    closed,
    config,
    given,
    joined,
    running_app,
    settle,
    step,
    text_of,
    token,
    wait_applied,
    wait_until,
)
from tests.e2e.notifications.sign_in import welcome_links

ANN, BOB, PAT = "ann@example.org", "bob@example.org", "pat@example.org"


def links(text: str) -> dict[str, str]:
    pattern = r"(Stop e-mails like this one|Unsubscribe from all refnet e-mails): \S+/unsubscribe\?token=(\S+)"
    found = re.findall(pattern, text)
    return {"kind" if label.startswith("Stop") else "all": tok for label, tok in found}


async def test_preferences_and_unsubscribe_links(settings: Settings, members: EventSource, clock: Clock,
                                                 smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    async with running_app(settings, clock, config(port)) as (app, client):
        bob = auth(token(settings, "bob", "c1"))
        prefs = await client.put("/members/bob/preferences", headers=bob,
                                 json={"channels": {"referral-received": ["feed"]}})
        assert prefs.status_code == 200 and prefs.json()["channels"]["referral-received"] == ["feed"]
        assert prefs.json()["channels"]["referral-won"] == ["email", "feed"]
        bad = await client.put("/members/bob/preferences", headers=bob, json={"channels": {"gossip": ["email"]}})
        assert bad.status_code == 422

        ids = await members.record(chapter("c1"), joined("c1", "pat", "Pat", role="president"),
                                   joined("c1", "ann", "Ann"), joined("c1", "bob", "Bob"),
                                   given("c1", "r1", "ann", "bob"), given("c1", "r2", "bob", "pat"),
                                   *welcome_links(settings, "c1", "pat", "ann", "bob"))
        await wait_applied(app, ids)
        await wait_until(lambda: len(inbox.messages) == 4, what="welcomes and Pat's referral e-mail")
        # Bob chose the feed only for new referrals: no e-mail, but it is in his feed
        feed = (await client.get("/members/bob/feed", headers=bob)).json()
        assert [i["kind"] for i in feed["items"]] == ["referral-received", "welcome"]

        # Ann unsubscribes from everything with the link in her welcome e-mail, without logging in
        ann_links = links(text_of(inbox.to(ANN, "welcome")[0]))
        page = await client.get("/unsubscribe", params={"token": ann_links["all"]})
        assert page.status_code == 200 and "no more e-mail" in page.text
        tampered = ann_links["all"][:-2] + ("AA" if not ann_links["all"].endswith("AA") else "BB")
        assert (await client.get("/unsubscribe", params={"token": tampered})).status_code == 400
        # Pat stops only "new referral" e-mails, from the link in that e-mail
        pat_links = links(text_of(inbox.to(PAT, "referral-received")[0]))
        assert (await client.post("/unsubscribe", params={"token": pat_links["kind"]})).status_code == 200

        ids = await members.record(given("c1", "r3", "bob", "ann"), given("c1", "r4", "ann", "pat"),
                                   step("c1", "r2", "bob", "pat", "given", "accepted"),
                                   closed("c1", "cb1", "bob", "ann", "50.00"))
        await wait_applied(app, ids)
        await wait_until(lambda: inbox.to(BOB, "referral-accepted"), what="Bob hears Pat accepted")
        await settle(app)
        ann_feed = (await client.get("/members/ann/feed", headers=auth(token(settings, "ann", "c1")))).json()
        assert [i["kind"] for i in ann_feed["items"]] == ["closed-business-thanks", "referral-received", "welcome"]
        assert "£50.00" in ann_feed["items"][0]["title"]
        ann_prefs = (await client.get("/members/ann/preferences", headers=auth(token(settings, "ann", "c1")))).json()
        assert ann_prefs["email"] is False
    assert inbox.kinds(ANN) == ["welcome"], "Ann unsubscribed: no more e-mail"
    assert inbox.kinds(PAT) == ["referral-received", "welcome"], "Pat stopped new-referral e-mails only"
    assert inbox.kinds(BOB) == ["referral-accepted", "welcome"]


async def test_leaders_hear_of_absences_over_the_limit_and_traffic_light_changes(
        settings: Settings, members: EventSource, referrals_source: Any, clock: Clock,
        smtp: tuple[Inbox, int]) -> None:
    from shared.contracts.referrals import TrafficLightChanged

    inbox, port = smtp
    async with running_app(settings, clock, config(port)) as (app, _):
        ids = await members.record(chapter("c1"), joined("c1", "pat", "Pat", role="president"),
                                   joined("c1", "sam", "Sam", role="secretary"), joined("c1", "ann", "Ann"),
                                   absent("c1", "ann", date(2024, 6, 5)),  # outside the six months
                                   absent("c1", "ann", date(2025, 1, 8)), absent("c1", "ann", date(2025, 2, 5)),
                                   absent("c1", "ann", date(2025, 3, 5)), *welcome_links(settings, "c1", "ann"))
        await wait_applied(app, ids)
        await settle(app)
        assert inbox.to(PAT, "absences-over-limit") == [], "three absences in six months are within the limit"
        await members.record(absent("c1", "ann", date(2025, 3, 12)))
        await wait_until(lambda: inbox.to(PAT, "absences-over-limit") and inbox.to("sam@", "absences-over-limit"),
                         what="leaders told")
        told = inbox.to(PAT, "absences-over-limit")[0]
        assert told["Subject"] == "Ann is over the absence limit"
        assert "4 absences in the last six months (limit 3)" in text_of(told)

        await referrals_source.record(TrafficLightChanged(
            chapter_id="c1", member_id="ann", from_colour="green", to_colour="yellow", score=Decimal("55.0"),
            window_from=date(2024, 9, 12), as_of=date(2025, 3, 12)))
        await wait_until(lambda: inbox.to(PAT, "traffic-light-changed") and inbox.to("sam@", "traffic-light-changed"),
                         what="leaders told of the light")
        light = inbox.to(PAT, "traffic-light-changed")[0]
        assert light["Subject"] == "Ann's traffic light is now yellow"
        assert "from green to yellow (score 55.0/100" in text_of(light)
        await settle(app)
    assert inbox.kinds(ANN) == ["welcome"], "the member is not sent the leaders' notes"
    assert len(inbox.to(PAT, "absences-over-limit")) == 1


async def test_a_member_sees_only_their_own_feed_and_revoked_tokens_stop(
        settings: Settings, members: EventSource, clock: Clock, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    async with running_app(settings, clock, config(port)) as (app, client):
        ids = await members.record(chapter("c1"), joined("c1", "ann", "Ann"), joined("c1", "bob", "Bob"))
        await wait_applied(app, ids)
        bob = auth(token(settings, "bob", "c1"))
        assert (await client.get("/members/ann/feed", headers=bob)).status_code == 404
        assert (await client.get("/members/ann/preferences", headers=bob)).status_code == 404
        assert (await client.put("/members/ann/preferences", headers=bob, json={"email": False})).status_code == 404
        ann_feed = (await client.get("/members/ann/feed", headers=auth(token(settings, "ann", "c1")))).json()
        item = ann_feed["items"][0]["id"]
        assert (await client.post(f"/members/bob/feed/{item}/read", headers=bob)).status_code == 404
        assert (await client.post(f"/members/ann/feed/{item}/read", headers=bob)).status_code == 404
        assert (await client.get("/members/ann/feed")).status_code == 401
        assert (await client.get("/members/bob/feed", headers=bob)).status_code == 200
        # Bob leaves: the members service revokes his tokens
        await members.record(AccessRevoked(chapter_id="c1", member_id="bob", reason="left"))
        async def bob_refused() -> bool:
            return (await client.get("/members/bob/feed", headers=bob)).status_code == 401

        await wait_until(bob_refused, what="Bob's token refused after he left")
