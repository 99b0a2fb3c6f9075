"""A rebuild's replay over several processes: the topics' partitions sharded by partition number.

Every members event is keyed by its chapter, and every members topic has the same number of partitions, so
a chapter's events have the same partition number on every topic: a shard of partition numbers is a shard of
chapters, and its rows (referrals, their steps, members, closed business...) are written by one process only.
The shared rows (the all-chapters progress row) are upserted in one lock order by every process. Each extra
process (spawned, so nothing of this one's state is copied) replays its shard with the same `replay` into the
same new generation, reports its final positions, and dies with the rebuild if the rebuild is killed (a
rebuild killed midway leaves only the unswapped generation, which the next one drops and starts afresh).
"""

from __future__ import annotations

import asyncio
import ctypes
import multiprocessing
import signal
import time
from collections.abc import Coroutine
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition

from services.referrals.adapters.projection import ReferralsProjection
from services.referrals.service_layer.replay import replay
from shared.settings import Settings

Positions = dict[tuple[str, int], int]
T = TypeVar("T")


def consumer_for(settings: Settings) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers, enable_auto_commit=False,
                            group_id=None, auto_offset_reset="earliest", max_partition_fetch_bytes=8 << 20,
                            fetch_max_bytes=64 << 20)


def shards(parts: list[TopicPartition], counts: dict[str, int], workers: int) -> list[list[TopicPartition]]:
    """`workers` shards by partition number; one shard when the topics' partition counts differ (a chapter's
    events would not share a partition number) or there are fewer partitions than workers."""
    if workers <= 1 or len(set(counts.values())) != 1 or next(iter(counts.values())) < workers:
        return [parts]
    return [[tp for tp in parts if tp.partition % workers == k] for k in range(workers)]


def _die_with_parent() -> None:
    """Linux: SIGKILL this worker when the rebuild process goes, however it goes (prctl PR_SET_PDEATHSIG)."""
    try:
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the worker ends with its shard, writing to a dropped schema
        pass


def run_fast(main: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run` on uvloop where it is installed (it comes with uvicorn[standard]): asyncpg and the Kafka
    client spend less of the single Python thread per round trip and per read on it."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - Windows, or a trimmed install
        return asyncio.run(main)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(main)


def replay_shard(settings: dict[str, Any], schema: str, parts: list[tuple[str, int]]) -> tuple[int, Positions]:
    """A worker process's whole job: (events applied, its partitions' positions after the replay)."""
    return run_fast(_replay_shard(Settings(**settings), schema, [TopicPartition(t, p) for t, p in parts]))


async def _replay_shard(settings: Settings, schema: str, parts: list[TopicPartition]) -> tuple[int, Positions]:
    pool = await asyncpg.create_pool(settings.service_database_url("referrals"), min_size=2, max_size=2)
    consumer = consumer_for(settings)
    await consumer.start()
    try:
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        projection = ReferralsProjection(emit=False, schema=schema)  # facts only: derived state comes at the end
        applied = await replay(consumer, parts, pool, projection, None, [0], time.perf_counter(), 0)
        return applied, {(tp.topic, tp.partition): await consumer.position(tp) for tp in parts}
    finally:
        await consumer.stop()
        await pool.close()


def _ready() -> None:
    """A worker's first job: nothing. Unpickling it imported this module and everything a replay needs."""


class Workers:
    """The rebuild's worker processes (spawned: nothing of this one's state is copied), started at once so
    that their start (a fresh interpreter importing the service: about a second of CPU) overlaps the rebuild's
    set-up (the Kafka client, offsets, the new generation) instead of delaying their shards."""

    def __init__(self, processes: int) -> None:
        self.processes = max(processes, 0)
        self.executor = ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn"),
                                            initializer=_die_with_parent) if processes > 0 else None
        for _ in range(processes):  # each submission starts a process
            self.executor.submit(_ready)  # type: ignore[union-attr]

    async def replay(self, settings: Settings, schema: str,
                     others: list[list[TopicPartition]]) -> list[tuple[int, Positions]]:
        """Replay these shards in the worker processes, one each, at the same time."""
        if not others:
            return []
        assert self.executor is not None and len(others) <= self.processes, "one process a shard"
        loop = asyncio.get_running_loop()
        values = settings.model_dump(by_alias=True, exclude_none=True)
        return await asyncio.gather(*(loop.run_in_executor(
            self.executor, replay_shard, values, schema, [(tp.topic, tp.partition) for tp in shard])
            for shard in others))

    def close(self, wait: bool = True) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=wait, cancel_futures=True)
