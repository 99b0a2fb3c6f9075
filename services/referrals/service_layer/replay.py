"""A rebuild's replay: read the members topics up to their ends and apply them in big batches, reading and
writing at once (Python decodes while PostgreSQL writes), the writing split over two connections by table."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition

from services.referrals.adapters.bulk import APPENDED
from services.referrals.adapters.facts import Fact
from services.referrals.adapters.kafka_facts import decode_records
from services.referrals.adapters.projection import ReferralsProjection
from services.referrals.adapters.schema import APPENDED_TABLES
from services.referrals.adapters.staging import STAGED_TABLES
from shared.contracts import members as m

BATCH = 20_000
SLICE = 2_000


@dataclass
class Progress:
    events: int
    total: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else 0.0

    @property
    def eta(self) -> float | None:
        return (self.total - self.events) / self.rate if self.rate > 0 else None


ProgressFn = Callable[[Progress], None]


def print_progress(p: Progress) -> None:
    width = 30
    done = int(width * p.events / p.total) if p.total else width
    eta = f"{p.eta:5.1f}s" if p.eta is not None else "  ?  "
    print(f"\r[{'#' * done}{'.' * (width - done)}] {p.events}/{p.total} events  {p.rate:,.0f} ev/s  ETA {eta}",
          end="", flush=True)


async def topic_partitions(consumer: AIOKafkaConsumer, topics: list[str]) -> list[TopicPartition]:
    cluster = await consumer._client.fetch_all_metadata()  # the consumer's own view only covers subscriptions
    parts = []
    for topic in topics:
        for p in sorted(cluster.partitions_for_topic(topic) or set()):
            parts.append(TopicPartition(topic, p))
    return parts


@dataclass
class _Fetched:
    facts: list[Fact]
    records: int


REFERRAL_KINDS = frozenset(cls.name.rsplit(".", 1)[-1] for cls in (m.ReferralGiven, m.ReferralStatusChanged))
"""The facts one lane writes (tables referrals and referral_steps); the other lane writes the rest and the
progress. Each table is only ever written by one lane, so batches reach every table in order."""


async def _read(consumer: AIOKafkaConsumer, parts: list[TopicPartition], queues: list[asyncio.Queue[Any]]) -> None:
    """Producer half of the replay: fetch and decode the next batch while the previous one is written.
    Fetches are unpacked and decoded in slices of `SLICE` records with a yield between, so the writers
    get the (single) Python thread back as soon as each of their statements returns."""
    ends = await consumer.end_offsets(parts)
    remaining = {tp for tp in parts if await consumer.position(tp) < ends[tp]}
    facts: list[Fact] = []
    count = 0
    while remaining:
        batch = await consumer.getmany(*remaining, timeout_ms=500, max_records=SLICE)
        for tp, records in batch.items():
            end = ends[tp]
            if records and records[-1].offset >= end:
                records = [r for r in records if r.offset < end]
            facts += decode_records(records)
            count += len(records)
            if await consumer.position(tp) >= end:
                remaining.discard(tp)
        if count >= BATCH or not remaining:
            item = _Fetched(facts, count)
            for queue in queues:
                await queue.put(item)
            facts, count = [], 0
        await asyncio.sleep(0)
    for queue in queues:
        await queue.put(None)


async def _lane(pool: asyncpg.Pool, projection: ReferralsProjection, queue: asyncio.Queue[Any],
                referrals: bool | None, on_batch: Callable[[_Fetched], None], timings: dict[str, float]) -> None:
    """One writer: its share of every batch (referral facts, the others, or with None all of them and
    the progress), in order, each batch in its own transaction."""
    clock = time.perf_counter
    name = {True: "referrals_lane", False: "other_lane", None: "writer"}[referrals]
    if referrals is not None:  # the replay before the swap: the append-only tables are COPYed into, unkeyed,
        APPENDED.set(frozenset(APPENDED_TABLES) | STAGED_TABLES)  # and the upserted ones staged (see `staging`)
    async with pool.acquire() as conn:
        while True:
            t0 = clock()
            item = await queue.get()
            t1 = clock()
            timings[f"{name}_waiting"] = timings.get(f"{name}_waiting", 0.0) + t1 - t0
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            share = item.facts if referrals is None else \
                [f for f in item.facts if (f.kind in REFERRAL_KINDS) is referrals]
            if share or not referrals:
                async with conn.transaction():
                    # a crashed rebuild is simply run again; the swap commits synchronously (and so
                    # flushes everything before it)
                    await conn.execute("SET LOCAL synchronous_commit TO off")
                    await projection.apply_facts(conn, share, progress_of=[] if referrals else item.facts)
            timings[f"{name}_writing"] = timings.get(f"{name}_writing", 0.0) + clock() - t1
            if not referrals:  # the lane that records progress reports it
                on_batch(item)


async def replay(consumer: AIOKafkaConsumer, parts: list[TopicPartition], pool: asyncpg.Pool,
                  projection: ReferralsProjection, progress: ProgressFn | None, counted: list[int],
                  started: float, total: int, timings: dict[str, float] | None = None,
                  lanes: bool = True) -> int:
    """Read every partition up to its current end offset, applying big batches; returns events applied.
    Reading and decoding (Python) overlap with writing (PostgreSQL), and the writing is split over two
    connections by table (PostgreSQL works on both at once). A rebuild does not need a batch to be one
    transaction: nobody reads the new generation before the swap, and every write is an idempotent
    upsert, so a crashed rebuild is simply run again. `timings` collects where each writer's time went.
    `lanes=False` (after the swap, when derived events are announced and read other tables): one writer,
    one transaction per batch, as the live consumer does."""
    queues: list[asyncio.Queue[Any]] = [asyncio.Queue(maxsize=2) for _ in range(2 if lanes else 1)]
    timings = {} if timings is None else timings
    applied = [0]

    def on_batch(item: _Fetched) -> None:
        applied[0] += len(item.facts)
        counted[0] += item.records
        if progress:
            progress(Progress(counted[0], max(total, counted[0]), time.perf_counter() - started))

    writers = [_lane(pool, projection, queues[0], True, on_batch, timings),
               _lane(pool, projection, queues[1], False, on_batch, timings)] if lanes else \
        [_lane(pool, projection, queues[0], None, on_batch, timings)]
    tasks = [asyncio.create_task(_read(consumer, parts, queues)), *map(asyncio.create_task, writers)]
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            if not task.done():
                task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
    return applied[0]
