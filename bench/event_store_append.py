"""Batch append to the event store on one connection: events per second.

Target: at least 20,000 events/s. Prints the figure for several batch sizes, and a one-event-per-append
baseline on the same connection for contrast.
"""

from __future__ import annotations

import asyncio
import time

from bench.servers import drop_database, machine, scratch_database, servers
from shared.event_store import Append, EventStore, NewEvent
from shared.migrations import open_database

PAYLOAD = {"giver_id": "m-12", "receiver_id": "m-7", "referral_type": "outside", "temperature": 4,
           "occurred_on": "2026-11-18", "chapter_id": "chapter-1"}


def _events(n: int) -> list[NewEvent]:
    return [NewEvent(type="org.refnet.bench.referral-given.v1", data=PAYLOAD, chapter_id="chapter-1")
            for _ in range(n)]


async def main() -> None:
    _, server = servers()
    url = await scratch_database(server, "append")
    pool = await open_database(url, min_size=1, max_size=1)
    store = EventStore(pool)
    print(f"event store append ({machine()})")
    try:
        async with pool.acquire() as conn:
            for batch in (100, 1000, 5000):
                total, started = 0, time.perf_counter()
                stream = 0
                while time.perf_counter() - started < 3.0:
                    # many streams per append, as a burst of slips from one meeting would be
                    appends = [Append(f"s{batch}-{stream + i}", 0, _events(10)) for i in range(batch // 10)]
                    stream += batch // 10
                    await store.append_all(appends, conn=conn)
                    total += batch
                elapsed = time.perf_counter() - started
                print(f"  batches of {batch:>5}: {total / elapsed:>10,.0f} events/s  ({total} in {elapsed:.1f}s)")
            total, started = 0, time.perf_counter()
            while time.perf_counter() - started < 3.0:
                await store.append(f"single-{total}", 0, _events(1), conn=conn)
                total += 1
            elapsed = time.perf_counter() - started
            print(f"  one event per append: {total / elapsed:>7,.0f} events/s")
    finally:
        await pool.close()
        await drop_database(url)


if __name__ == "__main__":
    asyncio.run(main())
