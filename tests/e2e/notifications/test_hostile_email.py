"""E-mail against hostile member data, through the real flow (member-joined event → welcome e-mail → a real
SMTP server): a name holding addresses or line breaks gets the member exactly one e-mail, to their own
address, with no injected header; an address that cannot be an e-mail's recipient fails once, quoting
nothing; every e-mail delivery has a bounded number of attempts, whatever ends them."""

from __future__ import annotations

import logging

import aiosmtplib
import asyncpg
import pytest
from fastapi import FastAPI

from services.notifications.domain.email_message import OutgoingEmail
from shared.settings import Settings
from tests.e2e.notifications.helpers import (
    Clock,
    EventSource,
    Inbox,
    chapter,
    config,
    joined,
    running_app,
    settle,
    wait_applied,
    wait_until,
)
from tests.e2e.notifications.sign_in import welcome_links

BOB_NAME = "Bob <attacker@evil.example>, Bob"
EVE_NAME = "Eve\r\nBcc: attacker@evil.example"
MAL_ADDRESS = "mal@example.org, attacker@evil.example"


async def email_delivery(app: FastAPI, member_id: str) -> asyncpg.Record:
    pool: asyncpg.Pool = app.state.service.pool
    row = await pool.fetchrow("SELECT status, attempts, last_error FROM n_deliveries WHERE recipient = $1"
                              " AND channel = 'email'", member_id)
    assert row is not None
    return row


async def test_a_name_or_address_cannot_add_recipients_or_headers(
        settings: Settings, members: EventSource, clock: Clock, smtp: tuple[Inbox, int],
        caplog: pytest.LogCaptureFixture) -> None:
    inbox, port = smtp
    caplog.set_level(logging.INFO)
    bob = joined("c1", "bob", BOB_NAME).model_copy(update={"email": "bob@example.org"})
    eve = joined("c1", "eve", EVE_NAME).model_copy(update={"email": "eve@example.org"})
    mal = joined("c1", "mal", "Mal").model_copy(update={"email": MAL_ADDRESS})
    async with running_app(settings, clock, config(port)) as (app, _):
        ids = await members.record(chapter("c1"), bob, eve, mal, *welcome_links(settings, "c1", "bob", "eve", "mal"))
        await wait_applied(app, ids)
        await wait_until(lambda: len(inbox.messages) == 2, what="Bob's and Eve's welcome e-mails")

        async def mal_settled() -> bool:
            return (await email_delivery(app, "mal"))["status"] != "pending"

        await wait_until(mal_settled, what="Mal's welcome given up")
        # one recipient each, their own, named in the envelope and the header alike; the name only a name
        by_address = {str(m["To"].addresses[0].addr_spec): (m, rcpt) for m, rcpt in zip(inbox.messages,
                                                                                          inbox.envelopes, strict=True)}
        assert sorted(by_address) == ["bob@example.org", "eve@example.org"]
        for address, (message, rcpt) in by_address.items():
            assert rcpt == [address]
            assert [a.addr_spec for a in message["To"].addresses] == [address]
            assert message["Cc"] is None and message["Bcc"] is None
        assert by_address["bob@example.org"][0]["To"].addresses[0].display_name == BOB_NAME
        assert by_address["eve@example.org"][0]["To"].addresses[0].display_name == "Eve Bcc: attacker@evil.example"

        # Mal's address is two: failed once with its reason, not retried, nothing sent anywhere
        failed = await email_delivery(app, "mal")
        assert (failed["status"], failed["attempts"]) == ("failed", 1)
        assert failed["last_error"] == "cannot build the e-mail: invalid e-mail address"
        await settle(app)  # no send in flight: a jump past its lease would send it again
        clock.advance(days=2)  # (a weekly digest may fall in these two days: the check is about Mal)
        await settle(app)
        assert (await email_delivery(app, "mal"))["attempts"] == 1
        assert sorted(str(m["To"].addresses[0].addr_spec) for m in inbox.messages if m["X-Refnet-Kind"] == "welcome") \
            == ["bob@example.org", "eve@example.org"]
    assert not any("attacker@evil.example" in rcpt for rcpts in inbox.envelopes for rcpt in rcpts)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "mal@example.org" not in logged and "attacker@evil.example" not in logged


class RefusingMailer:
    """An SMTP server that keeps refusing, its reply naming the recipient (as real ones do)."""

    def __init__(self) -> None:
        self.tried: list[str] = []

    async def send(self, message: OutgoingEmail) -> None:
        to = message.recipient
        self.tried.append(to)
        raise aiosmtplib.SMTPResponseException(451, f"4.2.0 {to}: mailbox busy, try later")


async def test_every_e_mail_delivery_has_a_bounded_number_of_attempts(
        settings: Settings, members: EventSource, clock: Clock, smtp: tuple[Inbox, int]) -> None:
    _, port = smtp
    mailer = RefusingMailer()
    cfg = config(port, email_max_attempts=3, retry_base_seconds=60, retry_cap_seconds=600)
    async with running_app(settings, clock, cfg, smtp=mailer) as (app, _):
        ids = await members.record(chapter("c1"), joined("c1", "ann", "Ann"), joined("c1", "bob", "Bob"),
                                   *welcome_links(settings, "c1", "ann", "bob"))
        await wait_applied(app, ids)

        async def on_record(member_id: str, attempts: int) -> bool:
            row = await email_delivery(app, member_id)
            return bool(row["attempts"] == attempts and (row["last_error"] or "").startswith("SMTP"))

        await wait_until(lambda: on_record("ann", 1), what="Ann's first attempt on record")
        await wait_until(lambda: on_record("bob", 1), what="Bob's first attempt on record")
        # a process that died during Bob's last attempt: claimed again after its lease, it is given up
        pool: asyncpg.Pool = app.state.service.pool
        await pool.execute("UPDATE n_deliveries SET attempts = 3, next_attempt_at = $1 WHERE recipient = 'bob'"
                           " AND channel = 'email'", clock())
        async def given_up(member_id: str) -> bool:
            return (await email_delivery(app, member_id))["status"] == "failed"

        async def time_passes_until_ann_is_given_up() -> bool:
            clock.advance(minutes=11)  # past any backoff (capped at 10): however much time passes, 3 attempts
            return await given_up("ann")

        await wait_until(time_passes_until_ann_is_given_up, what="Ann's e-mail retried, then given up")
        await wait_until(lambda: given_up("bob"), what="Bob's e-mail given up")
        # Ann's second attempt outlived its lease (a send hanging, a clock jump) and only now comes back
        # refused: the third attempt's "gave up" stands, and nothing is scheduled again
        second = dict(await pool.fetchrow("SELECT * FROM n_deliveries WHERE recipient = 'ann' AND channel = 'email'"))
        await app.state.dispatcher._failed({**second, "attempts": 2}, "SMTP 451", cfg.email_max_attempts)
        clock.advance(days=1)
        await settle(app)
        ann, bob = await email_delivery(app, "ann"), await email_delivery(app, "bob")
    assert (ann["attempts"], ann["last_error"]) == (3, "gave up after 3 attempts: SMTP 451")
    assert bob["last_error"] == "gave up after 3 attempts: the last one did not finish"
    assert mailer.tried.count("ann@example.org") == 3 and mailer.tried.count("bob@example.org") == 1
