"""A chapter's e-mails are written in the chapter's language, with its currency's formatting."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

import pytest

from services.notifications.domain import kinds as k
from services.notifications.domain.messages import CATALOGUES, EN
from services.notifications.domain.rendering import Context, render
from shared.settings import Settings
from tests.e2e.notifications.helpers import (
    Clock,
    EventSource,
    Inbox,
    chapter,
    closed,
    config,
    given,
    html_of,
    joined,
    running_app,
    text_of,
    wait_applied,
    wait_until,
)
from tests.e2e.notifications.sign_in import welcome_links


@pytest.mark.parametrize("language", sorted(CATALOGUES))
def test_every_notification_has_every_sentence_in_every_language(language: str) -> None:
    catalogue = CATALOGUES[language]
    assert set(catalogue) == set(EN), set(EN) ^ set(catalogue)
    for key, template in catalogue.items():  # the same placeholders as the English reference
        assert sorted(_fields(template)) == sorted(_fields(EN[key])), (language, key)


def _fields(template: str) -> list[str]:
    import string

    return [name for _, name, _, _ in string.Formatter().parse(template) if name]


def test_a_value_without_a_word_is_shown_as_it_is_rather_than_failing_the_delivery() -> None:
    ctx = Context(recipient_name="Ann", chapter_name="Rheinufer", currency="EUR", language="de",
                  names={"m1": "Max"})
    mail = render(k.TRAFFIC_LIGHT_CHANGED, {"member_id": "m1", "from_colour": "green", "to_colour": "violet",
                                           "score": 71, "as_of": "2026-01-01"}, ctx)
    assert mail.subject == "Die Ampel von Max steht jetzt auf violet"


async def test_a_german_and_a_french_chapter_get_their_language(settings: Settings, members: EventSource,
                                                                clock: Clock, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    async with running_app(settings, clock, config(port)):
        await members.record(
            chapter("de1", tz="Europe/Berlin", currency="EUR", language="de"), joined("de1", "anna", "Anna"),
            joined("de1", "ben", "Ben"), given("de1", "r1", "anna", "ben", on=date(2025, 3, 5)),
            chapter("fr1", tz="Europe/Paris", currency="EUR", language="fr"), joined("fr1", "chloe", "Chloe"),
            joined("fr1", "dan", "Dan"), closed("fr1", "cb1", "dan", "chloe", "1234.5", "EUR"),
            chapter("en1"), joined("en1", "eve", "Eve"), *welcome_links(settings, "en1", "eve"))
        await wait_until(lambda: inbox.to("ben@example.org", "referral-received")
                         and inbox.to("chloe@example.org", "closed-business-thanks")
                         and inbox.to("eve@example.org", "welcome"), what="three chapters' e-mails")
    told = inbox.to("ben@example.org", "referral-received")[0]
    assert told["Subject"] == "Anna hat Ihnen eine Empfehlung gegeben"
    assert "Hallo Ben," in text_of(told) and "Bitte bestätigen Sie den Eingang" in text_of(told)
    assert 'lang="de"' in html_of(told) and "Keine E-Mails dieser Art mehr" in html_of(told)
    thanks = inbox.to("chloe@example.org", "closed-business-thanks")[0]
    assert thanks["Subject"].startswith("Merci : 1\u202f234,50\u00a0€")
    assert "Bonjour Chloe," in text_of(thanks) and "hors taxes" in text_of(thanks)
    welcome = inbox.to("eve@example.org", "welcome")[0]
    assert welcome["Subject"] == "Welcome to Chapter en1"  # English stays the default


async def test_a_welcome_that_arrives_before_its_chapter_waits_for_the_chapters_name_and_language(
        settings: Settings, members: EventSource, clock: Clock, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    async with running_app(settings, clock, config(port)) as (app, _):
        # members' topics are consumed independently: here the membership is seen before the chapter
        ids = await members.record(joined("nl1", "joost", "Joost"), *welcome_links(settings, "nl1", "joost"))
        await wait_applied(app, ids)
        await wait_until(lambda: _waiting_for_chapter(app), what="the welcome to wait for its chapter")
        assert inbox.to("joost@example.org") == []
        await members.record(chapter("nl1", tz="Europe/Amsterdam", currency="EUR", language="nl"))
        await wait_until(lambda: inbox.to("joost@example.org", "welcome"), what="the welcome once the chapter came")
    welcome = inbox.to("joost@example.org", "welcome")[0]
    assert welcome["Subject"] == "Welkom bij Chapter nl1" and 'lang="nl"' in html_of(welcome)


async def _waiting_for_chapter(app: Any) -> bool:
    pool = app.state.service.pool
    return bool(await pool.fetchval("SELECT count(*) FROM n_deliveries WHERE recipient = 'joost' AND kind = 'welcome'"
                                    " AND channel = 'email' AND last_error = 'chapter not known yet'"))


async def test_a_chapter_recorded_while_its_email_is_being_parked_still_wakes_it(
        settings: Settings, clock: Clock, smtp: tuple[Inbox, int]) -> None:
    from services.notifications.adapters import postgres as db

    _, port = smtp
    async with running_app(settings, clock, config(port)) as (app, _):
        pool = app.state.service.pool
        async with pool.acquire() as conn:
            await db.notify_member(conn, trigger_id="welcome-1", member_id="zoe", kind=k.WELCOME, chapter_id="c9",
                                   data={"member_id": "zoe"}, now=clock())
        delivery_id = await pool.fetchval("SELECT delivery_id FROM n_deliveries WHERE trigger_id = 'welcome-1'"
                                          " AND channel = 'email'")
        # the chapter's reaction is under way: chapter recorded, parked deliveries released, not yet committed
        reaction = await pool.acquire()
        tx = reaction.transaction()
        await tx.start()
        await db.arriving(reaction, db.WAITING_FOR_CHAPTER, "c9")
        await reaction.execute("INSERT INTO n_chapters (chapter_id, chapter_name, meeting_weekday, meeting_time,"
                               " timezone, currency) VALUES ('c9', 'C9', 'monday', '07:00', 'UTC', 'EUR')")
        await db.release_waiting(reaction, chapter_id="c9", now=clock())
        parking = asyncio.create_task(db.park(pool, delivery_id, db.WAITING_FOR_CHAPTER, "c9",
                                              clock() + timedelta(hours=1)))

        async def parking_waits_on_the_lock() -> bool:
            return bool(await reaction.fetchval("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                                                 " AND datname = current_database()"))

        await wait_until(parking_waits_on_the_lock, what="the parking to wait on the arrival's lock")
        assert not parking.done(), "parking waits for the arrival in flight"
        await tx.commit()
        await pool.release(reaction)
        assert await parking is False, "the chapter is known once its reaction commits: nothing is parked"
