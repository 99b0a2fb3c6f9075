"""The weekly digest carries the member's next best actions and the chapter's asks: a scripted history goes
through the referrals service (its daily review publishes the lists) and the notifications service (which keeps
them and the asks) on real Kafka and PostgreSQL; the e-mail is read in the chapter's language (German)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import asyncpg
from fastapi import FastAPI

from services.notifications.domain.schedule import next_digest
from shared.contracts import members as m
from shared.contracts.asks import AskUpdated
from shared.settings import Settings
from tests.e2e.notifications.helpers import Clock, Inbox, config, text_of, wait_until
from tests.e2e.notifications.helpers import running_app as notifications_app
from tests.e2e.referrals.helpers import MembersFeed, auth, referral, token, wait_applied
from tests.e2e.referrals.helpers import running_app as referrals_app

C = "digest-asks"
T = date.today() + timedelta(days=1)  # the day the referrals service reviews (after its review at start-up)


MONATE = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November",
          "Dezember"]


def day(days_ago: int) -> str:
    return (T - timedelta(days=days_ago)).isoformat()


def tag(days_ago: int) -> str:
    """The day as a German e-mail writes it: `24. November 2026`."""
    on = T - timedelta(days=days_ago)
    return f"{on.day}. {MONATE[on.month - 1]} {on.year}"


def member(member_id: str, category: str, business: str) -> m.MemberJoined:
    return m.MemberJoined(chapter_id=C, member_id=member_id, member_name=member_id.title(), business=business,
                          category=category, email=f"{member_id}@example.org", joined_on=T - timedelta(days=400))


def ask(member_id: str, text: str | None, days_ago: int) -> AskUpdated:
    return AskUpdated(chapter_id=C, member_id=member_id, text=text, asked_on=T - timedelta(days=days_ago))


HISTORY = [
    m.ChapterFounded(chapter_id=C, chapter_name="Rheinufer", city="Köln", region="west", meeting_weekday="wednesday",
                     meeting_time=time(7), timezone="Europe/Berlin", currency="EUR", founded_on=date(2020, 1, 1),
                     language="de"),
    member("me", "Restaurant", "Bistro Verde"), member("ann", "Accountant", "Ann & Co"),
    member("bob", "Florist", "Bloom"), member("cid", "Wedding planner", "Big Day"),
    member("dan", "Wholesaler", "Dan Foods"), member("eve", "Carpenter", "Eve Wood"),
    ask("ann", "Introductions to restaurant owners", 10),
    ask("dan", "Restaurant suppliers wanted", 30),
    referral(C, "r1", "me", "dan", T - timedelta(days=20)),  # answers Dan's ask
    ask("cid", "Restaurants for our wedding clients", 50),  # stale by the meeting
    ask("bob", "Wedding venues", 5),
    ask("me", "Restaurant critics", 3),  # my own: not in my digest
    ask("eve", "Restaurant furniture projects", 8),
    m.MemberLeft(chapter_id=C, member_id="eve", left_on=T - timedelta(days=4)),  # gone: her ask too
    referral(C, "r2", "bob", "me", T - timedelta(days=15)),
    ask("ann", "Introductions to restaurant owners", 10),  # saved again: still one ask
]


async def kept(app: FastAPI) -> bool:
    pool: asyncpg.Pool = app.state.service.pool
    return bool(await pool.fetchval("SELECT count(*) FROM n_next_actions WHERE member_id = 'me'")
                and await pool.fetchval("SELECT count(*) FROM n_asks WHERE chapter_id = $1", C) == 6
                and await pool.fetchval("SELECT NOT active FROM n_members WHERE member_id = 'eve'"))


async def test_the_digest_lists_my_next_actions_and_the_chapters_asks_in_german(
        settings: Settings, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    clock = Clock(datetime.now(UTC))
    cfg = config(port)
    async with MembersFeed(settings) as feed, referrals_app(settings) as (referrals, client), \
            notifications_app(settings, clock, cfg) as (notifications, _):
        await feed.record(*HISTORY)
        await wait_applied(client, C, feed.positions, settings.admin_token)
        referrals.state.projection.today = lambda: T
        assert await referrals.state.daily_review.review_if_due() == T
        await wait_until(lambda: kept(notifications), what="next actions and asks kept for the digest")

        window = {"from": day(181), "to": T.isoformat()}
        listed = (await client.get(f"/chapters/{C}/members/me/next-actions", params=window,
                                   headers=auth(token(settings, "me", C)))).json()["next_actions"]
        lift = listed[0]
        assert [a["action"] for a in listed] == ["lift", "give_back", "answer_ask"]
        area = {"referrals": "Gegebene Empfehlungen", "one_to_ones": "Einzelgespräche",
                "ceus": "Weiterbildungspunkte", "visitors": "Gäste"}[lift["area"]]
        colour = {"green": "grün", "yellow": "gelb", "red": "rot", "grey": "grau"}[lift["colour_after"]]

        meeting, due = next_digest(clock(), "wednesday", time(7), "Europe/Berlin", cfg.digest_lead_hours)
        clock.set(due + timedelta(seconds=30))
        await wait_until(lambda: inbox.to("me@example.org", "weekly-digest"), what="my digest")
        text = text_of(inbox.to("me@example.org", "weekly-digest")[0]).replace("\r\n", "\n")
        points = lift["points"].replace(".", ",")
        assert (f"Ihre nächsten Schritte (Stand {tag(0)}):\n"
                f"  - {area}: {lift['more']} mehr, +{points} Punkte für Ihre Ampel ({colour})\n"
                "  - Geben Sie Bob etwas zurück: Empfehlungen von dort (1), von Ihnen noch keine\n"
                "  - Ann sucht \"Introductions to restaurant owners\": Ihr Geschäft passt (restaurant); empfehlen"
                " oder vermitteln Sie\n"
                "Wonach Ihr Chapter sucht:\n"
                f"  - Bob: Wedding venues ({tag(5)})\n"
                f"  - Ann: Introductions to restaurant owners ({tag(10)})\n"
                f"  - Dan: Restaurant suppliers wanted ({tag(30)})\n") in text, text
        assert meeting >= T - timedelta(days=1)
        # Bob (a florist) has nothing to answer, but sees the asks, his own left out
        await wait_until(lambda: inbox.to("bob@example.org", "weekly-digest"), what="Bob's digest")
        bob = text_of(inbox.to("bob@example.org", "weekly-digest")[0])
        assert "sucht \"" not in bob and "Wedding venues" not in bob
        assert f"  - Me: Restaurant critics ({tag(3)})" in bob
