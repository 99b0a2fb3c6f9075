"""E-mail over SMTP with aiosmtplib."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol

import aiosmtplib


class Mailer(Protocol):
    async def send(self, message: EmailMessage) -> None: ...


@dataclass(frozen=True)
class SmtpMailer:
    host: str
    port: int
    timeout: float = 10.0
    username: str | None = None
    password: str | None = None
    start_tls: bool | None = False

    async def send(self, message: EmailMessage) -> None:
        await aiosmtplib.send(message, hostname=self.host, port=self.port, timeout=self.timeout,
                              username=self.username, password=self.password, start_tls=self.start_tls)


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
