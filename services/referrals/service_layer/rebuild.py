"""Rebuild: replay the members topics from the beginning into a fresh generation schema, then swap.

Readers and the live consumer keep using the current generation while the new one fills; the pointer
swap is one committed row update. Every projection write is an idempotent upsert of a fact row, so the
events the live consumer applies around the swap (to either generation) change nothing twice. After the
swap the topics are read once more to their new ends, so the new generation holds everything the old
one had. Derived events are not re-announced (only facts after the swap are, with the same stable ids).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from json.scanner import make_scanner
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from services.referrals.adapters.projection import Fact, ReferralsProjection
from services.referrals.adapters.schema import PROJECTION, create_generation, create_indexes
from services.referrals.domain.reports import TrafficLightScheme
from shared.contracts.members import members_events
from shared.envelope import from_kafka
from shared.events import split_type
from shared.migrations import open_database
from shared.settings import Settings

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


_CURRENT = {f"{cls.name}.v{cls.version}": cls.name.rsplit(".", 1)[-1] for cls in members_events}
_CURRENT_BYTES = {k.encode(): v for k, v in _CURRENT.items()}
_scan = make_scanner(json.JSONDecoder())  # type: ignore[arg-type]  # the C scanner json.loads uses, without its per-call overhead


def fast_fact(headers: list[tuple[str, bytes]] | None, value: bytes | None) -> Fact | None:
    """A record straight to a Fact: current versions skip validation (the live consumer validated them
    on the way in); older versions are upcast through the registry; unreadable records are skipped."""
    h = {k: v for k, v in headers or []}
    try:
        type_name = h["ce_type"].decode()
        kind = _CURRENT.get(type_name)
        if kind is not None:
            data = json.loads(value or b"")
        else:
            envelope = from_kafka(headers, value)
            if envelope.type not in members_events:
                return None
            data = members_events.decode(envelope.type, envelope.data).model_dump(mode="json")
            kind = split_type(envelope.type)[0].rsplit(".", 1)[-1]
        return Fact(kind=kind, data=data, sequence=int(h["ce_sequence"]), time=h["ce_time"].decode(),
                    chapter_id=h["ce_chapterid"].decode())
    except Exception:  # poison: the live consumer dead-lettered it
        return None


def decode_records(records: Iterable[ConsumerRecord]) -> list[Fact]:
    """`fast_fact` for a whole fetch, with the per-record work cut to the bone: the headers read into a
    dict in C, the JSON body parsed by the C scanner json.loads uses (without its per-call detours) and
    accepted only when it is one object filling the whole value. Anything unusual (an older version, an
    unreadable record) takes `fast_fact`'s careful path, so the results are the same."""
    facts: list[Fact] = []
    append = facts.append
    current = _CURRENT_BYTES
    scan = _scan
    for record in records:
        headers = record.headers
        value = record.value
        h = dict(headers) if headers else {}
        kind = current.get(h.get("ce_type"))  # type: ignore[arg-type]
        seq_b, time_b, chapter_b = h.get("ce_sequence"), h.get("ce_time"), h.get("ce_chapterid")
        if kind is not None and value and seq_b and time_b and chapter_b:
            try:
                text = value.decode()
                data, end = scan(text, 0)
                if end == len(text) and type(data) is dict:
                    append(Fact(kind, data, int(seq_b), time_b.decode(), chapter_b.decode()))
                    continue
            except (ValueError, StopIteration):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
                pass
        fact = fast_fact(headers, value)
        if fact is not None:
            append(fact)
    return facts


async def _topic_partitions(consumer: AIOKafkaConsumer, topics: list[str]) -> list[TopicPartition]:
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


REFERRAL_KINDS = frozenset({"referral-given", "referral-status-changed"})
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


async def _replay(consumer: AIOKafkaConsumer, parts: list[TopicPartition], pool: asyncpg.Pool,
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


@contextlib.contextmanager
def _cycle_collection_paused() -> Iterator[None]:
    """A replay allocates millions of short-lived, acyclic objects while holding a batch of them: the
    cyclic garbage collector would walk the growing heap again and again (a third of the CPU time) for
    nothing. Reference counting still frees them; collection resumes (and catches up) afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


async def rebuild(settings: Settings, progress: ProgressFn | None = print_progress,
                  scheme: TrafficLightScheme | None = None, drop_old: bool = True) -> dict[str, object]:
    """Replay into generation N+1, swap it in, drop generation N. Returns figures for the caller."""
    from services.referrals.entrypoints.app import SQL, scheme_from_env

    pool = await open_database(settings.service_database_url("referrals"), SQL)
    topics = sorted({settings.topic(cls.topic) for cls in members_events})
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers, enable_auto_commit=False,
                                group_id=None, auto_offset_reset="earliest", max_partition_fetch_bytes=8 << 20,
                                fetch_max_bytes=64 << 20)
    await consumer.start()
    try:
        parts = await _topic_partitions(consumer, topics)
        consumer.assign(parts)
        if parts:
            await consumer.seek_to_beginning(*parts)
        begins = await consumer.beginning_offsets(parts) if parts else {}
        ends = await consumer.end_offsets(parts) if parts else {}
        total = sum(ends[tp] - begins[tp] for tp in parts)
        async with pool.acquire() as conn:
            row = await conn.fetchrow("SELECT schema_name, generation FROM projection_generations WHERE name = $1",
                                      PROJECTION)
            generation = (row["generation"] if row else 0) + 1
            schema = await create_generation(conn, generation, indexes=False)
        projection = ReferralsProjection(scheme=scheme or scheme_from_env(), emit=False, schema=schema)
        started = time.perf_counter()
        counted = [0]
        timings: dict[str, float] = {}
        with _cycle_collection_paused():
            applied = await _replay(consumer, parts, pool, projection, progress, counted, started, total,
                                    timings) if parts else 0
        timings["replay"] = time.perf_counter() - started
        # derived state as of now, without announcing it. Two connections: the referrals' milestones are
        # derived before their indexes exist (no index to maintain for every updated row) while the other
        # tables' indexes are built; lights and pairs come last (they look members up by those indexes).
        async def derive_then_index() -> None:
            async with pool.acquire() as conn:
                async with conn.transaction():
                    await conn.execute(f"SET LOCAL search_path TO {schema}, public")
                    await projection.derive_all(conn)
                await create_indexes(conn, schema, tables={"referrals"})

        async def index_the_rest() -> None:
            async with pool.acquire() as conn:
                await create_indexes(conn, schema, skip={"referrals"})

        finishing = time.perf_counter()
        await asyncio.gather(derive_then_index(), index_the_rest())
        timings["derive_and_index"] = time.perf_counter() - finishing
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute(f"SET LOCAL search_path TO {schema}, public")
            await projection.update_lights(conn, None, emit=False)
            timings["lights"] = time.perf_counter() - finishing - timings["derive_and_index"]
            await projection.update_pairs(conn, None, emit=False)
        replay_seconds = time.perf_counter() - started
        timings["finishing"] = replay_seconds - timings["replay"]
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute(
                """INSERT INTO projection_generations (name, schema_name, generation) VALUES ($1, $2, $3)
                   ON CONFLICT (name) DO UPDATE SET schema_name = excluded.schema_name,
                       generation = excluded.generation, swapped_at = now()""", PROJECTION, schema, generation)
        # what was published between the last read and the swap
        if parts:
            projection.emit = True
            applied += await _replay(consumer, parts, pool, projection, None, counted, started, total, lanes=False)
        if drop_old and row is not None:
            async with pool.acquire() as conn:
                await conn.execute(f"DROP SCHEMA IF EXISTS {row['schema_name']} CASCADE")
        if progress:
            print()
        return {"schema": schema, "generation": generation, "events": applied, "seconds": replay_seconds,
                "events_per_second": applied / replay_seconds if replay_seconds else 0.0,
                "timings": {k: round(v, 3) for k, v in timings.items()}}
    finally:
        await consumer.stop()
        await pool.close()
