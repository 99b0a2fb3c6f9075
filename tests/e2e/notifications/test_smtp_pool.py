"""E-mail goes over kept SMTP connections: many messages per connection, at most `connections` at once, and a
kept connection the server closed meanwhile costs no message."""

from __future__ import annotations

import asyncio
from typing import Any

from services.notifications.adapters.smtp import SmtpMailer
from services.notifications.domain.email_message import OutgoingEmail, compose, recipient
from services.notifications.domain.rendering import Rendered
from tests.e2e.notifications.receivers import Inbox, smtp_server


class CountingInbox(Inbox):
    def __init__(self) -> None:
        super().__init__()
        self.peers: list[Any] = []
        """The client end (address, port) of the connection each message came on."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.peers.append(session.peer)
        return await super().handle_DATA(server, session, envelope)


def message(n: int) -> OutgoingEmail:
    return compose("refnet <n@refnet.local>", recipient("", f"m{n}@example.org"),
                   Rendered(f"message {n}", f"body {n}", f"<p>body {n}</p>"), {})


async def test_messages_share_kept_connections_and_a_closed_one_is_replaced() -> None:
    with smtp_server() as (plain, port):
        inbox = CountingInbox()
        plain.handle_DATA = inbox.handle_DATA  # type: ignore[method-assign]
        mailer = SmtpMailer("127.0.0.1", port, timeout=5, connections=3, messages_per_connection=20)
        try:
            await asyncio.gather(*(mailer.send(message(n)) for n in range(40)))
            assert sorted(str(m["Subject"]) for m in inbox.messages) == sorted(f"message {n}" for n in range(40))
            assert len(set(inbox.peers)) <= 3 + 2, "a connection per message instead of kept ones"
            # every kept connection is lost meanwhile (a restart, an idle timeout): the next messages reconnect
            for client, _ in mailer._idle:
                if client.transport is not None:
                    client.transport.close()
            await asyncio.gather(*(mailer.send(message(n)) for n in range(40, 46)))
            assert len(inbox.messages) == 46
            # each delivered to its own recipient: the envelope is the message's
            assert sorted(inbox.envelopes) == sorted([f"m{n}@example.org"] for n in range(46))
        finally:
            await mailer.close()
