"""The consumer runtime every projection and reaction runs on.

- Manual acknowledgement: offsets are committed to Kafka only after the database transaction that
  applied the batch has committed (FastStream's default auto-commit would be at-most-once).
- Idempotent: the ids of applied events are written in that same transaction, so a redelivered or
  republished event changes nothing.
- A message that cannot be read (bad JSON, not a CloudEvent, unknown type, schema violation) or that
  keeps failing after bounded retries with backoff goes to `<topic>.dlt` with its original headers and
  the reason; the consumer moves on. When the database itself is away, nothing is dead-lettered: the
  batch is rewound (nack) and retried, so no offset is ever committed past an unprocessed message.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import asyncpg
from aiokafka import ConsumerRecord
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from faststream.message import StreamMessage

from shared.envelope import CloudEvent, PoisonMessage, from_kafka
from shared.events import DomainEvent, EventRegistry, InvalidEvent, UnknownEventType
from shared.logs import log_consumed, plain_id, working_on
from shared.metrics import dead_lettered

log = logging.getLogger(__name__)

# Failures of the moment, not of the message: the batch is rewound and tried again, never dead-lettered.
# A deadlock, a serialization failure, a full connection table or a cancelled statement says nothing about
# the event: dead-lettering one (an access revocation, say) would lose it for good.
TRANSIENT = (asyncpg.PostgresConnectionError, asyncpg.InterfaceError, asyncpg.CannotConnectNowError,
             asyncpg.DeadlockDetectedError, asyncpg.SerializationError, asyncpg.TooManyConnectionsError,
             asyncpg.QueryCanceledError, asyncpg.LockNotAvailableError, asyncpg.AdminShutdownError,
             ConnectionError, OSError, TimeoutError)


@dataclass(frozen=True)
class Delivered:
    """One event as a projection receives it: the envelope and its decoded, upcast payload."""

    envelope: CloudEvent
    payload: DomainEvent
    record: ConsumerRecord


class Projection(Protocol):
    """Applies events to a database. `apply` runs inside the transaction that records them as applied."""

    name: str

    async def apply(self, conn: asyncpg.Connection, events: Sequence[Delivered]) -> None: ...


async def _raw_body(message: StreamMessage[Any]) -> Any:
    # The runtime reads bodies itself, so a malformed one reaches us instead of failing in FastStream.
    return message.body


def dead_letter_topic(topic: str) -> str:
    return f"{topic}.dlt"


class EventConsumer:
    def __init__(self, *, broker: KafkaBroker, pool: asyncpg.Pool | None, registry: EventRegistry,
                 projection: Projection, topics: Sequence[str], group_id: str, max_attempts: int = 4,
                 base_backoff: float = 0.1, max_records: int = 1000) -> None:
        self.broker = broker
        self._pool = pool
        self.registry = registry
        self.projection = projection
        self.topics = list(topics)
        self.group_id = group_id
        self.max_attempts = max_attempts
        self.base_backoff = base_backoff
        self._transient_failures = 0
        self.subscriber = broker.subscriber(
            *self.topics, group_id=group_id, batch=True, max_records=max_records, batch_timeout_ms=50,
            auto_offset_reset="earliest", ack_policy=AckPolicy.MANUAL, decoder=_raw_body,
            title=f"{projection.name}", description=f"projection {projection.name}",
        )
        self.subscriber(self._handle)

    @property
    def pool(self) -> asyncpg.Pool:
        assert self._pool is not None, "the consumer's database is not open yet"
        return self._pool

    @pool.setter
    def pool(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def _handle(self, _body: Any, message: KafkaMessage) -> None:
        records: tuple[ConsumerRecord, ...] = message.raw_message
        try:
            await self.process(records)
        except Exception as exc:
            # What escapes `process` is the infrastructure (database away, dead-letter topic unreachable),
            # not the message: rewind and try the batch again rather than move past it.
            self._transient_failures += 1
            delay = min(self.base_backoff * 2 ** self._transient_failures, 5.0)
            log.warning("%s: cannot process the batch (%s: %s); retrying it in %.1fs",
                        self.projection.name, type(exc).__name__, exc, delay)
            await asyncio.sleep(delay)
            await message.nack()
            return
        self._transient_failures = 0
        await self.commit(message)

    async def commit(self, message: KafkaMessage) -> None:
        """Commit the batch's offsets to Kafka; only ever after its database transaction committed."""
        await message.ack()

    async def process(self, records: Sequence[ConsumerRecord]) -> None:
        good: list[Delivered] = []
        poison: list[tuple[ConsumerRecord, str]] = []
        for record in records:
            try:
                envelope = from_kafka(record.headers, record.value)
                payload = self.registry.decode(envelope.type, envelope.data)
            except (PoisonMessage, UnknownEventType, InvalidEvent) as exc:
                poison.append((record, f"{type(exc).__name__}: {exc}"))
                continue
            good.append(Delivered(envelope, payload, record))
        if good:
            try:
                await self._apply(good)
            except TRANSIENT:
                raise
            except Exception:
                # Something in the batch fails: apply one at a time to find and isolate it.
                poison.extend(await self._apply_one_by_one(good))
        # concurrently: a flood of bad messages must not hold up the valid ones behind it
        await asyncio.gather(*(self._dead_letter(record, reason) for record, reason in poison))

    async def _apply(self, events: Sequence[Delivered]) -> None:
        async with self.pool.acquire() as conn, conn.transaction():
            fresh = {
                row["event_id"]
                for row in await conn.fetch(
                    "INSERT INTO applied_events (consumer, event_id) SELECT $1, unnest($2::text[])"
                    " ON CONFLICT DO NOTHING RETURNING event_id",
                    self.projection.name, [d.envelope.id for d in events])
            }
            new: list[Delivered] = []
            for delivered in events:
                if delivered.envelope.id in fresh:
                    new.append(delivered)
                    fresh.discard(delivered.envelope.id)  # the same event twice in one batch
            if new:
                await self.projection.apply(conn, new)
        log_consumed(self.projection.name, new)

    async def _apply_one_by_one(self, events: Sequence[Delivered]) -> list[tuple[ConsumerRecord, str]]:
        failed: list[tuple[ConsumerRecord, str]] = []
        for delivered in events:
            for attempt in range(1, self.max_attempts + 1):
                try:
                    await self._apply([delivered])
                    break
                except TRANSIENT:
                    raise
                except Exception as exc:
                    if attempt == self.max_attempts:
                        log.error("%s: giving up on %s after %d attempts: %s", self.projection.name,
                                  delivered.envelope.id, attempt, exc)
                        failed.append((delivered.record, f"{type(exc).__name__}: {exc}"))
                    else:
                        jitter = random.uniform(0, self.base_backoff)
                        await asyncio.sleep(self.base_backoff * 2 ** (attempt - 1) + jitter)
        return failed

    async def _dead_letter(self, record: ConsumerRecord, reason: str) -> None:
        headers = {name: raw.decode("utf-8", errors="replace") for name, raw in record.headers or []}
        headers.update({
            "refnet_dlt_reason": reason[:2000],
            "refnet_dlt_consumer": self.projection.name,
            "refnet_dlt_topic": record.topic,
            "refnet_dlt_partition": str(record.partition),
            "refnet_dlt_offset": str(record.offset),
        })
        await self.broker.publish(record.value or b"", topic=dead_letter_topic(record.topic), key=record.key,
                                  headers=headers)
        dead_lettered(self.projection.name, record.topic)
        with working_on(plain_id(headers.get("ce_correlationid")), plain_id(headers.get("ce_chapterid"))):
            log.warning("%s: dead-lettered %s[%d]@%d: %s", self.projection.name, record.topic, record.partition,
                        record.offset, reason)

