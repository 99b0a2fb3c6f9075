"""Stand-in for the members service: its events appended to a scratch members store and published by the
shared outbox relay, exactly as the members service does, so the referrals service sees real traffic."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import asyncpg
import httpx
import uvicorn
from fastapi import FastAPI

from infra.processes import free_port
from services.referrals.entrypoints.app import create_app
from shared.auth import issue_token
from shared.contracts import members as m
from shared.envelope import to_kafka
from shared.event_store import EventStore, NewEvent
from shared.events import DomainEvent
from shared.migrations import open_database
from shared.outbox import OutboxRelay, idempotent_producer, to_cloud_event
from shared.settings import Settings

SEALED = m.SealedData(key_id="k", nonce="bm9uY2U=", ciphertext="c2VhbGVk")


class MembersFeed:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.pool: asyncpg.Pool | None = None
        self.relay: OutboxRelay | None = None
        self.last = 0
        self.positions: list[int] = []
        """every event's store position, in the order recorded: the events travel on several topics,
        consumed independently, so the last being applied does not say the others are"""

    async def __aenter__(self) -> MembersFeed:
        self.pool = await open_database(self.settings.service_database_url("members"))
        producer = idempotent_producer(self.settings.kafka_bootstrap_servers)
        await producer.start()
        self.relay = OutboxRelay(EventStore(self.pool), producer,
                                 lambda e: self.settings.topic(m.members_events.event_class(e.type).topic),
                                 source="/refnet/members")
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self.relay and self.pool
        await self.relay.producer.stop()
        await self.pool.close()

    async def record(self, *events: DomainEvent, publish: bool = True) -> int:
        """Append each event to its stream and publish; returns the last store position."""
        assert self.pool and self.relay
        store = EventStore(self.pool)
        for event in events:
            chapter = event.chapter_id
            stream = f"{event.topic}-{_stream_key(event)}"
            recorded = await store.append(stream, None, [NewEvent.of(event, chapter_id=chapter)])
            self.last = recorded[-1].position
            self.positions.append(self.last)
        if publish:
            await self.relay.publish_pending()
        return self.last

    async def record_at(self, recorded_at: datetime, *events: DomainEvent) -> int:
        """As `record`, but published as if recorded at `recorded_at` (the CloudEvent `time`): a slip keyed
        in days after it happened. The store is append-only, so the relay's envelope gets the time instead."""
        assert self.pool and self.relay
        relay = self.relay
        last = await self.record(*events, publish=False)
        pending = await EventStore(self.pool).read_all(after=await relay.position(), limit=100_000)
        confirmations = []
        for event in pending:
            key, value, headers = to_kafka(to_cloud_event(replace(event, recorded_at=recorded_at), relay.source))
            confirmations.append(await relay.producer.send(relay.topic_for(event), value=value, key=key,
                                                           headers=headers))
        await asyncio.gather(*confirmations)
        if pending:
            await relay._save_position(pending[-1].position)
        return last

    async def republish_everything(self) -> None:
        """A relay that crashed before saving its position: everything goes out again."""
        assert self.pool and self.relay
        await self.pool.execute("UPDATE outbox_positions SET position = 0")
        await self.relay.publish_pending()


def _stream_key(event: DomainEvent) -> str:
    for attr in ("referral_id", "closed_business_id", "one_to_one_id", "ceu_id", "visitor_id", "member_id"):
        if hasattr(event, attr):
            return str(getattr(event, attr))
    return str(event.chapter_id)


# Longer than any wait in a test. uvicorn closes a connection idle for 5 s by default, and a client that sends on
# it at that instant gets a ReadError (the race every keep-alive client has with a server's idle timeout): a
# test that waited ~5 s for a token to expire, then called again on its pooled connection, failed so in CI.
KEEP_ALIVE_SECONDS = 120


@contextlib.asynccontextmanager
async def serving(settings: Settings, app: FastAPI | None = None, first_port: int = 18200) -> AsyncIterator[str]:
    port = free_port(first_port)
    server = uvicorn.Server(uvicorn.Config(app or create_app(settings), host="127.0.0.1", port=port,
                                           log_level="warning", timeout_keep_alive=KEEP_ALIVE_SECONDS))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@contextlib.asynccontextmanager
async def running_app(settings: Settings) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://referrals") as client:
            yield app, client


async def wait_applied(client: httpx.AsyncClient, chapter_id: str, position: int | list[int], token: str,
                       timeout: float = 30.0) -> None:
    """Until the report service applied the members-store position (each of a list of them)."""
    if isinstance(position, list):
        for each in position:
            await wait_applied(client, chapter_id, each, token, timeout)
        return
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        r = await client.get(f"/chapters/{chapter_id}/summary", params={"min_position": position, "wait_ms": 1000},
                             headers=auth(token))
        if r.status_code == 200 and not r.json()["stale"]:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"position {position} not applied: {r.status_code} {r.text[:200]}")


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def token(settings: Settings, member_id: str, chapter_id: str, role: Any = "member") -> str:
    """Test stand-in for a signed-in member's access token (no members service runs in these tests): minted
    with the session's signing secret, as only the members service does when someone signs in."""
    return issue_token(settings.token_secret, member_id=member_id, chapter_id=chapter_id, role=role)


# --- event builders ---------------------------------------------------------------------------------

def chapter(chapter_id: str, region: str = "north", founded: date = date(2020, 1, 1)) -> m.ChapterFounded:
    return m.ChapterFounded(chapter_id=chapter_id, chapter_name=f"Chapter {chapter_id}", city="Leeds", region=region,
                            meeting_weekday="wednesday", meeting_time="08:30", timezone="Europe/London",
                            currency="GBP", founded_on=founded)


def joined(chapter_id: str, member_id: str, on: date = date(2020, 1, 1), role: Any = "member") -> m.MemberJoined:
    return m.MemberJoined(chapter_id=chapter_id, member_id=member_id, member_name=f"Member {member_id}",
                          business=f"{member_id} Ltd", category=f"cat-{member_id}", email=f"{member_id}@example.org",
                          role=role, joined_on=on)


def referral(chapter_id: str, rid: str, giver: str, receiver: str, on: date, temperature: int = 3,
             kind: Any = "outside") -> m.ReferralGiven:
    return m.ReferralGiven(chapter_id=chapter_id, referral_id=rid, giver_id=giver, receiver_id=receiver,
                           referral_type=kind, temperature=temperature, prospect=SEALED, occurred_on=on)


def step(chapter_id: str, rid: str, giver: str, receiver: str, frm: Any, to: Any, on: date
         ) -> m.ReferralStatusChanged:
    return m.ReferralStatusChanged(chapter_id=chapter_id, referral_id=rid, giver_id=giver, receiver_id=receiver,
                                   from_status=frm, to_status=to, occurred_on=on)


def closed(chapter_id: str, cid: str, reported_by: str, thanked: str, amount: str, on: date,
           rid: str | None = None) -> m.ClosedBusinessReported:
    return m.ClosedBusinessReported(chapter_id=chapter_id, closed_business_id=cid, reported_by=reported_by,
                                    thanked_member_id=thanked, amount=Decimal(amount), currency="GBP",
                                    business_kind="new", referral_type="outside", referral_id=rid, occurred_on=on)


def one_to_one(chapter_id: str, oid: str, a: str, b: str, on: date) -> m.OneToOneRecorded:
    return m.OneToOneRecorded(chapter_id=chapter_id, one_to_one_id=oid, member_ids=(a, b), reported_by=a,
                              mode="video", occurred_on=on)


def attendance(chapter_id: str, member_id: str, on: date, mark: Any) -> m.AttendanceRecorded:
    return m.AttendanceRecorded(chapter_id=chapter_id, member_id=member_id, meeting_date=on, mark=mark)


def ceu(chapter_id: str, cid: str, member_id: str, on: date, credits: int = 1) -> m.CeuRecorded:
    return m.CeuRecorded(chapter_id=chapter_id, ceu_id=cid, member_id=member_id, description="podcast",
                         credits=credits, occurred_on=on)


def visitor(chapter_id: str, vid: str, invited_by: str, on: date) -> list[DomainEvent]:
    return [m.VisitorInvited(chapter_id=chapter_id, visitor_id=vid, invited_by=invited_by, visitor=SEALED,
                             occurred_on=on),
            m.VisitorAttended(chapter_id=chapter_id, visitor_id=vid, invited_by=invited_by, occurred_on=on)]


async def wait_consumed(settings: Settings, timeout: float = 60.0) -> None:
    """Until the referrals projection has committed every members topic up to its end: whatever was published
    before this call has been applied (the "nothing changed" checks wait for this, never a fixed time)."""
    from aiokafka import AIOKafkaConsumer, TopicPartition
    from aiokafka.admin import AIOKafkaAdminClient

    group = f"{settings.topic_prefix}.referrals.referrals"
    topics = {settings.topic(cls.topic) for cls in m.members_events}
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    reader = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers)
    await admin.start()
    await reader.start()
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        present = [t for t in await admin.list_topics() if t in topics]
        # every partition of every topic, also those the group has not committed for yet (a topic has several)
        partitions = [TopicPartition(d["topic"], p["partition"]) for d in await admin.describe_topics(present)
                      for p in d["partitions"]]
        while True:
            committed = {tp: o.offset for tp, o in (await admin.list_consumer_group_offsets(group)).items()
                         if tp.topic in topics}
            ends = await reader.end_offsets(partitions) if partitions else {}
            if committed and all(committed.get(tp, 0) >= end for tp, end in ends.items()):
                return
            assert asyncio.get_running_loop().time() < deadline, f"{group} did not catch up: {committed} < {ends}"
            await asyncio.sleep(0.05)
    finally:
        await reader.stop()
        await admin.close()
