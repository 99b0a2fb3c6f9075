"""The e-mail's bytes, written by the service itself (not by the `email` package): a mail program reads back
exactly what was meant (names, subjects and bodies in any script), every line is 7-bit and within SMTP's
limit, text that looks like an encoded-word stays text, and a delivery keeps its Message-ID when sent again."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from services.notifications.domain.email_message import OutgoingEmail, compose, recipient
from services.notifications.domain.rendering import Rendered
from services.notifications.service_layer.emails import Known, Letterhead, message

SENDER = "refnet <notifications@refnet.local>"
TEXT = "Hello Zoë,\n\n.a line starting with a dot\ntrailing spaces   \n" + "long " * 100 + "\r\nend\n"
HTML = '<p style="x">Zoë = 1 — <a href="https://example.org/?a=1&b=2">link</a></p>\n' * 3


def built(name: str, subject: str = "Welcome", address: str = "zoe@example.org") -> OutgoingEmail:
    return compose(SENDER, recipient(name, address), Rendered(subject, TEXT, HTML),
                   {"Message-ID": "<abc@refnet.local>", "X-Refnet-Kind": "welcome"})


@pytest.mark.parametrize("name", ["Zoë Łukasiewicz", "日本語の名前", 'Ann "the \\ closer"', "=?utf-8?b?QmNjOiB4?=",
                                  "O'Brien, Pat", "", "Ann"])
def test_a_mail_program_reads_back_the_name_the_subject_and_both_bodies(name: str) -> None:
    sent = built(name, subject=f"Welcome, {name} — 100 €")
    read = sent.parsed()
    [to] = read["To"].addresses
    assert (to.display_name, to.addr_spec) == (name, "zoe@example.org")
    assert str(read["Subject"]) == f"Welcome, {name} — 100 €".strip() and read["X-Refnet-Kind"] == "welcome"
    assert read["From"].addresses[0].addr_spec == sent.sender == "notifications@refnet.local"
    plain, html = read.get_body(("plain",)), read.get_body(("html",))
    assert plain is not None and html is not None
    assert plain.get_content().replace("\r\n", "\n") == TEXT.replace("\r\n", "\n")
    assert html.get_content().replace("\r\n", "\n") == HTML
    assert not read.defects and not any(part.defects for part in read.walk())


@pytest.mark.parametrize("name", ["Zoë " * 300, "x" * 3000, "Ann"])
def test_every_line_is_seven_bit_and_within_smtps_limit(name: str) -> None:
    sent = built(name, subject=name)
    assert sent.data.isascii()
    assert max(len(line) for line in sent.data.split(b"\r\n")) <= 998
    assert b"\n" not in sent.data.replace(b"\r\n", b"")  # no bare line feed: every line ends CRLF
    assert [a.addr_spec for a in sent.parsed()["To"].addresses] == ["zoe@example.org"]


def test_the_envelope_names_the_members_own_address_only() -> None:
    sent = built("Bob <attacker@evil.example>, Bob", address="bob@example.org")
    assert sent.recipient == "bob@example.org" and b"attacker@evil.example>," in sent.data  # only in the name


def test_a_delivery_keeps_its_message_id_when_sent_again() -> None:
    head = Letterhead(SENDER, "http://notifications.test", "secret" * 6)
    member: Any = {"member_id": "ann", "name": "Ann", "email": "ann@example.org"}
    chapter: Any = {"chapter_name": "Bristol", "currency": "GBP", "language": "en", "timezone": "UTC"}
    known = Known(members={"ann": member}, chapters={"c1": chapter}, names={"c1": {"ann": "Ann"}})
    row: Any = {"delivery_id": uuid.uuid4(), "kind": "welcome", "chapter_id": "c1", "recipient": "ann",
                "data": "{}", "created_at": datetime(2025, 1, 1, tzinfo=UTC)}
    first, again = (message(head, row, {}, member, known).parsed() for _ in range(2))
    assert first["Message-ID"] == again["Message-ID"] == f"<{row['delivery_id'].hex}@refnet.local>"
    assert first["X-Refnet-Delivery"] == str(row["delivery_id"])
    other = message(head, {**row, "delivery_id": uuid.uuid4()}, {}, member, known).parsed()
    assert other["Message-ID"] != first["Message-ID"]
