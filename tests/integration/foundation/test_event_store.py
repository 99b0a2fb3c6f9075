"""The event store on a real PostgreSQL: ordering, atomicity and optimistic concurrency."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from shared.event_store import Append, ConcurrencyError, EventStore, NewEvent


def _event(n: int, chapter: str = "c1") -> NewEvent:
    return NewEvent(type="org.refnet.test.thing-happened.v1", data={"n": n}, chapter_id=chapter)


async def test_append_then_read_stream_in_version_order(pool: asyncpg.Pool) -> None:
    store = EventStore(pool)
    await store.append("s-1", 0, [_event(1), _event(2)])
    await store.append("s-1", 2, [_event(3)])
    events = await store.read_stream("s-1")
    assert [e.stream_version for e in events] == [1, 2, 3]
    assert [e.data["n"] for e in events] == [1, 2, 3]
    assert events[0].schema_version == 1


async def test_twenty_concurrent_appends_with_the_same_expected_version_one_wins(pool: asyncpg.Pool) -> None:
    store = EventStore(pool)
    await store.append("contested", 0, [_event(0)])

    async def attempt(n: int) -> bool:
        try:
            await store.append("contested", 1, [_event(n)])
            return True
        except ConcurrencyError:
            return False

    results = await asyncio.gather(*(attempt(n) for n in range(20)))
    assert results.count(True) == 1
    assert len(await store.read_stream("contested")) == 2


async def test_expected_version_ahead_of_the_stream_is_refused(pool: asyncpg.Pool) -> None:
    store = EventStore(pool)
    await store.append("s", 0, [_event(1)])
    with pytest.raises(ConcurrencyError) as info:
        await store.append("s", 5, [_event(2)])
    assert info.value.actual == 1
    assert len(await store.read_stream("s")) == 1


async def test_multi_stream_append_is_atomic(pool: asyncpg.Pool) -> None:
    store = EventStore(pool)
    await store.append("b", 0, [_event(1)])
    with pytest.raises(ConcurrencyError):
        await store.append_all([Append("a", 0, [_event(1)]), Append("b", 0, [_event(2)])])
    assert await store.read_stream("a") == []
    recorded = await store.append_all([Append("a", 0, [_event(1)]), Append("b", 1, [_event(2)])])
    assert [e.stream_id for e in recorded] == ["a", "b"]
    assert recorded[1].position > recorded[0].position


async def test_history_cannot_be_rewritten(pool: asyncpg.Pool) -> None:
    store = EventStore(pool)
    await store.append("s", 0, [_event(1)])
    async with pool.acquire() as conn:
        with pytest.raises(asyncpg.RaiseError, match="append-only"):
            await conn.execute("UPDATE events SET data = '{}'::jsonb")
        with pytest.raises(asyncpg.RaiseError, match="append-only"):
            await conn.execute("DELETE FROM events")
    assert (await store.read_stream("s"))[0].data == {"n": 1}


async def test_read_all_after_a_position(pool: asyncpg.Pool) -> None:
    store = EventStore(pool)
    recorded = await store.append("s", 0, [_event(n) for n in range(10)])
    later = await store.read_all(after=recorded[4].position)
    assert [e.data["n"] for e in later] == [5, 6, 7, 8, 9]


async def test_migrations_are_idempotent(pool: asyncpg.Pool, database_url: str) -> None:
    from shared.migrations import SHARED_SQL, apply_migrations

    conn = await asyncpg.connect(database_url)
    try:
        first = await apply_migrations(conn, SHARED_SQL)
        again = await apply_migrations(conn, SHARED_SQL)
    finally:
        await conn.close()
    # the pool fixture applied them once already; applying again changes nothing
    assert first == [] and again == []
    async with pool.acquire() as c:
        assert await c.fetchval("SELECT count(*) FROM schema_migrations") >= 1
