"""Several processes of one service starting at once on a fresh server (workers, replicas, a compose stack):
they race to create the service's database and its topics, and all of them start."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg

from shared.migrations import ensure_database, open_database
from shared.settings import with_database
from shared.topics import ensure_topics
from tests.conftest import Infra


async def test_processes_starting_at_once_all_find_their_database_and_topics(infra: Infra, kafka_ready: str,
                                                                             topic_prefix: str) -> None:
    names = [f"t_{uuid.uuid4().hex[:12]}" for _ in range(3)]
    url = with_database(infra.postgres_url, names[0])
    try:
        for name in names:  # the race is short: several fresh databases, four starters each
            await asyncio.gather(*(ensure_database(with_database(infra.postgres_url, name)) for _ in range(4)))
        pools = await asyncio.gather(*(open_database(url, max_size=2) for _ in range(4)))
        for pool in pools:
            assert await pool.fetchval("SELECT count(*) FROM schema_migrations") > 0
            await pool.close()
        topics = [f"{topic_prefix}.a", f"{topic_prefix}.b"]
        reports = await asyncio.gather(*(ensure_topics(kafka_ready, topics, partitions=2) for _ in range(4)))
        assert sorted(t for r in reports for t in r.created) == topics  # each created once, by one of them
        assert all(set(r.created) | set(r.existing) == set(topics) for r in reports)
    finally:
        conn = await asyncpg.connect(with_database(infra.postgres_url, "postgres"))
        try:
            for database in names:
                await conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        finally:
            await conn.close()
