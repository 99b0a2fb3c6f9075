"""The real parts around the notifications service in tests: a scratch members (and referrals) event store
published by the shared outbox relay, a clock to advance, the app and event builders; the local SMTP server and
webhook receiver are in receivers.py (imported from here too)."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg
import httpx
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
from shared.readiness import consumer_lag, readiness
from shared.settings import Settings
from tests.e2e.notifications.receivers import Inbox as Inbox
from tests.e2e.notifications.receivers import Receiver as Receiver
from tests.e2e.notifications.receivers import free_port as free_port
from tests.e2e.notifications.receivers import html_of as html_of
from tests.e2e.notifications.receivers import smtp_server as smtp_server
from tests.e2e.notifications.receivers import text_of as text_of
from tests.e2e.notifications.receivers import webhook_receiver as webhook_receiver

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


# --- the app --------------------------------------------------------------------------------------

def config(smtp_port: int, **overrides: Any) -> NotificationSettings:
    values: dict[str, Any] = {"smtp_host": "127.0.0.1", "smtp_port": smtp_port, "dispatch_interval": 0.05,
                              "scheduler_interval": 0.05, "retry_base_seconds": 60, "retry_cap_seconds": 3600,
                              "public_url": "http://notifications.test",
                              # the local webhook receivers: plain http on loopback, which the defaults refuse
                              "webhook_allow_http": True, "webhook_allowed_hosts": "127.0.0.1",
                              # the scripted slips happened in 2025 and are recorded today: news for these
                              # tests (test_history_is_not_news runs with the real rule)
                              "news_days": 100_000}
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


async def settle(app: FastAPI, timeout: float = 30.0) -> None:
    """Wait until the service has nothing left to do as of the test clock, so that a check that something did
    NOT happen can follow (never a fixed sleep): every message on its topics applied, no timer and no delivery
    due, none in flight, and the dispatcher round twice more after all that was seen."""
    service = app.state.service
    dispatcher = app.state.dispatcher
    clock = app.state.clock

    async def idle() -> bool:
        if not (await readiness(service))[0]:  # consumers assigned their partitions, database reachable
            return False
        if any(sample.value for sample in await consumer_lag(service)):
            return False
        due = await service.pool.fetchval(
            "SELECT (SELECT count(*) FROM n_timers WHERE fired_at IS NULL AND due_at <= $1)"
            " + (SELECT count(*) FROM n_deliveries WHERE status = 'pending' AND channel <> 'feed'"
            "    AND next_attempt_at <= $1)", clock())
        return bool(due == 0 and not dispatcher._inflight)

    async def idle_for_two_rounds() -> bool:
        start = dispatcher.passes
        while dispatcher.passes < start + 2:
            if not await idle():
                return False
            await asyncio.sleep(0.01)
        return await idle()

    await wait_until(idle_for_two_rounds, timeout, "the notifications service to have nothing left to do")


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
    """Test stand-in for a signed-in member's access token (no members service runs in these tests): minted
    with the session's signing secret, as only the members service does when someone signs in."""
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
