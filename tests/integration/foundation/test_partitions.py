"""Partitions and consumer groups: a topic of several partitions, created by `ensure_topics`, is shared by the
consumers of one group; one joins and another leaves mid-stream (two rebalances), and still every event is
applied exactly once, each chapter's events in the order they were recorded, and the group's committed
offsets end where the topic ends (nothing committed before it was applied, nothing skipped)."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence

import asyncpg
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import TopicPartition
from faststream.kafka import KafkaBroker

from shared.consumer import Delivered, EventConsumer
from shared.event_store import EventStore
from shared.outbox import OutboxRelay, idempotent_producer
from shared.topics import ensure_topics
from tests.integration.foundation.things import ThingHappened, registry, wait_until

CHAPTERS = 8
TOTAL = 3000


class OrderedProjection:
    """Records which consumer applied each event, and in what order; an event applied twice breaks the
    primary key (and would end in the dead-letter topic, missing here)."""

    name = "ordered"

    def __init__(self, consumer: str) -> None:
        self.consumer = consumer
        self.applied = 0

    async def apply(self, conn: asyncpg.Connection, events: Sequence[Delivered]) -> None:
        for delivered in events:
            assert isinstance(delivered.payload, ThingHappened)
            await conn.execute("INSERT INTO thing_order (event_id, chapter, n, consumer) VALUES ($1, $2, $3, $4)",
                               delivered.envelope.id, delivered.envelope.chapterid, delivered.payload.n,
                               self.consumer)
        self.applied += len(events)
        await asyncio.sleep(0.05)  # slow enough that the rebalances land mid-stream


async def _applied(pool: asyncpg.Pool) -> int:
    return int(await pool.fetchval("SELECT count(*) FROM thing_order"))


async def _start(bootstrap: str, pool: asyncpg.Pool, topic: str, group: str, name: str
                 ) -> tuple[KafkaBroker, OrderedProjection]:
    broker, projection = KafkaBroker(bootstrap, logger=None), OrderedProjection(name)
    EventConsumer(broker=broker, pool=pool, registry=registry, projection=projection, topics=[topic],
                  group_id=group, max_records=20, base_backoff=0.01)
    await broker.start()
    return broker, projection


async def _committed_to_the_end(bootstrap: str, group: str, topic: str, partitions: int) -> bool:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        committed = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    from aiokafka import AIOKafkaConsumer

    reader = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await reader.start()
    try:
        ends = await reader.end_offsets([TopicPartition(topic, p) for p in range(partitions)])
    finally:
        await reader.stop()
    return all(tp in committed and committed[tp].offset == end for tp, end in ends.items())


async def test_consumers_joining_and_leaving_a_multi_partition_topic_apply_every_event_once_in_chapter_order(
        pool: asyncpg.Pool, kafka_ready: str, topic_prefix: str) -> None:
    topic, group = f"{topic_prefix}.things", f"{topic_prefix}.ordered"
    report = await ensure_topics(kafka_ready, [topic], partitions=4)
    assert report.created == [topic]
    assert (await ensure_topics(kafka_ready, [topic], partitions=6)).fewer_partitions == [topic]  # left as it is
    await pool.execute("CREATE TABLE thing_order (applied BIGSERIAL, event_id TEXT PRIMARY KEY, chapter TEXT,"
                       " n INT, consumer TEXT)")
    store = EventStore(pool)
    from tests.integration.foundation.things import thing

    for start in range(0, TOTAL, 500):  # chapters interleaved, as slips arrive
        await store.append(f"things-{start}", 0, [thing(n, f"chapter-{n % CHAPTERS}")
                                                  for n in range(start, start + 500)])
    producer = idempotent_producer(kafka_ready)
    await producer.start()
    await OutboxRelay(store, producer, lambda _e: topic, source="/refnet/test").publish_pending()
    await producer.stop()

    first, first_projection = await _start(kafka_ready, pool, topic, group, "first")
    second = None
    try:
        await wait_until(lambda: _at_least(pool, 300), timeout=60)
        second, second_projection = await _start(kafka_ready, pool, topic, group, "second")  # joins
        await wait_until(lambda: _second_works(second_projection), timeout=60)
        assert await _applied(pool) < TOTAL, "the join should land mid-stream"
        await first.stop()  # leaves while work is left
        await wait_until(lambda: _at_least(pool, TOTAL), timeout=120)
        await wait_until(lambda: _committed_to_the_end(kafka_ready, group, topic, 4), timeout=60)
    finally:
        await first.stop()
        if second is not None:
            await second.stop()

    rows = await pool.fetch("SELECT chapter, n, consumer FROM thing_order ORDER BY applied")
    assert sorted(r["n"] for r in rows) == list(range(TOTAL)), "an event was skipped or applied twice"
    by_chapter: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        by_chapter[row["chapter"]].append(row["n"])
    assert len(by_chapter) == CHAPTERS
    for chapter, ns in by_chapter.items():
        assert ns == sorted(ns), f"{chapter}'s events were applied out of order"
    assert {r["consumer"] for r in rows} == {"first", "second"}, "both consumers shared the work"
    assert first_projection.applied + second_projection.applied >= TOTAL


async def _at_least(pool: asyncpg.Pool, n: int) -> bool:
    return await _applied(pool) >= n


async def _second_works(projection: OrderedProjection) -> bool:
    return projection.applied > 0
