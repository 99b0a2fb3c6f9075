"""The consumer runtime against real Kafka and PostgreSQL: exactly-once effects and dead letters."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg
from aiokafka import AIOKafkaProducer

from shared.consumer import Delivered, EventConsumer
from shared.envelope import to_kafka
from shared.event_store import EventStore
from shared.outbox import OutboxRelay, idempotent_producer, to_cloud_event
from tests.integration.foundation.things import (
    CountingProjection,
    headers_of,
    read_topic,
    running_consumer,
    thing,
    wait_until,
)


async def _publish_things(pool: asyncpg.Pool, bootstrap: str, topic: str, count: int) -> None:
    store = EventStore(pool)
    await store.append("things", 0, [thing(n, f"chapter-{n % 3}") for n in range(count)])
    producer = idempotent_producer(bootstrap)
    await producer.start()
    try:
        await OutboxRelay(store, producer, lambda _e: topic, source="/refnet/test").publish_pending()
    finally:
        await producer.stop()


async def _counts(pool: asyncpg.Pool) -> list[asyncpg.Record]:
    return await pool.fetch("SELECT n, times FROM thing_counts ORDER BY n")


async def test_consumer_killed_after_db_commit_before_kafka_commit_applies_once(
        pool: asyncpg.Pool, kafka_ready: str, topic_prefix: str) -> None:
    topic, group = f"{topic_prefix}.things", f"{topic_prefix}.counting"
    await CountingProjection.create(pool)
    await _publish_things(pool, kafka_ready, topic, 300)

    class CrashesBeforeKafkaCommit(EventConsumer):
        async def commit(self, message) -> None:  # type: ignore[no-untyped-def]
            pass  # the database transaction committed; the process dies before the offset commit

    first = CountingProjection()
    async with running_consumer(pool, kafka_ready, [topic], first, group, CrashesBeforeKafkaCommit):
        await wait_until(lambda: _all_applied(pool, 300))

    second = CountingProjection()
    async with running_consumer(pool, kafka_ready, [topic], second, group):
        await wait_until(lambda: _committed(kafka_ready, group, topic, 300))
    rows = await _counts(pool)
    assert [r["n"] for r in rows] == list(range(300))
    assert all(r["times"] == 1 for r in rows)
    assert second.seen == 0, "redelivered events were recognised as applied"


async def _all_applied(pool: asyncpg.Pool, count: int) -> bool:
    return int(await pool.fetchval("SELECT count(*) FROM thing_counts")) >= count


async def _committed(bootstrap: str, group: str, topic: str, count: int) -> bool:
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    return sum(o.offset for tp, o in offsets.items() if tp.topic == topic) >= count


async def test_redelivered_and_republished_events_change_nothing(
        pool: asyncpg.Pool, kafka_ready: str, topic_prefix: str) -> None:
    topic = f"{topic_prefix}.things"
    await CountingProjection.create(pool)
    await _publish_things(pool, kafka_ready, topic, 50)
    # the relay lost its position and publishes everything again
    await pool.execute("UPDATE outbox_positions SET position = 0")
    producer = idempotent_producer(kafka_ready)
    await producer.start()
    await OutboxRelay(EventStore(pool), producer, lambda _e: topic, source="/refnet/test").publish_pending()
    await producer.stop()
    assert len(await read_topic(kafka_ready, topic, expected=100)) == 100

    async with running_consumer(pool, kafka_ready, [topic], CountingProjection(), f"{topic_prefix}.g"):
        await wait_until(lambda: _committed(kafka_ready, f"{topic_prefix}.g", topic, 100))
    rows = await _counts(pool)
    assert len(rows) == 50 and all(r["times"] == 1 for r in rows)


async def test_poison_messages_go_to_the_dead_letter_topic_and_the_rest_is_processed(
        pool: asyncpg.Pool, kafka_ready: str, topic_prefix: str) -> None:
    topic = f"{topic_prefix}.things"
    await CountingProjection.create(pool)
    store = EventStore(pool)
    good_before, failing, good_after = await store.append("s", 0, [thing(1), thing(-5), thing(2)])
    valid_headers = to_kafka(to_cloud_event(good_before, "/refnet/test"))[2]

    def with_header(name: str, value: str) -> list[tuple[str, bytes]]:
        return [(k, v) for k, v in valid_headers if k != name] + [(name, value.encode())]

    producer = AIOKafkaProducer(bootstrap_servers=kafka_ready)
    await producer.start()
    try:
        for event in (good_before, failing):
            key, value, headers = to_kafka(to_cloud_event(event, "/refnet/test"))
            await producer.send_and_wait(topic, value, key=b"chapter-1", headers=headers)
        await producer.send_and_wait(topic, b"{not json", key=b"chapter-1",
                                     headers=with_header("ce_id", "bad-json"))
        await producer.send_and_wait(topic, b'{"n": 3}', key=b"chapter-1",
                                     headers=with_header("ce_type", "org.refnet.test.unheard-of.v1"))
        await producer.send_and_wait(topic, b'{"n": "three"}', key=b"chapter-1",
                                     headers=with_header("ce_id", "schema-violation"))
        await producer.send_and_wait(topic, b'{"n": 4}', key=b"chapter-1", headers=[("ce_id", b"no-attrs")])
        key, value, headers = to_kafka(to_cloud_event(good_after, "/refnet/test"))
        await producer.send_and_wait(topic, value, key=b"chapter-1", headers=headers)
    finally:
        await producer.stop()

    async with running_consumer(pool, kafka_ready, [topic], CountingProjection(), f"{topic_prefix}.g"):
        await wait_until(lambda: _committed(kafka_ready, f"{topic_prefix}.g", topic, 7))
    assert [r["n"] for r in await _counts(pool)] == [1, 2]

    dead = await read_topic(kafka_ready, f"{topic}.dlt", expected=5)
    reasons = {headers_of(r).get("ce_id", ""): headers_of(r)["refnet_dlt_reason"] for r in dead}
    assert "not JSON" in reasons["bad-json"]
    assert "unknown event type" in reasons[str(good_before.event_id)]  # the unheard-of type kept that id
    assert "n" in reasons["schema-violation"] and "InvalidEvent" in reasons["schema-violation"]
    assert "not a CloudEvent" in reasons["no-attrs"]
    assert "negative things cannot happen" in reasons[str(failing.event_id)]
    failing_record = next(r for r in dead if headers_of(r).get("ce_id") == str(failing.event_id))
    assert headers_of(failing_record)["ce_type"] == "org.refnet.test.thing-happened.v1"  # original headers kept
    assert headers_of(failing_record)["refnet_dlt_topic"] == topic


class DeadlocksAtFirst(CountingProjection):
    """The database answers 'deadlock detected' (or another failure of the moment) the first `times` times."""

    def __init__(self, failures: list[Exception]) -> None:
        super().__init__()
        self.failures = failures

    async def apply(self, conn: asyncpg.Connection, events: Sequence[Delivered]) -> None:
        if self.failures:
            raise self.failures.pop(0)
        await super().apply(conn, events)


async def _topics(bootstrap: str) -> set[str]:
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        return set(await admin.list_topics())
    finally:
        await admin.close()


async def test_a_deadlock_or_serialization_failure_is_retried_never_dead_lettered(
        pool: asyncpg.Pool, kafka_ready: str, topic_prefix: str) -> None:
    """More failures of the moment than a message's retry budget (4): the event is still applied once and
    nothing goes to the dead-letter topic (a dead-lettered revocation would leave a token working)."""
    topic, group = f"{topic_prefix}.things", f"{topic_prefix}.g"
    await CountingProjection.create(pool)
    await _publish_things(pool, kafka_ready, topic, 3)
    failures: list[Exception] = [asyncpg.DeadlockDetectedError("deadlock detected"),
                                 asyncpg.SerializationError("could not serialize access"),
                                 asyncpg.TooManyConnectionsError("too many clients already"),
                                 asyncpg.QueryCanceledError("canceling statement due to user request")] * 2
    projection = DeadlocksAtFirst(failures)
    async with running_consumer(pool, kafka_ready, [topic], projection, group):
        await wait_until(lambda: _committed(kafka_ready, group, topic, 3))
    assert failures == [], "every failure was met"
    rows = await _counts(pool)
    assert [(r["n"], r["times"]) for r in rows] == [(0, 1), (1, 1), (2, 1)]
    # the dead-letter publish happens before the offset commit we waited for: had there been one, it is there
    assert f"{topic}.dlt" not in await _topics(kafka_ready)
