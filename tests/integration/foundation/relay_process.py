"""Runs an outbox relay as its own process, so a test can kill -9 it mid-publish."""

from __future__ import annotations

import asyncio
import sys

from shared.event_store import EventStore
from shared.migrations import open_database
from shared.outbox import OutboxRelay, idempotent_producer


async def main(database_url: str, bootstrap: str, topic: str) -> None:
    pool = await open_database(database_url)
    producer = idempotent_producer(bootstrap)
    await producer.start()
    relay = OutboxRelay(EventStore(pool), producer, lambda _e: topic, source="/refnet/test", batch_size=25)
    await relay.run(asyncio.Event())


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
