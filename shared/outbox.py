"""The transactional outbox relay: publishes committed events to Kafka, in commit order, at least once.

The events table is the outbox. The relay reads events after its stored position, publishes them with an
idempotent producer (acks=all), waits for every broker confirmation, and only then moves its position.
A crash between publish and position update republishes those events: consumers deduplicate by event id.
It wakes on NOTIFY from each append and polls as a fallback, so a lost notification only delays.

A service may run in several processes (uvicorn workers, replicas): only one relay per database publishes.
It holds a session advisory lock on its listening connection; the others wait and take over within a
second or two when that connection goes (process stopped or killed: PostgreSQL releases the lock).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, date

import asyncpg
from aiokafka import AIOKafkaProducer

from shared.envelope import CloudEvent, to_kafka
from shared.event_store import NOTIFY_CHANNEL, EventStore, RecordedEvent

log = logging.getLogger(__name__)

TopicFor = Callable[[RecordedEvent], str]
RELAY_LOCK = 7_345_004


def to_cloud_event(event: RecordedEvent, source: str) -> CloudEvent:
    return CloudEvent(
        id=str(event.event_id), source=source, type=event.type, time=event.recorded_at,
        subject=event.stream_id, chapterid=event.chapter_id, streamid=event.stream_id,
        streamversion=event.stream_version, sequence=event.position,
        correlationid=event.metadata.get("correlation_id"), causationid=event.metadata.get("causation_id"),
        imported=True if event.metadata.get("imported") else None, dayslate=days_late(event),
        data=event.data,
    )


def days_late(event: RecordedEvent) -> int | None:
    """Days from the day a slip happened to the day it was recorded (UTC), for events that say when they
    happened; subscribers tell news from history by it (and by `imported`)."""
    occurred = event.data.get("occurred_on")
    if not isinstance(occurred, str):
        return None
    try:
        return (event.recorded_at.astimezone(UTC).date() - date.fromisoformat(occurred)).days
    except ValueError:
        return None


def idempotent_producer(bootstrap_servers: str) -> AIOKafkaProducer:
    # aiokafka does not default to idempotence; without it a retried batch can be written twice or
    # reordered within a partition.
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers, acks="all", enable_idempotence=True,
        linger_ms=2, max_batch_size=256 * 1024, request_timeout_ms=15000,
    )


class OutboxRelay:
    def __init__(self, store: EventStore, producer: AIOKafkaProducer, topic_for: TopicFor, source: str,
                 name: str = "kafka", batch_size: int = 1000, poll_interval: float = 1.0) -> None:
        self.store = store
        self.producer = producer
        self.topic_for = topic_for
        self.source = source
        self.name = name
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.leading = False
        self.running = False
        self.error: str | None = None
        """The kind of the last failure to publish (Kafka or PostgreSQL away), until a publish succeeds."""
        self._wake = asyncio.Event()

    def _on_notify(self, *_: object) -> None:
        self._wake.set()

    async def position(self) -> int:
        async with self.store.pool.acquire() as conn:
            value = await conn.fetchval("SELECT position FROM outbox_positions WHERE relay = $1", self.name)
        return int(value or 0)

    async def _save_position(self, position: int) -> None:
        async with self.store.pool.acquire() as conn:
            await conn.execute(
                "INSERT INTO outbox_positions (relay, position) VALUES ($1, $2)"
                " ON CONFLICT (relay) DO UPDATE SET position = excluded.position, updated_at = now()"
                " WHERE outbox_positions.position < excluded.position",
                self.name, position)

    async def publish_pending(self) -> int:
        """Publish everything committed after the stored position; returns how many were published."""
        total = 0
        position = await self.position()
        while True:
            batch = await self.store.read_all(after=position, limit=self.batch_size)
            if not batch:
                return total
            confirmations = []
            for event in batch:
                key, value, headers = to_kafka(to_cloud_event(event, self.source))
                confirmations.append(
                    await self.producer.send(self.topic_for(event), value=value, key=key, headers=headers))
            await asyncio.gather(*confirmations)
            position = batch[-1].position
            await self._save_position(position)
            total += len(batch)

    async def run(self, stop: asyncio.Event, standby_interval: float = 1.0) -> None:
        """Publish until `stop` is set, while this relay leads (see the module's notes); errors (Kafka or
        PostgreSQL away) are retried with backoff."""
        self.running = True
        try:
            await self._run(stop, standby_interval)
        finally:
            self.running = False

    async def _run(self, stop: asyncio.Event, standby_interval: float) -> None:
        listener: asyncpg.Connection | None = None
        backoff = 0.2
        while not stop.is_set():
            try:
                if listener is None or listener.is_closed():
                    listener = await self._lead()
                    if listener is None:  # another process publishes; stand by
                        self.leading = False
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(stop.wait(), standby_interval)
                        continue
                    self.leading = True
                    await listener.add_listener(NOTIFY_CHANNEL, self._on_notify)
                self._wake.clear()
                await self.publish_pending()
                self.error = None
                backoff = 0.2
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.poll_interval)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.error = type(exc).__name__  # shown by /health/ready: the kind, never the text (hosts, SQL)
                log.warning("outbox relay %s: %s; retrying in %.1fs", self.name, exc, backoff)
                if listener is not None:
                    await self._release(listener)
                    listener = None
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
        if listener is not None:
            await self._release(listener)

    async def _lead(self) -> asyncpg.Connection | None:
        """A pooled connection holding the relay lock, or None when another relay holds it."""
        conn: asyncpg.Connection = await self.store.pool.acquire()
        try:
            if await conn.fetchval("SELECT pg_try_advisory_lock($1, hashtext($2))", RELAY_LOCK, self.name):
                return conn
        except BaseException:
            await self.store.pool.release(conn)
            raise
        await self.store.pool.release(conn)
        return None

    async def _release(self, listener: asyncpg.Connection) -> None:
        # pooled connections are not reset on release (shared.migrations): stop listening and give up the
        # lead first
        self.leading = False
        with contextlib.suppress(Exception):
            await listener.remove_listener(NOTIFY_CHANNEL, self._on_notify)
        with contextlib.suppress(Exception):
            await listener.execute("SELECT pg_advisory_unlock($1, hashtext($2))", RELAY_LOCK, self.name)
        with contextlib.suppress(Exception):
            await self.store.pool.release(listener)
