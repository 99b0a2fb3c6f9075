"""Text from members' events (names, addresses) in e-mail headers, and in what this service says when it
cannot apply an event (the dead-letter reason): one recipient per e-mail, no injected header, no personal
data in reasons."""

from __future__ import annotations

import email
import email.policy
import uuid
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

import asyncpg
import pytest

from services.notifications.config import NotificationSettings
from services.notifications.domain.email_message import UnbuildableMessage, compose, recipient
from services.notifications.domain.rendering import Rendered
from services.notifications.service_layer.reactions import NotificationReactions, ReactionFailed
from shared.contracts import members as m


def sent(name: str, address: str, subject: str = "Welcome") -> email.message.EmailMessage:
    """The message as a mail server reads it back."""
    built = compose("refnet <notifications@refnet.local>", recipient(name, address),
                    Rendered(subject, "text", "<p>html</p>"), {"X-Refnet-Kind": "welcome"})
    assert built.recipient == address  # the envelope: where the server delivers it, whatever a header says
    parsed = email.message_from_bytes(built.data, policy=email.policy.default)
    assert isinstance(parsed, email.message.EmailMessage)
    return parsed


@pytest.mark.parametrize("name", ["Bob <attacker@evil.example>, Bob", 'Bob" <attacker@evil.example>, "x',
                                  "attacker@evil.example", "Bob; Cc: attacker@evil.example", "Zoë O'Brien"])
def test_whatever_the_name_holds_there_is_one_recipient_and_it_is_the_members_own(name: str) -> None:
    message = sent(name, "bob@example.org")
    [to] = message["To"].addresses
    assert to.addr_spec == "bob@example.org" and to.display_name == name
    assert message["Cc"] is None and message["Bcc"] is None


@pytest.mark.parametrize("name", ["Eve\r\nBcc: attacker@evil.example", "Eve\nBcc: attacker@evil.example",
                                  "Eve\rBcc: attacker@evil.example", "Eve\u2028Bcc: attacker@evil.example"])
def test_a_line_break_in_a_name_or_subject_injects_no_header(name: str) -> None:
    message = sent(name, "eve@example.org", subject=f"Welcome, {name}")
    assert message["Bcc"] is None
    assert [a.addr_spec for a in message["To"].addresses] == ["eve@example.org"]
    assert "\n" not in str(message["Subject"]) and str(message["Subject"]).startswith("Welcome, Eve ")


@pytest.mark.parametrize("address", ["bob@example.org, attacker@evil.example", "Bob <bob@example.org>", "bob",
                                     "bob@", "bob@example.org\r\nBcc: attacker@evil.example", ""])
def test_an_invalid_address_cannot_be_built_and_the_reason_does_not_quote_it(address: str) -> None:
    with pytest.raises(UnbuildableMessage) as refused:
        recipient("Bob", address)
    assert str(refused.value) == "invalid e-mail address"


class FailingConnection:
    """A database refusing the member's row, with the value in its message as asyncpg's encoders put it."""

    async def execute(self, *_: Any) -> None:
        raise asyncpg.DataError("invalid input for query argument $4: 'bob@example.org' (value too long)")

    async def fetchval(self, *_: Any) -> None:
        return None


async def test_an_event_that_cannot_be_applied_is_reported_without_its_values() -> None:
    event = m.MemberJoined(chapter_id="c1", member_id="bob", member_name="Bob Secretname", business="B Ltd",
                           category="cat", email="bob@example.org", role="member", joined_on=date(2020, 1, 1))
    envelope = SimpleNamespace(id=str(uuid.uuid4()), type="org.refnet.members.member-joined.v1",
                               time=datetime(2025, 1, 1, tzinfo=UTC), chapterid="c1", imported=None,
                               dayslate=None)
    reactions = NotificationReactions(lambda: datetime(2025, 1, 1, tzinfo=UTC), NotificationSettings())
    delivered = SimpleNamespace(envelope=envelope, payload=event, record=None)
    with pytest.raises(ReactionFailed) as failed:
        await reactions.apply(FailingConnection(), [delivered])  # type: ignore[arg-type, list-item]
    reason = str(failed.value)
    assert reason.startswith("org.refnet.members.member-joined.v1: DataError")
    assert "bob@example.org" not in reason and "Secretname" not in reason
