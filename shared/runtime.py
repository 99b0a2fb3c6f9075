"""One place where a service process is wired: its database, outbox relay, Kafka broker and consumers.

Every service does the same at start-up (open its own database and migrate it; start the relay that
publishes its event store; start the consumers of the topics it projects) and the same at shutdown, so
that sequence lives here and each service's `entrypoints/app.py` only says what it publishes, what it
consumes and which routes it serves.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any, Union

import asyncpg
from faststream.kafka import KafkaBroker

from shared.auth import RevocationProjection
from shared.consumer import EventConsumer, Projection, dead_letter_topic
from shared.contracts.access import access_events
from shared.event_store import EventStore, RecordedEvent
from shared.events import DomainEvent, EventRegistry
from shared.migrations import open_database
from shared.outbox import OutboxRelay, idempotent_producer
from shared.settings import InsecureSecrets, Settings
from shared.startup import patiently, where
from shared.topics import ensure_topics

log = logging.getLogger(__name__)


def calm_garbage_collector() -> None:
    """A request allocates thousands of short-lived objects (a reciprocity report tens of thousands): with
    the default thresholds the cyclic collector walks the whole long-lived heap (modules, caches) every few
    requests, the slowest requests' main cost. Start-up objects are frozen out of its sight and young
    garbage is collected less often; reference counting still frees almost everything at once."""
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)


class Service:
    def __init__(self, name: str, settings: Settings, migrations: Sequence[Path] = (),
                 publishes: EventRegistry | None = None, pool_size: int = 10) -> None:
        self.name = name
        self.settings = settings
        self.migrations = list(migrations)
        self.publishes = publishes
        self.pool_size = pool_size
        self.broker = KafkaBroker(settings.kafka_bootstrap_servers, logger=log,
                                  client_id=f"refnet-{name}", log_level=logging.DEBUG)  # per batch: debug
        self.consumers: list[EventConsumer] = []
        self._pool: asyncpg.Pool | None = None
        self._tasks: list[asyncio.Task[Any]] = []
        self._stop = asyncio.Event()
        self.relay: OutboxRelay | None = None
        self.consume(RevocationProjection(), [access_events], access_events)
        if publishes is not None:
            self._document_publications(publishes)

    def _document_publications(self, registry: EventRegistry) -> None:
        """The relay publishes with a plain producer; these publishers only describe it in AsyncAPI."""
        by_topic: dict[str, list[type[DomainEvent]]] = {}
        for cls in registry:
            by_topic.setdefault(cls.topic, []).append(cls)
        for topic, classes in sorted(by_topic.items()):
            payload: Any = classes[0] if len(classes) == 1 else Union[tuple(classes)]  # noqa: UP007
            self.broker.publisher(
                self.settings.topic(topic), schema=payload, title=f"{self.settings.topic(topic)}:publish",
                description="CloudEvents in binary mode (ce_* headers), key = chapter id. Types: "
                            + ", ".join(c.type_name() for c in classes))

    @property
    def pool(self) -> asyncpg.Pool:
        assert self._pool is not None, f"{self.name} is not started"
        return self._pool

    @property
    def store(self) -> EventStore:
        return EventStore(self.pool)

    def consume(self, projection: Projection, sources: Sequence[EventRegistry], registry: EventRegistry) -> None:
        """Run `projection` over every topic the event types in `sources` are published on."""
        topics = sorted({self.settings.topic(cls.topic) for source in sources for cls in source})
        # Registered now (the database is attached at start) so the AsyncAPI document lists it.
        self.consumers.append(EventConsumer(broker=self.broker, pool=None, registry=registry,
                                            projection=projection, topics=topics,
                                            group_id=self.group_id(projection)))

    def topics(self) -> list[str]:
        """Every topic this service publishes or consumes, and the dead-letter topics of those it consumes."""
        published = {self.settings.topic(cls.topic) for cls in self.publishes or ()}
        consumed = {topic for consumer in self.consumers for topic in consumer.topics}
        return sorted(published | consumed | {dead_letter_topic(t) for t in consumed})

    def topic_for(self, event: RecordedEvent) -> str:
        assert self.publishes is not None
        return self.settings.topic(self.publishes.event_class(event.type).topic)

    def group_id(self, projection: Projection) -> str:
        return f"{self.settings.topic_prefix}.{self.name}.{projection.name}"

    async def start(self) -> None:
        problems = self.settings.secret_problems()
        if problems:
            raise InsecureSecrets(f"refnet {self.name} will not start: " + "; ".join(problems)
                                  + ". Set them to long random values (the same in all three services), e.g."
                                  " `python -c 'import secrets; print(secrets.token_urlsafe(32))'`.")
        url, limit = self.settings.service_database_url(self.name), self.settings.startup_wait_seconds
        self._pool = await patiently(f"PostgreSQL at {where(url)}", lambda: open_database(
            url, *self.migrations, max_size=self.pool_size), limit)
        for consumer in self.consumers:
            consumer.pool = self.pool
        kafka = self.settings.kafka_bootstrap_servers
        await patiently(f"Kafka at {kafka}", lambda: ensure_topics(
            kafka, self.topics(), self.settings.topic_partitions, self.settings.topic_replication,
            client_id=f"refnet-{self.name}"), limit)
        await patiently(f"Kafka at {kafka}", self.broker.start, limit)
        if self.publishes is not None:
            producer = idempotent_producer(self.settings.kafka_bootstrap_servers)
            await patiently(f"Kafka at {kafka}", producer.start, limit)
            self.relay = OutboxRelay(self.store, producer, self.topic_for, source=f"/refnet/{self.name}",
                                     poll_interval=0.5)
            self._tasks.append(asyncio.create_task(self.relay.run(self._stop), name=f"{self.name}-relay"))
        calm_garbage_collector()

    async def stop(self) -> None:
        self._stop.set()
        for task in self._tasks:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(task, 10)
        if self.relay is not None:
            await self.relay.producer.stop()
        await self.broker.stop()
        if self._pool is not None:
            await self._pool.close()

    @contextlib.asynccontextmanager
    async def lifespan(self, _app: Any) -> AsyncIterator[None]:
        await self.start()
        try:
            yield
        finally:
            await self.stop()

    async def health(self) -> dict[str, Any]:
        """What /health reports: database reachable, and how far the outbox relay lags behind."""
        async with self.pool.acquire() as conn:
            last = int(await conn.fetchval("SELECT coalesce(max(position), 0) FROM events"))
        report: dict[str, Any] = {"service": self.name, "status": "ok", "last_position": last}
        if self.relay is not None:
            report["published_position"] = await self.relay.position()
        return report
