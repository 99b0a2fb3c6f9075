"""A tiny event type and projection used to exercise the foundation on real Kafka and PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer
from faststream.kafka import KafkaBroker

from shared.consumer import Delivered, EventConsumer
from shared.event_store import NewEvent
from shared.events import DomainEvent, EventRegistry

registry = EventRegistry()


@registry.register
class ThingHappened(DomainEvent):
    name = "org.refnet.test.thing-happened"
    topic = "things"
    n: int


def thing(n: int, chapter: str = "chapter-1") -> NewEvent:
    return NewEvent.of(ThingHappened(n=n), chapter_id=chapter)


class CountingProjection:
    """Counts how often each event was applied: anything but 1 is a bug in the runtime."""

    name = "counting"

    def __init__(self) -> None:
        self.seen = 0

    @staticmethod
    async def create(pool: asyncpg.Pool) -> None:
        await pool.execute("CREATE TABLE IF NOT EXISTS thing_counts (event_id TEXT PRIMARY KEY, n INT, times INT)")

    async def apply(self, conn: asyncpg.Connection, events: Sequence[Delivered]) -> None:
        for delivered in events:
            assert isinstance(delivered.payload, ThingHappened)
            if delivered.payload.n < 0:
                raise ValueError(f"negative things cannot happen (n={delivered.payload.n})")
            self.seen += 1
            await conn.execute(
                "INSERT INTO thing_counts VALUES ($1, $2, 1)"
                " ON CONFLICT (event_id) DO UPDATE SET times = thing_counts.times + 1",
                delivered.envelope.id, delivered.payload.n)


async def read_topic(bootstrap: str, topic: str, expected: int, timeout: float = 30.0) -> list:
    """Everything on `topic`, read by a plain aiokafka consumer as another system would."""
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                                enable_auto_commit=False, group_id=None)
    await consumer.start()
    records: list = []
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while len(records) < expected and asyncio.get_running_loop().time() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for part in batch.values():
                records.extend(part)
    finally:
        await consumer.stop()
    return records


def headers_of(record) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {k: v.decode() for k, v in record.headers}


def body_of(record) -> dict:  # type: ignore[no-untyped-def]
    return json.loads(record.value)


@contextlib.asynccontextmanager
async def running_consumer(pool: asyncpg.Pool, bootstrap: str, topics: list[str], projection: Any,
                           group_id: str, consumer_class: type[EventConsumer] = EventConsumer,
                           ) -> AsyncIterator[EventConsumer]:
    broker = KafkaBroker(bootstrap, logger=None)
    consumer = consumer_class(broker=broker, pool=pool, registry=registry, projection=projection,
                              topics=topics, group_id=group_id, base_backoff=0.01)
    await broker.start()
    try:
        yield consumer
    finally:
        await broker.stop()


async def wait_until(predicate: Callable[[], Awaitable[bool]], timeout: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("condition not reached")
        await asyncio.sleep(0.05)
