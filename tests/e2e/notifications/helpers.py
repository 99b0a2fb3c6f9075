"""The real parts around the notifications service in tests: a scratch members (and referrals) event store
published by the shared outbox relay, a local SMTP server, a local webhook receiver, and a clock to advance."""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import inspect
import json
import socket
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import asyncpg
import httpx
from aiosmtpd.controller import Controller
from fastapi import FastAPI

from services.notifications.adapters.smtp import Mailer, SmtpMailer
from services.notifications.config import NotificationSettings
from services.notifications.entrypoints.app import create_app
from shared.auth import issue_token
from shared.contracts import members as m
from shared.event_store import EventStore, NewEvent
from shared.events import DomainEvent, EventRegistry
from shared.migrations import open_database
from shared.outbox import OutboxRelay, idempotent_producer
from shared.settings import Settings


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


SEALED = m.SealedData(key_id="k", nonce="bm9uY2U=", ciphertext="c2VhbGVk")


class Clock:
    """The service's notion of now; tests move it instead of sleeping."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)

    def set(self, when: datetime) -> None:
        self.now = when


class EventSource:
    """Stand-in for another service: its events appended to its own store and published by the shared relay."""

    def __init__(self, settings: Settings, service: str, registry: EventRegistry) -> None:
        self.settings = settings
        self.service = service
        self.registry = registry
        self.pool: asyncpg.Pool | None = None
        self.relay: OutboxRelay | None = None
        self.ids: list[str] = []

    async def __aenter__(self) -> EventSource:
        self.pool = await open_database(self.settings.service_database_url(self.service), max_size=4)
        producer = idempotent_producer(self.settings.kafka_bootstrap_servers)
        await producer.start()
        self.relay = OutboxRelay(EventStore(self.pool), producer,
                                 lambda e: self.settings.topic(self.registry.event_class(e.type).topic),
                                 source=f"/refnet/{self.service}")
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self.relay and self.pool
        await self.relay.producer.stop()
        await self.pool.close()

    async def record(self, *events: DomainEvent) -> list[str]:
        """Append each event to a stream of its own and publish them; returns their event ids."""
        assert self.pool and self.relay
        store = EventStore(self.pool)
        ids = []
        for event in events:
            new = NewEvent.of(event, chapter_id=str(getattr(event, "chapter_id", "none")))
            await store.append(f"{event.topic}-{new.event_id}", 0, [new])
            ids.append(str(new.event_id))
        await self.relay.publish_pending()
        self.ids += ids
        return ids

    async def republish_everything(self) -> None:
        """A relay that crashed before saving its position: every event goes out again."""
        assert self.pool and self.relay
        await self.pool.execute("UPDATE outbox_positions SET position = 0")
        await self.relay.publish_pending()


# --- a real SMTP server ---------------------------------------------------------------------------

class Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 OK"

    def to(self, address: str, kind: str | None = None) -> list[EmailMessage]:
        return [msg for msg in self.messages if address in str(msg["To"])
                and (kind is None or msg["X-Refnet-Kind"] == kind)]

    def kinds(self, address: str) -> list[str]:
        return sorted(str(msg["X-Refnet-Kind"]) for msg in self.to(address))


@contextlib.contextmanager
def smtp_server() -> Any:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


def text_of(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content())


def html_of(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("html",))
    assert body is not None
    return str(body.get_content())


# --- a real webhook receiver ----------------------------------------------------------------------

@dataclass
class Receiver:
    port: int
    received: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)
    status: dict[str, int] = field(default_factory=dict)
    """Answer per path (default 200)."""

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def at(self, path: str) -> list[tuple[dict[str, str], bytes]]:
        return [(headers, body) for p, headers, body in self.received if p == path]


@contextlib.contextmanager
def webhook_receiver() -> Any:
    receiver = Receiver(port=free_port())

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            receiver.received.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(receiver.status.get(self.path, 200))
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", receiver.port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


# --- the app --------------------------------------------------------------------------------------

def config(smtp_port: int, **overrides: Any) -> NotificationSettings:
    values: dict[str, Any] = {"smtp_host": "127.0.0.1", "smtp_port": smtp_port, "dispatch_interval": 0.05,
                              "scheduler_interval": 0.05, "retry_base_seconds": 60, "retry_cap_seconds": 3600,
                              "public_url": "http://notifications.test",
                              # the local webhook receivers: plain http on loopback, which the defaults refuse
                              "webhook_allow_http": True, "webhook_allowed_hosts": "127.0.0.1"}
    values.update(overrides)
    return NotificationSettings(**values)


@contextlib.asynccontextmanager
async def running_app(settings: Settings, clock: Clock, cfg: NotificationSettings, smtp: Mailer | None = None
                      ) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    app = create_app(settings, clock=clock, smtp=smtp or SmtpMailer(cfg.smtp_host, cfg.smtp_port, timeout=5),
                     config=cfg)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://notifications") as c:
            yield app, c


async def wait_until(check: Callable[[], Awaitable[Any] | Any], timeout: float = 30.0, what: str = "") -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = check()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"timed out waiting for {what or check}")
        await asyncio.sleep(0.05)


async def settle(app: FastAPI, seconds: float = 1.0) -> None:
    """Give the consumer, scheduler and dispatcher time to do anything they (wrongly) would."""
    await asyncio.sleep(seconds)


async def applied(app: FastAPI, ids: list[str]) -> bool:
    pool: asyncpg.Pool = app.state.service.pool
    count = await pool.fetchval("SELECT count(*) FROM applied_events WHERE consumer = 'notifications'"
                                " AND event_id = ANY($1::text[])", ids)
    return bool(count == len(set(ids)))


async def wait_applied(app: FastAPI, ids: list[str], timeout: float = 30.0) -> None:
    await wait_until(lambda: applied(app, ids), timeout, f"events {ids} applied")


async def delivery_statuses(app: FastAPI, channel: str = "email") -> dict[str, list[str]]:
    pool: asyncpg.Pool = app.state.service.pool
    rows = await pool.fetch("SELECT recipient, status FROM n_deliveries WHERE channel = $1", channel)
    out: dict[str, list[str]] = {}
    for r in rows:
        out.setdefault(r["recipient"], []).append(r["status"])
    return out


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def token(settings: Settings, member_id: str, chapter_id: str, role: Any = "member") -> str:
    return issue_token(settings.token_secret, member_id=member_id, chapter_id=chapter_id, role=role)


def body_json(raw: bytes) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(raw)
    return result


# --- event builders -------------------------------------------------------------------------------

def chapter(chapter_id: str, weekday: Any = "wednesday", at: str = "07:00", tz: str = "Europe/London",
            currency: str = "GBP", language: Any = "en") -> m.ChapterFounded:
    return m.ChapterFounded(chapter_id=chapter_id, chapter_name=f"Chapter {chapter_id}", city="Leeds",
                            region="north", meeting_weekday=weekday, meeting_time=at, timezone=tz,
                            currency=currency, founded_on=date(2020, 1, 1), language=language)


def joined(chapter_id: str, member_id: str, name: str, role: Any = "member") -> m.MemberJoined:
    return m.MemberJoined(chapter_id=chapter_id, member_id=member_id, member_name=name, business=f"{name} Ltd",
                          category=f"cat-{member_id}", email=f"{name.lower()}@example.org", role=role,
                          joined_on=date(2020, 1, 1))


def given(chapter_id: str, rid: str, giver: str, receiver: str, on: date = date(2025, 3, 5)) -> m.ReferralGiven:
    return m.ReferralGiven(chapter_id=chapter_id, referral_id=rid, giver_id=giver, receiver_id=receiver,
                           referral_type="outside", temperature=4, prospect=SEALED, occurred_on=on)


def step(chapter_id: str, rid: str, giver: str, receiver: str, frm: Any, to: Any, on: date = date(2025, 3, 6),
         reason: str | None = None) -> m.ReferralStatusChanged:
    return m.ReferralStatusChanged(chapter_id=chapter_id, referral_id=rid, giver_id=giver, receiver_id=receiver,
                                   from_status=frm, to_status=to, occurred_on=on, reason=reason)


def closed(chapter_id: str, cid: str, reported_by: str, thanked: str, amount: str, currency: str = "GBP",
           rid: str | None = None) -> m.ClosedBusinessReported:
    return m.ClosedBusinessReported(chapter_id=chapter_id, closed_business_id=cid, reported_by=reported_by,
                                    thanked_member_id=thanked, amount=Decimal(amount), currency=currency,
                                    business_kind="new", referral_type="outside", referral_id=rid,
                                    occurred_on=date(2025, 3, 20))


def absent(chapter_id: str, member_id: str, on: date) -> m.AttendanceRecorded:
    return m.AttendanceRecorded(chapter_id=chapter_id, member_id=member_id, meeting_date=on, mark="A")
