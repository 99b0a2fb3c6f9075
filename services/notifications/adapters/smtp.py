"""E-mail over SMTP with aiosmtplib, on a pool of kept connections.

Opening a connection (TCP, greeting, EHLO, perhaps STARTTLS and login) costs more than the message it then
carries: a pool of `connections` kept connections each carries up to `messages_per_connection` messages
before it is closed and a new one opened. A kept connection the server closed meanwhile is noticed on the
next message, which is sent once more on a new connection; any other failure closes the connection it used
(its state on the server is unknown) and is the caller's to retry."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import Protocol

import aiosmtplib

from services.notifications.domain.email_message import OutgoingEmail


class Mailer(Protocol):
    async def send(self, message: OutgoingEmail) -> None: ...


@dataclass(eq=False)
class SmtpMailer:
    host: str
    port: int
    timeout: float = 10.0
    username: str | None = None
    password: str | None = None
    start_tls: bool | None = False
    connections: int = 8
    messages_per_connection: int = 100
    _idle: list[tuple[aiosmtplib.SMTP, int]] = field(default_factory=list, init=False, repr=False)
    _slots: asyncio.Semaphore | None = field(default=None, init=False, repr=False)

    async def send(self, message: OutgoingEmail) -> None:
        if self._slots is None:
            self._slots = asyncio.Semaphore(max(1, self.connections))
        async with self._slots:
            kept, sent = self._idle.pop() if self._idle else (None, 0)
            if kept is not None and kept.is_connected:
                try:
                    await _send(kept, message)
                except aiosmtplib.SMTPServerDisconnected:  # closed by the server while kept: once more, anew
                    _drop(kept)
                except BaseException:
                    _drop(kept)
                    raise
                else:
                    self._keep(kept, sent + 1)
                    return
            elif kept is not None:
                _drop(kept)
            client = await self._connect()
            try:
                await _send(client, message)
            except BaseException:
                _drop(client)
                raise
            self._keep(client, 1)

    async def _connect(self) -> aiosmtplib.SMTP:
        client = aiosmtplib.SMTP(hostname=self.host, port=self.port, timeout=self.timeout, start_tls=self.start_tls,
                                 username=self.username, password=self.password)
        await client.connect()
        return client

    def _keep(self, client: aiosmtplib.SMTP, sent: int) -> None:
        if sent < self.messages_per_connection:
            self._idle.append((client, sent))
        else:
            _drop(client)

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for client, _ in idle:
            with contextlib.suppress(Exception):
                await client.quit()


async def _send(client: aiosmtplib.SMTP, message: OutgoingEmail) -> None:
    """The envelope is the message's own (its one recipient), never read back from its headers."""
    # an address outside ASCII needs the server's SMTPUTF8 (the bodies are 7-bit: quoted-printable)
    options = None if message.data.isascii() else ["SMTPUTF8"]
    await client.sendmail(message.sender, [message.recipient], message.data, mail_options=options)


def _drop(client: aiosmtplib.SMTP) -> None:
    """Close without a goodbye: after a failure the server's state is unknown, and a QUIT could hang."""
    with contextlib.suppress(Exception):
        client.close()


def smtp_failure(exc: BaseException) -> str:
    """Why sending failed, as kept on the delivery: the SMTP reply code or the kind of failure. Not the
    exception's text: a refused recipient's carries the member's address."""
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return f"SMTP {exc.code}"
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        return "SMTP: recipient refused"
    if isinstance(exc, TimeoutError | aiosmtplib.SMTPTimeoutError):
        return "SMTP: timeout"
    if isinstance(exc, aiosmtplib.SMTPConnectError | ConnectionError):
        return "SMTP: cannot connect"
    return f"SMTP: {type(exc).__name__}"
