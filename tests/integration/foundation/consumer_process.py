"""Runs the counting projection's consumer as its own process, so a test can kill -9 it mid-batch."""

from __future__ import annotations

import asyncio
import sys

from faststream.kafka import KafkaBroker

from shared.consumer import EventConsumer
from shared.migrations import open_database
from tests.integration.foundation.things import CountingProjection, registry


class SlowCountingProjection(CountingProjection):
    """Slow enough per batch that a kill lands in the middle of one."""

    async def apply(self, conn, events) -> None:  # type: ignore[no-untyped-def]
        await super().apply(conn, events)
        await asyncio.sleep(0.05)


async def main(database_url: str, bootstrap: str, topic: str, group: str) -> None:
    pool = await open_database(database_url)
    broker = KafkaBroker(bootstrap, logger=None)
    EventConsumer(broker=broker, pool=pool, registry=registry, projection=SlowCountingProjection(),
                  topics=[topic], group_id=group, max_records=100)
    await broker.start()
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:5]))
