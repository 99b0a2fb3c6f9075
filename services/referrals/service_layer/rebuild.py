"""Rebuild: replay the members topics from the beginning into a fresh generation schema, then swap.

Readers and the live consumer keep using the current generation while the new one fills; the pointer
swap is one committed row update. Every projection write is an idempotent upsert of a fact row, so the
events the live consumer applies around the swap (to either generation) change nothing twice. After the
swap the topics are read once more to their new ends, so the new generation holds everything the old
one had. Derived events are not re-announced (only facts after the swap are, with the same stable ids).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition

from services.members.domain.events import members_events
from services.referrals.adapters.projection import Fact, ReferralsProjection
from services.referrals.adapters.schema import PROJECTION, create_generation
from services.referrals.domain.reports import TrafficLightScheme
from shared.envelope import from_kafka
from shared.events import split_type
from shared.migrations import open_database
from shared.settings import Settings

BATCH = 20_000


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


async def _topic_partitions(consumer: AIOKafkaConsumer, topics: list[str]) -> list[TopicPartition]:
    cluster = await consumer._client.fetch_all_metadata()  # the consumer's own view only covers subscriptions
    parts = []
    for topic in topics:
        for p in sorted(cluster.partitions_for_topic(topic) or set()):
            parts.append(TopicPartition(topic, p))
    return parts


async def _replay(consumer: AIOKafkaConsumer, parts: list[TopicPartition], pool: asyncpg.Pool,
                  projection: ReferralsProjection, progress: ProgressFn | None, counted: list[int],
                  started: float, total: int) -> int:
    """Read every partition up to its current end offset, applying big batches; returns events applied."""
    ends = await consumer.end_offsets(parts)
    remaining = {tp for tp in parts if await consumer.position(tp) < ends[tp]}
    applied = 0
    while remaining:
        batch = await consumer.getmany(*remaining, timeout_ms=500, max_records=BATCH)
        facts: list[Fact] = []
        for tp, records in batch.items():
            for record in records:
                if record.offset < ends[tp]:
                    fact = fast_fact(record.headers, record.value)
                    if fact is not None:
                        facts.append(fact)
            if await consumer.position(tp) >= ends[tp]:
                remaining.discard(tp)
        if facts:
            async with pool.acquire() as conn, conn.transaction():
                await projection.apply_facts(conn, facts)
        applied += len(facts)
        counted[0] += sum(len(r) for r in batch.values())
        if progress:
            progress(Progress(counted[0], max(total, counted[0]), time.perf_counter() - started))
    return applied


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
            schema = await create_generation(conn, generation)
        projection = ReferralsProjection(scheme=scheme or scheme_from_env(), emit=False, schema=schema)
        started = time.perf_counter()
        counted = [0]
        applied = await _replay(consumer, parts, pool, projection, progress, counted, started, total) \
            if parts else 0
        # derived state as of now, without announcing it
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute(f"SET LOCAL search_path TO {schema}, public")
            await projection.derive_deferred(conn)
            await projection.update_lights(conn, None, emit=False)
            await projection.update_pairs(conn, None, emit=False)
        replay_seconds = time.perf_counter() - started
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute(
                """INSERT INTO projection_generations (name, schema_name, generation) VALUES ($1, $2, $3)
                   ON CONFLICT (name) DO UPDATE SET schema_name = excluded.schema_name,
                       generation = excluded.generation, swapped_at = now()""", PROJECTION, schema, generation)
        # what was published between the last read and the swap
        if parts:
            projection.emit = True
            applied += await _replay(consumer, parts, pool, projection, None, counted, started, total)
        if drop_old and row is not None:
            async with pool.acquire() as conn:
                await conn.execute(f"DROP SCHEMA IF EXISTS {row['schema_name']} CASCADE")
        if progress:
            print()
        return {"schema": schema, "generation": generation, "events": applied, "seconds": replay_seconds,
                "events_per_second": applied / replay_seconds if replay_seconds else 0.0}
    finally:
        await consumer.stop()
        await pool.close()
