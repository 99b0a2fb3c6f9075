"""Visitors who registered themselves, through the real parts (members events on Kafka, a real SMTP server, the
service's durable timers on a test clock): the confirmation in the chapter's language, the reminder two days
before the meeting at the meeting's local time (across a daylight-saving change), the inviter and the leaders
told without the visitor's name, and erasure forgetting the address and cancelling the reminder."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from services.members.entrypoints.app import create_app as members_app
from services.notifications.domain import kinds as k
from shared.contracts.members import NO_INVITER, VisitorDataErased, VisitorInvited
from shared.settings import Settings
from shared.visitor_contact import seal_contact
from tests.e2e.members.conftest import found, members_config
from tests.e2e.notifications.helpers import (
    SEALED,
    Clock,
    EventSource,
    Inbox,
    auth,
    chapter,
    config,
    free_port,
    html_of,
    joined,
    running_app,
    settle,
    text_of,
    token,
    wait_applied,
    wait_until,
)

SAM = "sam@lee-plumbing.example"
# Warsaw meets Wednesdays at 07:00; summer time starts on Sunday 30 March 2025, between the registration and the
# reminder: the reminder is due on Monday 31 March at 07:00 CEST, which is 05:00 UTC (not 06:00)
REGISTERED_AT = datetime(2025, 3, 20, 10, 0, tzinfo=UTC)
MEETING = date(2025, 4, 2)
REMINDER_AT = datetime(2025, 3, 31, 5, 0, tzinfo=UTC)


def registration(settings: Settings, visitor_id: str, email: str, name: str = "Sam Lee",
                 invited_by: str = "ann", meeting: date = MEETING) -> VisitorInvited:
    return VisitorInvited(chapter_id="pl1", visitor_id=visitor_id, invited_by=invited_by, visitor=SEALED,
                          occurred_on=date(2025, 3, 20), self_registered=True, meeting_date=meeting,
                          contact=seal_contact(settings.token_keys, name, email))


async def kinds_for(app: Any, recipient: str) -> list[tuple[str, str, str]]:
    rows = await app.state.service.pool.fetch("SELECT kind, channel, status FROM n_deliveries WHERE recipient = $1"
                                              " ORDER BY kind, channel", recipient)
    return [(r["kind"], r["channel"], r["status"]) for r in rows]


async def test_a_visitor_is_confirmed_then_reminded_two_days_before_in_the_chapters_zone_and_language(
        settings: Settings, members: EventSource, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    clock = Clock(REGISTERED_AT)
    async with running_app(settings, clock, config(port)) as (app, client):
        ids = await members.record(chapter("pl1", tz="Europe/Warsaw", currency="PLN", language="pl"),
                                   joined("pl1", "pat", "Pat", role="president"), joined("pl1", "ann", "Ann"),
                                   joined("pl1", "bob", "Bob"))
        await wait_applied(app, ids)
        ids = await members.record(registration(settings, "v-1", SAM, name="Sam <b>Lee</b>"))
        await wait_until(lambda: inbox.to(SAM, k.VISITOR_CONFIRMATION), what="the visitor's confirmation")
        [mail] = inbox.to(SAM, k.VISITOR_CONFIRMATION)
        # (a long encoded subject is folded; how the reader unfolds it may double a space)
        assert " ".join(mail["Subject"].split()) == "Rejestracja na spotkanie Chapter pl1 dnia 2 kwietnia 2025 przyjęta"
        text = text_of(mail)
        assert "Sam <b>Lee</b>" in text and "dnia 2 kwietnia 2025 o godzinie 07:00 (Europe/Warsaw)" in text
        assert "Zaprasza Państwa: Ann" in text and "Przypomnimy o spotkaniu na 2 dni przed nim." in text
        assert "Sam &lt;b&gt;Lee&lt;/b&gt;" in html_of(mail) and "<b>Lee</b>" not in html_of(mail)
        assert mail["List-Unsubscribe"] is None
        # the inviter and the leader are told (e-mail and feed), without the visitor's name; Bob is not
        await wait_until(lambda: inbox.to("ann@example.org", k.VISITOR_REGISTERED), what="Ann told")
        await wait_until(lambda: inbox.to("pat@example.org", k.VISITOR_REGISTERED), what="Pat told")
        told = text_of(inbox.to("pat@example.org", k.VISITOR_REGISTERED)[0])
        assert "2 kwietnia 2025" in told and "Ann" in told and "Sam" not in told
        feed = await client.get("/members/ann/feed", headers=auth(token(settings, "ann", "pl1")))
        assert [i["kind"] for i in feed.json()["items"]] == ["visitor-registered", "welcome"]
        assert "Sam" not in feed.text
        await settle(app)
        assert inbox.kinds("bob@example.org") == [] and inbox.kinds(SAM) == [k.VISITOR_CONFIRMATION]

        clock.set(datetime(2025, 3, 31, 4, 59, tzinfo=UTC))
        await settle(app)  # 04:59 UTC = 06:59 in Warsaw, two days before: not yet
        assert inbox.kinds(SAM) == [k.VISITOR_CONFIRMATION]
        clock.set(REMINDER_AT)
        await wait_until(lambda: inbox.to(SAM, k.VISITOR_REMINDER), what="the reminder")
        reminder = inbox.to(SAM, k.VISITOR_REMINDER)[0]
        assert " ".join(reminder["Subject"].split()) == "Do zobaczenia 2 kwietnia 2025 w Chapter pl1"
        assert "o godzinie 07:00 (Europe/Warsaw)" in text_of(reminder)
        clock.set(datetime(2025, 4, 9, tzinfo=UTC))
        await settle(app)
        assert inbox.kinds(SAM) == [k.VISITOR_CONFIRMATION, k.VISITOR_REMINDER], "each once"


async def test_nobody_named_tells_the_leaders_alone_and_erasure_forgets_the_visitor(
        settings: Settings, members: EventSource, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    clock = Clock(REGISTERED_AT)
    async with running_app(settings, clock, config(port)) as (app, _):
        ids = await members.record(chapter("pl1", tz="Europe/Warsaw", currency="PLN", language="pl"),
                                   joined("pl1", "pat", "Pat", role="president"), joined("pl1", "ann", "Ann"))
        await wait_applied(app, ids)
        kim = "kim@example.org"
        ids = await members.record(registration(settings, "v-2", kim, name="Kim", invited_by=NO_INVITER))
        await wait_until(lambda: inbox.to(kim, k.VISITOR_CONFIRMATION), what="Kim's confirmation")
        await wait_until(lambda: inbox.to("pat@example.org", k.VISITOR_REGISTERED), what="the leader told")
        assert "nikt go nie zaprosił" in text_of(inbox.to("pat@example.org", k.VISITOR_REGISTERED)[0])
        assert "Zaprasza" not in text_of(inbox.to(kim, k.VISITOR_CONFIRMATION)[0])

        ids = await members.record(VisitorDataErased(chapter_id="pl1", visitor_id="v-2", key_id=SEALED.key_id))
        await wait_applied(app, ids)
        pool = app.state.service.pool
        assert await pool.fetchval("SELECT count(*) FROM n_visitors WHERE visitor_id = 'v-2'") == 0
        clock.set(datetime(2025, 4, 1, tzinfo=UTC))  # past the reminder's time
        await settle(app)
        assert inbox.kinds(kim) == [k.VISITOR_CONFIRMATION], "no reminder after erasure"
        assert "kim@" not in str(await pool.fetchval("SELECT string_agg(d::text, ' ') FROM n_deliveries d"))
        assert [kind for kind, _, _ in await kinds_for(app, "ann")] == ["welcome"], "nobody named Ann"


async def test_a_registration_two_days_or_less_before_the_meeting_is_confirmed_without_a_reminder(
        settings: Settings, members: EventSource, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    clock = Clock(datetime(2025, 3, 31, 9, 0, tzinfo=UTC))  # Monday: the meeting is Wednesday
    async with running_app(settings, clock, config(port)) as (app, _):
        ids = await members.record(chapter("pl1", tz="Europe/Warsaw", language="pl"),
                                   joined("pl1", "ann", "Ann"))
        await wait_applied(app, ids)
        await members.record(registration(settings, "v-3", "late@example.org"))
        await wait_until(lambda: inbox.to("late@example.org", k.VISITOR_CONFIRMATION), what="the confirmation")
        clock.set(datetime(2025, 4, 2, 4, 0, tzinfo=UTC))
        await settle(app)
        assert inbox.kinds("late@example.org") == [k.VISITOR_CONFIRMATION]


async def test_a_registration_on_the_members_page_reaches_the_visitor_as_a_confirmation(
        settings: Settings, smtp: tuple[Inbox, int]) -> None:
    """The whole way: the public page's POST at the members service, its event on Kafka, the e-mail."""
    inbox, port = smtp
    members = members_app(settings, members_config())
    async with members.router.lifespan_context(members), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=members), base_url="http://members") as web, \
            running_app(settings, Clock(), config(port)) as (app, _):
        chapter_id = await found(web, name="Riverside Connectors")
        # founded well before anyone registers, as in life: the chapter (its zone, its meeting time) is known here
        # when the registration arrives on the other topic; else the reminder is armed provisionally and set
        # exactly when that fires (`_provisional_due`), and the timer read below would be the provisional one
        await wait_until(lambda: app.state.service.pool.fetchval(
            "SELECT 1 FROM n_chapters WHERE chapter_id = $1", chapter_id), what="the chapter known here")
        details = (await web.get(f"/visit/{chapter_id}/details")).json()
        sent = await web.post(f"/visit/{chapter_id}", json={
            "name": "Sam Lee", "business": "Lee Plumbing", "email": SAM, "meeting_date": details["meetings"][1]})
        assert sent.status_code == 201, sent.text
        await wait_until(lambda: inbox.to(SAM, k.VISITOR_CONFIRMATION), what="the confirmation", timeout=60)
        text = text_of(inbox.to(SAM, k.VISITOR_CONFIRMATION)[0])
        assert "Hello Sam Lee," in text and "Riverside Connectors" in text and "07:00 (Europe/London)" in text
        await settle(app)
        timer = await app.state.service.pool.fetchrow("SELECT due_at FROM n_timers WHERE kind = $1",
                                                      k.VISITOR_REMINDER)
        meeting = date.fromisoformat(details["meetings"][1])
        local = timer["due_at"].astimezone(ZoneInfo("Europe/London"))  # two days before, at the meeting's time
        assert (local.date(), local.hour, local.minute) == (meeting - timedelta(days=2), 7, 0)


async def test_erasure_skips_a_confirmation_still_waiting_to_be_sent_and_cancels_the_reminder(
        settings: Settings, members: EventSource) -> None:
    clock = Clock(REGISTERED_AT)
    async with running_app(settings, clock, config(free_port())) as (app, _):  # nothing listens: e-mails wait
        ids = await members.record(chapter("pl1", tz="Europe/Warsaw", language="pl"), joined("pl1", "ann", "Ann"))
        await wait_applied(app, ids)
        await members.record(registration(settings, "v-9", "wait@example.org"))
        pool = app.state.service.pool

        async def confirmation() -> Any:
            return await pool.fetchrow("SELECT status, attempts, last_error FROM n_deliveries"
                                       " WHERE recipient = 'visitor:v-9' AND channel = 'email'")

        await wait_until(lambda: _tried(confirmation()), what="a first attempt that failed (no SMTP server)")
        ids = await members.record(VisitorDataErased(chapter_id="pl1", visitor_id="v-9", key_id=SEALED.key_id))
        await wait_applied(app, ids)
        row = await confirmation()
        assert (row["status"], row["last_error"]) == ("skipped", "the visitor's data was erased")
        assert await pool.fetchval("SELECT fired_at IS NOT NULL FROM n_timers"
                                   " WHERE timer_key = 'visitor-reminder:v-9'") is True
        clock.set(datetime(2025, 4, 1, tzinfo=UTC))
        await settle(app)
        assert await pool.fetchval("SELECT count(*) FROM n_deliveries WHERE recipient = 'visitor:v-9'") == 1


async def _tried(row: Any) -> bool:
    found = await row
    return bool(found and found["attempts"] >= 1 and found["status"] == "pending" and found["last_error"])
