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
