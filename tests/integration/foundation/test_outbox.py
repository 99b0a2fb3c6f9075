"""The transactional outbox relay against real PostgreSQL and Kafka."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from collections import defaultdict

import asyncpg

from shared.event_store import EventStore
from shared.outbox import OutboxRelay, idempotent_producer
from tests.conftest import ROOT
from tests.integration.foundation.things import (
    CountingProjection,
    body_of,
    headers_of,
    read_topic,
    running_consumer,
    thing,
    wait_until,
)


@contextlib.asynccontextmanager
async def running_relay(pool: asyncpg.Pool, bootstrap: str, topic: str):  # type: ignore[no-untyped-def]
    producer = idempotent_producer(bootstrap)
    await producer.start()
    relay = OutboxRelay(EventStore(pool), producer, lambda _e: topic, source="/refnet/test", poll_interval=0.2)
    stop = asyncio.Event()
    task = asyncio.create_task(relay.run(stop))
    try:
        yield relay
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
        await producer.stop()


async def test_every_event_published_once_in_commit_order_under_concurrent_writers(
        pool: asyncpg.Pool, kafka_ready: str, topic_prefix: str) -> None:
    topic = f"{topic_prefix}.things"
    store = EventStore(pool)
    chapters = [f"chapter-{i}" for i in range(4)]

    async def writer(w: int) -> None:
        for i in range(25):
            await store.append(f"stream-{w}", i, [thing(w * 100 + i, chapters[w % 4])])

    async with running_relay(pool, kafka_ready, topic) as relay:
        # A transaction that draws a position and stays open while later writers commit.
        held = await pool.acquire()
        tx = held.transaction()
        await tx.start()
        await store.append("held-open", 0, [thing(-1, "chapter-0")], conn=held)
        writers = asyncio.gather(*(writer(w) for w in range(8)))
        await asyncio.sleep(1.0)  # writers and the relay run while it is open
        published_while_open = await relay.position()
        await tx.commit()
        await pool.release(held)
        await writers
        last = await store.last_position()
        for _ in range(100):
            if await relay.position() == last:
                break
            await asyncio.sleep(0.1)
    assert published_while_open == 0, "nothing after the open transaction may be published before it"

    records = await read_topic(kafka_ready, topic, expected=201)
    sequences = [int(headers_of(r)["ce_sequence"]) for r in records]
    committed = [e.position for e in await store.read_all(limit=10_000)]
    assert sorted(sequences) == committed  # every event, none twice
    by_partition: dict[int, list[int]] = defaultdict(list)
    for record in records:
        by_partition[record.partition].append(int(headers_of(record)["ce_sequence"]))
    for seqs in by_partition.values():
        assert seqs == sorted(seqs), "each partition carries its events in commit order"
    held_record = next(r for r in records if body_of(r) == {"n": -1})
    assert int(headers_of(held_record)["ce_sequence"]) == min(sequences)


async def test_a_plain_kafka_consumer_reads_the_cloudevent(pool: asyncpg.Pool, kafka_ready: str,
                                                           topic_prefix: str) -> None:
    topic = f"{topic_prefix}.things"
    store = EventStore(pool)
    [recorded] = await store.append("thing-7", 0, [thing(7, "chapter-42")])
    async with running_relay(pool, kafka_ready, topic):
        [record] = await read_topic(kafka_ready, topic, expected=1)
    headers = headers_of(record)
    assert record.key == b"chapter-42"
    assert body_of(record) == {"n": 7}
    assert headers["content-type"] == "application/json"
    assert headers["ce_specversion"] == "1.0"
    assert headers["ce_type"] == "org.refnet.test.thing-happened.v1"
    assert headers["ce_id"] == str(recorded.event_id)
    assert headers["ce_source"] == "/refnet/test"
    assert headers["ce_subject"] == "thing-7"
    assert headers["ce_chapterid"] == "chapter-42"
    assert headers["ce_streamversion"] == "1"
    assert headers["ce_time"].startswith(str(recorded.recorded_at.year))


async def test_relay_killed_mid_publish_resumes_without_losing_an_event(
        pool: asyncpg.Pool, database_url: str, kafka_ready: str, topic_prefix: str) -> None:
    topic = f"{topic_prefix}.things"
    store = EventStore(pool)
    total = 3000
    for start in range(0, total, 500):
        await store.append(f"batch-{start}", 0, [thing(n) for n in range(start, start + 500)])

    def start_relay() -> subprocess.Popen[bytes]:
        return subprocess.Popen([sys.executable, "-m", "tests.integration.foundation.relay_process", database_url,
                                 kafka_ready, topic], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})

    async def position() -> int:
        return int(await pool.fetchval("SELECT coalesce(max(position), 0) FROM outbox_positions") or 0)

    relay = start_relay()
    while await position() == 0:
        await asyncio.sleep(0.01)
    os.kill(relay.pid, signal.SIGKILL)
    relay.wait()
    killed_at = await position()
    assert 0 < killed_at < total, "the kill should land mid-publish"

    relay = start_relay()
    try:
        for _ in range(600):
            if await position() == total:
                break
            await asyncio.sleep(0.1)
    finally:
        relay.terminate()
        relay.wait()
    records = await read_topic(kafka_ready, topic, expected=total)
    ids = {headers_of(r)["ce_id"] for r in records}
    assert len(ids) == total  # republished events may appear twice; none is missing

    # and a consumer applies each exactly once, duplicates on the topic or not
    await CountingProjection.create(pool)
    async with running_consumer(pool, kafka_ready, [topic], CountingProjection(), f"{topic_prefix}.g"):
        await wait_until(lambda: _applied(pool, total), timeout=60)
    rows = await pool.fetch("SELECT times FROM thing_counts")
    assert len(rows) == total and all(r["times"] == 1 for r in rows)


async def _applied(pool: asyncpg.Pool, total: int) -> bool:
    return int(await pool.fetchval("SELECT count(*) FROM thing_counts")) >= total


async def test_a_commit_wakes_the_relay_without_waiting_for_its_poll(pool: asyncpg.Pool, kafka_ready: str,
                                                                     topic_prefix: str) -> None:
    topic = f"{topic_prefix}.things"
    producer = idempotent_producer(kafka_ready)
    await producer.start()
    relay = OutboxRelay(EventStore(pool), producer, lambda _e: topic, source="/refnet/test", poll_interval=60)
    stop = asyncio.Event()
    task = asyncio.create_task(relay.run(stop))
    try:
        await asyncio.sleep(1.0)  # the relay has made its first pass and now waits (up to 60 s)
        [recorded] = await EventStore(pool).append("woken", 0, [thing(1)])
        for _ in range(100):
            if await relay.position() == recorded.position:
                break
            await asyncio.sleep(0.05)
        assert await relay.position() == recorded.position, "the commit's NOTIFY should wake the relay"
    finally:
        stop.set()
        relay._wake.set()
        await asyncio.wait_for(task, 10)
        await producer.stop()


async def test_one_relay_publishes_per_database_and_another_takes_over_when_it_stops(
        pool: asyncpg.Pool, kafka_ready: str, topic_prefix: str) -> None:
    # several processes of one service (workers, replicas) each run a relay on the same event store
    topic = f"{topic_prefix}.things"
    store = EventStore(pool)
    leading = running_relay(pool, kafka_ready, topic)
    first = await leading.__aenter__()
    stopped = False
    try:
        await wait_until(lambda: _leads(first))
        async with running_relay(pool, kafka_ready, topic) as second:
            for i in range(50):
                await store.append(f"stream-{i % 5}", i // 5, [thing(i)])
            await wait_until(lambda: _published(first, store))
            assert first.leading and not second.leading
            await leading.__aexit__(None, None, None)  # the leading process stops
            stopped = True
            await wait_until(lambda: _leads(second))
            for i in range(50, 60):
                await store.append("stream-late", i - 50, [thing(i)])
            await wait_until(lambda: _published(second, store))
    finally:
        if not stopped:
            await leading.__aexit__(None, None, None)
    records = await read_topic(kafka_ready, topic, expected=60)
    sequences = sorted(int(headers_of(r)["ce_sequence"]) for r in records)
    assert sequences == [e.position for e in await store.read_all(limit=1000)], "each event once, none lost"


async def _published(relay: OutboxRelay, store: EventStore) -> bool:
    return await relay.position() == await store.last_position()


async def _leads(relay: OutboxRelay) -> bool:
    return relay.leading
