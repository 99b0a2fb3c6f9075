"""Sign-in links through the real flow (members events on Kafka, a real SMTP server): the e-mail carries the
exact link, in the chapter's language and time zone; the link is in that e-mail and nowhere else (feed,
webhooks, delivery records, logs); an expired link, one sealed with a foreign secret, or one for a member
who left, is not sent; one asked for is sent whatever the member unsubscribed from."""

from __future__ import annotations

import html
import json
import logging
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from services.notifications.domain import kinds as k
from services.notifications.service_layer.sign_in_links import EXPIRED, UNREADABLE
from shared.contracts.members import MemberLeft
from shared.settings import Settings
from tests.e2e.notifications.helpers import (
    Clock,
    EventSource,
    Inbox,
    Receiver,
    auth,
    chapter,
    config,
    html_of,
    joined,
    running_app,
    text_of,
    token,
    wait_applied,
    wait_until,
)
from tests.e2e.notifications.sign_in import link_requested

ANNA, ANN = "anna@example.org", "ann@example.org"


def code_of(url: str) -> str:
    return url.split("code=", 1)[1]


def logged(caplog: pytest.LogCaptureFixture) -> str:
    """Every log line, the service's and its libraries', but the test SMTP server's (it logs the e-mails it
    receives, which is where the link belongs)."""
    return "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records if r.name != "mail.log")


async def stored(app: Any) -> str:
    """Everything the service keeps about deliveries (data, errors, ...), as text."""
    pool = app.state.service.pool
    return str(await pool.fetchval("SELECT coalesce(string_agg(d::text, ' '), '') FROM n_deliveries d"))


async def delivery(app: Any, member_id: str, kind: str) -> Any:
    return await app.state.service.pool.fetchrow(
        "SELECT status, last_error, trigger_id FROM n_deliveries WHERE recipient = $1 AND kind = $2"
        " AND channel = 'email'", member_id, kind)


async def links_kept(app: Any) -> int:
    return int(await app.state.service.pool.fetchval("SELECT count(*) FROM n_sign_in_links"))


async def test_the_link_reaches_the_member_in_the_chapters_language_and_nowhere_else(
        settings: Settings, members: EventSource, clock: Clock, smtp: tuple[Inbox, int], receiver: Receiver,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    inbox, port = smtp
    async with running_app(settings, clock, config(port)) as (app, client):
        ids = await members.record(chapter("de1", tz="Europe/Berlin", currency="EUR", language="de"),
                                   joined("de1", "anna", "Anna"))
        await wait_applied(app, ids)
        admin = {"Authorization": f"Bearer {settings.admin_token}"}
        hook = await client.post("/chapters/de1/webhooks", headers=admin,
                                 json={"url": receiver.url("/all"), "event_types": ["*"]})
        assert hook.status_code == 201, hook.text

        event, url = link_requested(settings, "de1", "anna", expires_at=datetime(2031, 5, 6, 14, 30, tzinfo=UTC))
        await members.record(event)
        await wait_until(lambda: inbox.to(ANNA, k.SIGN_IN_LINK), what="Anna's sign-in link")
        await wait_until(lambda: [b for _, b in receiver.at("/all") if b"sign-in-link-requested" in b],
                         what="the webhook telling a link was sent")
        await wait_until(lambda: _none_kept(app), what="the sealed link forgotten once sent")
        assert (await delivery(app, "anna", k.SIGN_IN_LINK))["status"] == "sent"

        mail = inbox.to(ANNA, k.SIGN_IN_LINK)[0]
        assert mail["Subject"] == "Ihr Anmeldelink"
        text = text_of(mail)
        assert url in text.splitlines(), "the exact link, on a line of its own"
        assert "Hallo Anna," in text and "gültig bis 2031-05-06 16:30 (Europe/Berlin)" in text
        assert "Falls Sie keine Anmeldung angefordert haben" in text
        assert f'<a href="{html.escape(url)}">' in html_of(mail) and 'lang="de"' in html_of(mail)
        assert mail["List-Unsubscribe"] is None and "unsubscribe" not in text, "asked for, not subscribed to"

        code = code_of(url)
        feed = await client.get("/members/anna/feed", headers=auth(token(settings, "anna", "de1")))
        assert [i["kind"] for i in feed.json()["items"]] == ["welcome"] and code not in feed.text
        [(_, body)] = [(h, b) for h, b in receiver.at("/all") if b"sign-in-link-requested" in b]
        payload = json.loads(body)
        assert payload["data"]["member_id"] == "anna" and "link" not in payload["data"] and code not in body.decode()
        assert code not in await stored(app)
    assert code not in logged(caplog)


async def test_the_welcome_email_carries_the_sign_in_link(settings: Settings, members: EventSource, clock: Clock,
                                                          smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    async with running_app(settings, clock, config(port)) as (app, client):
        welcome, url = link_requested(settings, "c1", "ann", "welcome",
                                      expires_at=datetime(2031, 1, 10, 9, 0, tzinfo=UTC))
        ids = await members.record(chapter("c1"), joined("c1", "ann", "Ann"), welcome)
        await wait_until(lambda: inbox.to(ANN, k.WELCOME), what="Ann's welcome")
        await wait_applied(app, ids)
        mail = inbox.to(ANN, k.WELCOME)[0]
        assert mail["Subject"] == "Welcome to Chapter c1"
        text = text_of(mail)
        assert "Welcome to Chapter c1, Ann!" in text and "Sign in with this link" in text
        assert url in text.splitlines() and "until 2031-01-10 09:00 (Europe/London)" in text
        assert "Unsubscribe from all refnet e-mails" in text, "the welcome is a notification like the others"
        feed = await client.get("/members/ann/feed", headers=auth(token(settings, "ann", "c1")))
        assert [i["kind"] for i in feed.json()["items"]] == ["welcome"] and code_of(url) not in feed.text
        assert inbox.kinds(ANN) == ["welcome"], "one welcome e-mail: the one with the link"
        assert code_of(url) not in await stored(app)


async def test_a_link_expired_by_the_time_it_can_be_sent_is_not_sent(
        settings: Settings, members: EventSource, clock: Clock, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    async with running_app(settings, clock, config(port)) as (app, _):
        # the link comes before the membership (another topic): it waits for the member, and meanwhile expires
        event, url = link_requested(settings, "c1", "zed", expires_at=clock() + timedelta(minutes=15))
        ids = await members.record(chapter("c1"), event)
        await wait_applied(app, ids)
        await wait_until(lambda: _parked(app, "zed"), what="the e-mail to wait for its recipient")
        clock.advance(minutes=20)
        # and one that arrives expired already
        late, late_url = link_requested(settings, "c1", "ann", expires_at=clock() - timedelta(seconds=1))
        await members.record(joined("c1", "zed", "Zed"), joined("c1", "ann", "Ann"), late)
        for member_id in ("zed", "ann"):
            await wait_until(lambda m=member_id: _is(app, m, "skipped"), what="skipped")
            assert (await delivery(app, member_id, k.SIGN_IN_LINK))["last_error"] == EXPIRED.reason
        assert inbox.to("zed@example.org") == [] and inbox.to(ANN) == []
        assert code_of(url) not in await stored(app) and code_of(late_url) not in await stored(app)
        assert await links_kept(app) == 0


async def test_a_link_sealed_with_a_foreign_secret_is_not_sent_and_nothing_leaks(
        settings: Settings, members: EventSource, clock: Clock, smtp: tuple[Inbox, int],
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    inbox, port = smtp
    async with running_app(settings, clock, config(port)) as (app, _):
        event, url = link_requested(settings, "c1", "ann", keys=["a secret this deployment never had, 0123456789"])
        await members.record(chapter("c1"), joined("c1", "ann", "Ann"), event)
        await wait_until(lambda: _is(app, "ann", "failed"), what="the link given up")
        assert (await delivery(app, "ann", k.SIGN_IN_LINK))["last_error"] == UNREADABLE.reason
        assert inbox.to(ANN) == []
        assert code_of(url) not in await stored(app)
    assert code_of(url) not in logged(caplog)


async def test_a_member_who_left_gets_no_sign_in_link(settings: Settings, members: EventSource, clock: Clock,
                                                      smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    async with running_app(settings, clock, config(port)) as (app, _):
        ids = await members.record(chapter("c1"), joined("c1", "ann", "Ann"),
                                   MemberLeft(chapter_id="c1", member_id="ann", left_on=date(2025, 6, 1)))
        await wait_applied(app, ids)
        event, url = link_requested(settings, "c1", "ann")
        await members.record(event)
        await wait_until(lambda: _is(app, "ann", "skipped"), what="the link skipped")
        assert (await delivery(app, "ann", k.SIGN_IN_LINK))["last_error"] == "member left the chapter"
        assert inbox.to(ANN) == [] and code_of(url) not in await stored(app)


async def _is(app: Any, member_id: str, status: str) -> bool:
    row = await delivery(app, member_id, k.SIGN_IN_LINK)
    return row is not None and row["status"] == status


async def _none_kept(app: Any) -> bool:
    return await links_kept(app) == 0


async def _parked(app: Any, member_id: str) -> bool:
    row = await delivery(app, member_id, k.SIGN_IN_LINK)
    return row is not None and row["last_error"] == "recipient not known yet"


async def test_a_member_unsubscribed_from_everything_still_gets_the_link_they_asked_for(
        settings: Settings, members: EventSource, clock: Clock, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    async with running_app(settings, clock, config(port)) as (app, client):
        ids = await members.record(chapter("c1"), joined("c1", "ann", "Ann"))
        await wait_applied(app, ids)
        off = await client.put("/members/ann/preferences", headers=auth(token(settings, "ann", "c1")),
                               json={"email": False})
        assert off.status_code == 200, off.text
        event, url = link_requested(settings, "c1", "ann")
        await members.record(event)
        await wait_until(lambda: inbox.to(ANN, k.SIGN_IN_LINK), what="Ann's sign-in link")
        assert url in text_of(inbox.to(ANN, k.SIGN_IN_LINK)[0])
