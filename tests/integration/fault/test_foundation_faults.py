"""Fault injection on the real processes: whatever crashes, every acknowledged event ends up applied
exactly once.

These tests kill and restart servers, so they run on a Kafka and a PostgreSQL of their own.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer

from infra.kafka_server import KafkaServer, wait_for_kafka
from infra.postgres_server import PostgresServer
from infra.processes import free_port
from shared.event_store import EventStore
from shared.migrations import open_database
from shared.outbox import OutboxRelay, idempotent_producer
from shared.settings import with_database
from tests.conftest import ROOT
from tests.integration.foundation.things import CountingProjection, running_consumer, thing, wait_until

pytestmark = pytest.mark.fault


@pytest.fixture(scope="module")
def own_servers() -> Iterator[tuple[KafkaServer, PostgresServer]]:
    # Not under pytest's temporary directory: PostgreSQL runs as its own system user, and any other pytest
    # session starting meanwhile resets that directory's root to mode 0700, locking pg_ctl out of it.
    home = ROOT / ".refnet" / "test" / f"fault-{uuid.uuid4().hex[:8]}"
    kafka = KafkaServer(home / "kafka", port=free_port(29092))
    kafka.libs.parent.mkdir(parents=True, exist_ok=True)
    shared_libs = ROOT / ".refnet" / "test" / "kafka" / "libs"
    if (shared_libs / ".complete").exists():
        kafka.libs.symlink_to(shared_libs)  # jars already fetched by the session's Kafka
    postgres = PostgresServer(home / "postgres", port=free_port(25432))
    postgres.start()
    kafka.start()
    try:
        yield kafka, postgres
    finally:
        kafka.stop()
        postgres.stop()
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
async def fault_pool(own_servers: tuple[KafkaServer, PostgresServer]) -> AsyncIterator[tuple[asyncpg.Pool, str]]:
    url = with_database(own_servers[1].url, f"f_{uuid.uuid4().hex[:10]}")
    pool = await open_database(url, max_size=20)
    await CountingProjection.create(pool)
    yield pool, url
    await pool.close()


async def _applied_exactly_once(pool: asyncpg.Pool, expected: int) -> None:
    rows = await pool.fetch("SELECT n, times FROM thing_counts")
    assert len(rows) == expected, f"{len(rows)} of {expected} events applied"
    assert all(r["times"] == 1 for r in rows), "an event was applied twice"


async def _relay_task(pool: asyncpg.Pool, bootstrap: str, topic: str) -> tuple[asyncio.Task[None], asyncio.Event,
                                                                                 AIOKafkaProducer]:
    producer = idempotent_producer(bootstrap)
    await producer.start()
    stop = asyncio.Event()
    relay = OutboxRelay(EventStore(pool), producer, lambda _e: topic, source="/refnet/test", batch_size=50,
                        poll_interval=0.2)
    return asyncio.create_task(relay.run(stop)), stop, producer


async def _published(pool: asyncpg.Pool) -> int:
    return int(await pool.fetchval("SELECT coalesce(max(position), 0) FROM outbox_positions") or 0)


async def test_kafka_killed_while_the_relay_publishes(own_servers: tuple[KafkaServer, PostgresServer],
                                                      fault_pool: tuple[asyncpg.Pool, str]) -> None:
    kafka, _ = own_servers
    pool, _ = fault_pool
    topic = f"f{uuid.uuid4().hex[:8]}.things"
    store = EventStore(pool)
    total = 4000
    for start in range(0, total, 500):
        await store.append(f"b{start}", 0, [thing(n, f"chapter-{n % 5}") for n in range(start, start + 500)])
    task, stop, producer = await _relay_task(pool, kafka.bootstrap, topic)
    await wait_until(lambda: _positive(pool), timeout=60)
    kafka.kill()  # kill -9 mid-publish
    killed_at = await _published(pool)
    await asyncio.sleep(1.0)
    kafka.start()
    await wait_for_kafka(kafka.bootstrap)
    await wait_until(lambda: _reached(pool, total), timeout=120)
    stop.set()
    await asyncio.wait_for(task, 30)
    await producer.stop()
    assert killed_at < total, "the kill should land before everything was published"

    async with running_consumer(pool, kafka.bootstrap, [topic], CountingProjection(), f"{topic}.g"):
        await wait_until(lambda: _count(pool, total), timeout=60)
    await _applied_exactly_once(pool, total)


async def _positive(pool: asyncpg.Pool) -> bool:
    return await _published(pool) > 0


async def _reached(pool: asyncpg.Pool, total: int) -> bool:
    last = int(await pool.fetchval("SELECT max(position) FROM events"))
    return await _published(pool) >= last


async def _count(pool: asyncpg.Pool, total: int) -> bool:
    return int(await pool.fetchval("SELECT count(*) FROM thing_counts")) >= total


async def test_consumer_killed_mid_batch_and_a_rebalance_apply_each_event_once(
        own_servers: tuple[KafkaServer, PostgresServer], fault_pool: tuple[asyncpg.Pool, str]) -> None:
    kafka, _ = own_servers
    pool, url = fault_pool
    topic, group = f"f{uuid.uuid4().hex[:8]}.things", f"g{uuid.uuid4().hex[:8]}"
    store = EventStore(pool)
    total = 3000
    await store.append("things", 0, [thing(n, f"chapter-{n % 7}") for n in range(total)])
    producer = idempotent_producer(kafka.bootstrap)
    await producer.start()
    await OutboxRelay(store, producer, lambda _e: topic, source="/refnet/test").publish_pending()
    await producer.stop()

    def consumer_process() -> subprocess.Popen[bytes]:
        return subprocess.Popen([sys.executable, "-m", "tests.integration.foundation.consumer_process", url,
                                 kafka.bootstrap, topic, group], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})

    first = consumer_process()
    await wait_until(lambda: _at_least(pool, 200), timeout=60)
    os.kill(first.pid, signal.SIGKILL)  # in the middle of a batch
    first.wait()
    # two consumers share the group: one joins, the other leaves while work is still left
    second, third = consumer_process(), consumer_process()
    try:
        await wait_until(lambda: _at_least(pool, 1500), timeout=90)
        third.terminate()
        third.wait(30)
        await wait_until(lambda: _count(pool, total), timeout=90)
    finally:
        for proc in (second, third):
            if proc.poll() is None:
                proc.terminate()
                proc.wait(30)
    await _applied_exactly_once(pool, total)


async def _at_least(pool: asyncpg.Pool, n: int) -> bool:
    return int(await pool.fetchval("SELECT count(*) FROM thing_counts")) >= n


async def test_postgres_restart_under_write_load_never_reports_a_false_success(
        own_servers: tuple[KafkaServer, PostgresServer], fault_pool: tuple[asyncpg.Pool, str]) -> None:
    _, postgres = own_servers
    pool, _ = fault_pool
    store = EventStore(pool)
    acknowledged: list[int] = []
    failures = 0
    restarted = asyncio.Event()
    after_restart = [0, 0, 0, 0]
    give_up = time.monotonic() + 120  # a bound, not a schedule: every phase below waits for a condition

    async def writer(w: int) -> None:
        nonlocal failures
        n = w * 1_000_000
        # until this writer has had 20 appends acknowledged by the restarted server
        while after_restart[w] < 20 and time.monotonic() < give_up:
            n += 1
            try:
                await store.append(f"w{w}-{n}", 0, [thing(n)])
                acknowledged.append(n)
                if restarted.is_set():
                    after_restart[w] += 1
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, ConnectionError):
                failures += 1
                await asyncio.sleep(0.05)

    async def until(condition: Callable[[], bool]) -> None:
        while not condition():
            assert time.monotonic() < give_up, "condition not reached"
            await asyncio.sleep(0.02)

    writers = asyncio.gather(*(writer(w) for w in range(4)))
    await until(lambda: len(acknowledged) >= 200)  # under load
    postgres.stop(mode="immediate")  # a crash from the clients' point of view
    await until(lambda: failures > 0)  # the writers noticed
    postgres.start()
    restarted.set()
    await writers
    assert min(after_restart) == 20, "every writer wrote again after the restart"
    stored = [int(r["n"]) for r in await pool.fetch("SELECT (data->>'n')::int AS n FROM events")]
    assert failures > 0, "the restart should have been noticed by the writers"
    assert set(acknowledged) <= set(stored), "an acknowledged append is missing"
    assert len(stored) == len(set(stored)), "an append was recorded twice"


async def test_a_flood_of_malformed_messages_is_dead_lettered_while_valid_events_flow(
        own_servers: tuple[KafkaServer, PostgresServer], fault_pool: tuple[asyncpg.Pool, str]) -> None:
    kafka, _ = own_servers
    pool, _ = fault_pool
    topic = f"f{uuid.uuid4().hex[:8]}.things"
    store = EventStore(pool)
    relay_task, stop, relay_producer = await _relay_task(pool, kafka.bootstrap, topic)
    flood = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap, linger_ms=5)
    await flood.start()
    latencies: list[float] = []
    try:
        async with running_consumer(pool, kafka.bootstrap, [topic], CountingProjection(), f"{topic}.g"):
            for n in range(40):
                for _ in range(100):  # 4,000 malformed messages interleaved with 40 valid events
                    await flood.send(topic, b"\x00garbage", key=b"chapter-1")
                started = time.perf_counter()
                await store.append(f"valid-{n}", 0, [thing(n)])
                await wait_until(lambda n=n: _count(pool, n + 1), timeout=60)  # type: ignore[misc]
                latencies.append(time.perf_counter() - started)
    finally:
        await flood.stop()
        stop.set()
        await asyncio.wait_for(relay_task, 30)
        await relay_producer.stop()
    await _applied_exactly_once(pool, 40)
    from tests.integration.foundation.things import read_topic

    dead = await read_topic(kafka.bootstrap, f"{topic}.dlt", expected=4000, timeout=60)
    assert len(dead) == 4000
    latencies.sort()
    print(f"\nvalid event latency during the flood: p50 {latencies[20] * 1000:.0f} ms, "
          f"max {latencies[-1] * 1000:.0f} ms")



async def test_a_consumer_rides_out_a_postgres_restart_without_dead_lettering_anything(
        own_servers: tuple[KafkaServer, PostgresServer], fault_pool: tuple[asyncpg.Pool, str]) -> None:
    kafka, postgres = own_servers
    pool, _ = fault_pool
    topic = f"f{uuid.uuid4().hex[:8]}.things"
    store = EventStore(pool)
    total = 3000
    await store.append("things", 0, [thing(n, f"chapter-{n % 4}") for n in range(total)])
    producer = idempotent_producer(kafka.bootstrap)
    await producer.start()
    await OutboxRelay(store, producer, lambda _e: topic, source="/refnet/test").publish_pending()
    await producer.stop()

    class Slow(CountingProjection):
        async def apply(self, conn, events) -> None:  # type: ignore[no-untyped-def]
            await super().apply(conn, events)
            await asyncio.sleep(0.02)

    async with running_consumer(pool, kafka.bootstrap, [topic], Slow(), f"{topic}.g"):
        await wait_until(lambda: _at_least(pool, 200), timeout=60)
        postgres.stop(mode="immediate")  # the database goes away under the consumer
        await asyncio.sleep(2.0)
        postgres.start()
        await wait_until(lambda: _count(pool, total), timeout=120)
    await _applied_exactly_once(pool, total)
    from tests.integration.foundation.things import read_topic

    assert await read_topic(kafka.bootstrap, f"{topic}.dlt", expected=1, timeout=3) == []
