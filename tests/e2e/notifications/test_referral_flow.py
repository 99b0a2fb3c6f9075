"""From events on Kafka to e-mail in a real SMTP server's inbox and the in-app feed: each notification once,
to the right person, saying what a user needs to know."""

from __future__ import annotations

from datetime import date

from shared.settings import Settings
from tests.e2e.notifications.helpers import (
    Clock,
    EventSource,
    Inbox,
    auth,
    chapter,
    closed,
    config,
    given,
    html_of,
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


async def test_referral_life_tells_each_person_once(settings: Settings, members: EventSource, clock: Clock,
                                                    smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    async with running_app(settings, clock, config(port)) as (app, client):
        await members.record(chapter("c1"), joined("c1", "pat", "Pat", role="president"), joined("c1", "ann", "Ann"),
                             joined("c1", "bob", "Bob"), *welcome_links(settings, "c1", "pat", "ann", "bob"))
        await wait_until(lambda: len(inbox.messages) == 3, what="three welcome e-mails")
        welcome = inbox.to(ANN, "welcome")[0]
        assert welcome["Subject"] == "Welcome to Chapter c1"
        assert "Welcome to Chapter c1, Ann!" in text_of(welcome)

        await members.record(given("c1", "r1", "ann", "bob", on=date(2025, 3, 5)))
        await wait_until(lambda: inbox.to(BOB, "referral-received"), what="Bob told of the referral")
        told = inbox.to(BOB, "referral-received")[0]
        assert told["Subject"] == "Ann gave you a referral"
        assert "Please confirm you received it" in text_of(told)
        assert "<p>" in html_of(told) and "Ann" in html_of(told)
        assert "/unsubscribe?token=" in text_of(told) and told["List-Unsubscribe"]

        # Bob's feed shows it, unread, and he can mark it read
        bob = token(settings, "bob", "c1")
        feed = (await client.get("/members/bob/feed", headers=auth(bob))).json()
        kinds = [item["kind"] for item in feed["items"]]
        assert kinds == ["referral-received", "welcome"] and feed["unread"] == 2
        item = feed["items"][0]
        assert item["title"] == "Ann gave you a referral"
        read = await client.post(f"/members/bob/feed/{item['id']}/read", headers=auth(bob))
        assert read.status_code == 204
        assert (await client.get("/members/bob/feed", headers=auth(bob))).json()["unread"] == 1
        await client.post("/members/bob/feed/read", headers=auth(bob))
        assert (await client.get("/members/bob/feed", headers=auth(bob))).json()["unread"] == 0

        # the giver hears when it is accepted, won or lost; a thank-you in the chapter's currency
        await members.record(step("c1", "r1", "ann", "bob", "given", "accepted"),
                             step("c1", "r1", "ann", "bob", "accepted", "contacted"),
                             step("c1", "r1", "ann", "bob", "contacted", "won"),
                             closed("c1", "cb1", "bob", "ann", "1234.50", rid="r1"))
        await wait_until(lambda: len(inbox.to(ANN)) == 4, what="Ann's four e-mails")
        assert inbox.kinds(ANN) == ["closed-business-thanks", "referral-accepted", "referral-won", "welcome"]
        assert inbox.to(ANN, "referral-accepted")[0]["Subject"] == "Bob accepted your referral"
        assert inbox.to(ANN, "referral-won")[0]["Subject"] == "Bob won the business from your referral"
        thanks = inbox.to(ANN, "closed-business-thanks")[0]
        assert thanks["Subject"] == "Thank you: £1,234.50 of closed business from your referral"
        assert "Bob thanked you for new business worth £1,234.50" in text_of(thanks)
        # the thanked member is sent to confirm it or dispute it, in the member app's inbox
        assert "Confirm it, or dispute it" in text_of(thanks)
        assert f"{settings.members_public_url.rstrip('/')}/app/inbox" in text_of(thanks)

        await members.record(given("c1", "r2", "bob", "ann"), step("c1", "r2", "bob", "ann", "given", "lost",
                                                                   reason="went elsewhere"))
        await wait_until(lambda: inbox.to(BOB, "referral-lost"), what="Bob told of the lost referral")
        assert "Reason: went elsewhere" in text_of(inbox.to(BOB, "referral-lost")[0])
        await settle(app)

    # nobody got anything twice, nobody got anything not meant for them
    assert inbox.kinds(ANN) == ["closed-business-thanks", "referral-accepted", "referral-received", "referral-won",
                                "welcome"]
    assert inbox.kinds(BOB) == ["referral-lost", "referral-received", "welcome"]
    assert inbox.kinds(PAT) == ["welcome"]


async def test_thank_you_for_a_euro_chapter_and_turned_off(settings: Settings, members: EventSource, clock: Clock,
                                                           smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    async with running_app(settings, clock, config(port)) as (app, client):
        ids = await members.record(chapter("c1", tz="Europe/Berlin", currency="EUR"),
                                   joined("c1", "pat", "Pat", role="president"), joined("c1", "ann", "Ann"),
                                   joined("c1", "bob", "Bob"), closed("c1", "cb1", "bob", "ann", "98765.4", "EUR"),
                                   *welcome_links(settings, "c1", "ann"))
        await wait_until(lambda: inbox.to(ANN, "closed-business-thanks"), what="thank-you")
        assert "€98,765.40" in inbox.to(ANN, "closed-business-thanks")[0]["Subject"]

        # the chapter turns thank-you notes off: a member may not, a leader may
        body = {"thank_you_enabled": False, "absence_limit": 3, "digest_enabled": True}
        refused = await client.put("/chapters/c1/settings", json=body, headers=auth(token(settings, "ann", "c1")))
        assert refused.status_code == 403
        await wait_applied(app, ids)
        done = await client.put("/chapters/c1/settings", json=body,
                                headers=auth(token(settings, "pat", "c1", "president")))
        assert done.status_code == 200
        # a limit past what the column holds is the caller's mistake, named (it was a 500, found by the fuzz)
        too_big = await client.put("/chapters/c1/settings", json={**body, "absence_limit": 2**31},
                                   headers=auth(token(settings, "pat", "c1", "president")))
        assert too_big.status_code == 422, too_big.text
        assert too_big.json()["detail"][0]["loc"] == ["body", "absence_limit"]
        later = await members.record(closed("c1", "cb2", "bob", "ann", "10.00", "EUR"))
        await wait_applied(app, later)
        await settle(app)
    assert len(inbox.to(ANN, "closed-business-thanks")) == 1
    feed_kinds = {r for r in inbox.kinds(ANN)}
    assert feed_kinds == {"welcome", "closed-business-thanks"}
