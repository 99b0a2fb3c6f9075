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
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

from aiokafka import TopicPartition
from asyncpg import Connection, Pool

from services.referrals.adapters.daily_totals import (
    CHAPTER_DAYS,
    ONE_TO_ONE_DAYS,
    PAIR_DAYS,
    create_totals,
    create_triggers,
)
from services.referrals.adapters.projection import ReferralsProjection
from services.referrals.adapters.schema import (
    PROJECTION,
    SQL,
    create_generation,
    create_indexes,
    drop_appended_keys,
    keep_one_per_key,
)
from services.referrals.adapters.staging import create_staging, merge_closed_business, merge_referrals
from services.referrals.config import load_config
from services.referrals.domain.traffic_lights import TrafficLightScheme
from services.referrals.service_layer.parallel_replay import Workers, consumer_for, shards
from services.referrals.service_layer.replay import ProgressFn, print_progress, replay, topic_partitions
from shared.contracts.members import members_events
from shared.migrations import open_database
from shared.settings import Settings


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


FINISHING_MEMORY = "256MB"
"""Sort and hash memory of the finishing statements (keys, merges, daily totals, indexes): with the default
4MB the daily totals' grouping and sorts spill to disk and take twice as long."""


@contextlib.asynccontextmanager
async def _finishing(pool: Pool) -> AsyncIterator[Connection]:
    """A connection for the finishing statements, with room to sort in memory (reset when it is released)."""
    async with pool.acquire() as conn:
        # one process per index build: the two finishing connections already keep both cores busy (with more
        # memory PostgreSQL would add two parallel workers to each build, six processes on two cores)
        await conn.execute(f"SET work_mem TO '{FINISHING_MEMORY}'; SET maintenance_work_mem TO '{FINISHING_MEMORY}';"
                           " SET max_parallel_maintenance_workers TO 0")
        yield conn


async def rebuild(settings: Settings, progress: ProgressFn | None = print_progress,
                  scheme: TrafficLightScheme | None = None, drop_old: bool = True) -> dict[str, object]:
    """Replay into generation N+1, swap it in, drop generation N. Returns figures for the caller."""
    config = load_config()
    workers = Workers(config.rebuild_workers - 1)  # started first: they get ready while this one sets up
    pool = await open_database(settings.service_database_url("referrals"), SQL)
    topics = sorted({settings.topic(cls.topic) for cls in members_events})
    consumer = consumer_for(settings)
    await consumer.start()
    try:
        parts = await topic_partitions(consumer, topics)
        begins = await consumer.beginning_offsets(parts) if parts else {}
        ends = await consumer.end_offsets(parts) if parts else {}
        counts: dict[str, int] = {}
        for tp in parts:
            counts[tp.topic] = counts.get(tp.topic, 0) + 1
        # this process replays the first shard, worker processes the others (see parallel_replay)
        own, *others = shards(parts, counts, config.rebuild_workers)
        consumer.assign(own)
        if own:
            await consumer.seek_to_beginning(*own)
        total = sum(ends[tp] - begins[tp] for tp in own)  # what this process's progress counts
        async with pool.acquire() as conn:
            row = await conn.fetchrow("SELECT schema_name, generation FROM projection_generations WHERE name = $1",
                                      PROJECTION)
            generation = (row["generation"] if row else 0) + 1
            schema = await create_generation(conn, generation, indexes=False)
            await drop_appended_keys(conn, schema)
            await create_staging(conn, schema)
        projection = ReferralsProjection(scheme=scheme or config.traffic_lights, emit=False, schema=schema,
                                         one_sided_threshold=config.one_sided_threshold)
        started = time.perf_counter()
        counted = [0]
        timings: dict[str, float] = {}
        with _cycle_collection_paused():
            elsewhere = asyncio.ensure_future(workers.replay(settings, schema, others))
            applied = await replay(consumer, own, pool, projection, progress, counted, started, total,
                                    timings) if own else 0
            shared = await elsewhere
        workers.close()
        by_process = [applied, *(n for n, _ in shared)]
        applied += sum(n for n, _ in shared)
        timings["replay"] = time.perf_counter() - started
        # from here on this process reads every partition, from where the replay (its own or a worker's) left it
        positions = {tp: await consumer.position(tp) for tp in own}
        positions.update({TopicPartition(t, p): o for _, done in shared for (t, p), o in done.items()})
        consumer.assign(parts)
        for tp, offset in positions.items():
            consumer.seek(tp, offset)
        # first the append-only tables get their keys back (one row per key), and the staged ones are merged
        # (the referrals derived from their steps on the way), two connections at once
        removed = [0]

        async def keep_one_per_key_of(tables: list[str], merge: Callable[[Connection, str], Awaitable[None]]) -> None:
            async with _finishing(pool) as conn:
                for table in tables:
                    removed[0] += await keep_one_per_key(conn, schema, table)
                await merge(conn, schema)

        finishing = time.perf_counter()
        await asyncio.gather(keep_one_per_key_of(["referral_steps", "applied_sequences"], merge_referrals),
                             keep_one_per_key_of(["attendance", "one_to_ones", "ceus"], merge_closed_business))
        timings["keys"] = time.perf_counter() - finishing

        # derived state as of now, without announcing it. Two connections: the chapters' daily totals (they
        # count won referrals) and the referrals' indexes, while the pairs' daily totals and the other tables'
        # indexes are built; the totals' triggers keep them from then on (the replay after the swap); lights
        # and pairs come last (they look members up by those indexes).
        async def totals_then_index() -> None:
            async with _finishing(pool) as conn:
                await create_totals(conn, schema, filled=True, totals=(CHAPTER_DAYS,), triggers=False)  # has won
                await create_indexes(conn, schema, tables={"referrals"})

        async def index_the_rest() -> None:
            async with _finishing(pool) as conn:
                await create_totals(conn, schema, filled=True, totals=(PAIR_DAYS, ONE_TO_ONE_DAYS), triggers=False)
                await create_indexes(conn, schema, skip={"referrals"})

        mark = time.perf_counter()
        await asyncio.gather(totals_then_index(), index_the_rest())
        async with _finishing(pool) as conn:
            await create_triggers(conn, schema)  # the totals kept from here on (the replay after the swap)
        timings["derive_and_index"] = time.perf_counter() - mark

        async def lights_and_pairs() -> None:
            async with _finishing(pool) as conn, conn.transaction():
                await conn.execute(f"SET LOCAL search_path TO {schema}, public")
                await projection.update_lights(conn, None, emit=False)
                await projection.update_pairs(conn, None, emit=False)
            timings["lights"] = time.perf_counter() - mark

        async def analyze(which: str) -> None:
            # statistics before readers come (fresh tables have none: plans ten times slower), from a small
            # sample (6,000 rows a table instead of 30,000): row counts and spreads are what the plans need
            async with _finishing(pool) as conn, conn.transaction():
                await conn.execute("SET LOCAL default_statistics_target TO 20")
                tables = await conn.fetch(f"SELECT tablename FROM pg_tables WHERE schemaname = $1 AND tablename"
                                          f" {which} IN ('lights', 'pair_states')", schema)
                await conn.execute("; ".join(f"ANALYZE {schema}.{t['tablename']}" for t in tables))

        # the lights and pairs (which write only their own tables) while the other tables are analysed
        mark = time.perf_counter()
        await asyncio.gather(lights_and_pairs(), analyze("NOT"))
        await analyze("")
        timings["analyze"] = time.perf_counter() - mark - timings["lights"]
        replay_seconds = time.perf_counter() - started
        timings["finishing"] = replay_seconds - timings["replay"]
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute(
                """INSERT INTO projection_generations (name, schema_name, generation) VALUES ($1, $2, $3)
                   ON CONFLICT (name) DO UPDATE SET schema_name = excluded.schema_name,
                       generation = excluded.generation, swapped_at = now()""", PROJECTION, schema, generation)
        # what was published between the last read and the swap
        after_swap = 0
        if parts:
            projection.emit = True
            after_swap = await replay(consumer, parts, pool, projection, None, counted, started, total, lanes=False)
            applied += after_swap
        if drop_old and row is not None:
            async with pool.acquire() as conn:
                await conn.execute(f"DROP SCHEMA IF EXISTS {row['schema_name']} CASCADE")
        if progress:
            print()
        return {"schema": schema, "generation": generation, "events": applied, "seconds": replay_seconds,
                "events_per_second": applied / replay_seconds if replay_seconds else 0.0,
                "copies_removed": removed[0], "processes": 1 + len(others),
                "events_by_process": by_process, "events_after_swap": after_swap,
                "timings": {k: round(v, 3) for k, v in timings.items()}}
    finally:
        workers.close(wait=False)
        await consumer.stop()
        await pool.close()
