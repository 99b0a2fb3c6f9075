"""Recording referrals over HTTP at a steady rate: throughput and p50/p99 latency.

Runs the members app under uvicorn in this process against the real Kafka and PostgreSQL named by
KAFKA_BOOTSTRAP_SERVERS / DATABASE_URL, with its own topics and database (dropped afterwards), founds a
chapter with a few members and then gives referrals open-loop at --rate per second for --seconds.

    KAFKA_BOOTSTRAP_SERVERS=localhost:9092 DATABASE_URL=postgresql://postgres@localhost:5432/postgres \
        .venv/bin/python bench/members_record_referrals.py --rate 50 --seconds 20
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import time
import uuid

import asyncpg
import httpx
import uvicorn

from services.members.entrypoints.app import create_app
from shared.settings import Settings, with_database


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def main(rate: float, seconds: float, members: int) -> None:
    base = Settings()
    prefix = f"bench{uuid.uuid4().hex[:8]}"
    database = f"{prefix}_members"
    settings = Settings(KAFKA_BOOTSTRAP_SERVERS=base.kafka_bootstrap_servers, DATABASE_URL=base.database_url,
                        REFNET_TOPIC_PREFIX=prefix, MEMBERS_DATABASE_URL=with_database(base.database_url, database))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
    serving = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.05)
    admin = {"Authorization": f"Bearer {settings.admin_token}"}
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30,
                                     limits=httpx.Limits(max_connections=200)) as client:
            chapter = (await client.post("/chapters", headers=admin, json={
                "name": "Bench", "city": "Leeds", "region": "Yorkshire", "meeting_weekday": "wednesday",
                "meeting_time": "07:00", "timezone": "Europe/London", "currency": "GBP",
                "founded_on": "2024-01-10"})).json()["chapter_id"]
            roster: list[tuple[str, str]] = []
            for i in range(members):
                added = (await client.post(f"/chapters/{chapter}/members", headers=admin, json={
                    "name": f"Member {i}", "business": f"Business {i}", "category": f"Category {i}",
                    "email": f"m{i}@example.com", "joined_on": "2024-02-07"})).json()
                roster.append((added["member_id"], added["token"]))

            latencies: list[float] = []
            errors: list[int] = []

            async def give(n: int) -> None:
                (giver, token), (receiver, _) = random.sample(roster, 2)
                started = time.perf_counter()
                response = await client.post(
                    f"/chapters/{chapter}/referrals",
                    headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"bench-{n}"},
                    json={"receiver_id": receiver, "referral_type": "outside", "temperature": 3,
                          "prospect": {"name": f"Prospect {n}", "phone": "+44 7700 900000",
                                       "email": f"p{n}@example.com", "company": "Co"}})
                latencies.append(time.perf_counter() - started)
                if response.status_code != 201:
                    errors.append(response.status_code)

            total = int(rate * seconds)
            t0 = time.perf_counter()
            tasks = []
            for n in range(total):
                delay = t0 + n / rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                tasks.append(asyncio.create_task(give(n)))
            await asyncio.gather(*tasks)
            elapsed = time.perf_counter() - t0
            health = (await client.get("/health")).json()
        ms = sorted(x * 1000 for x in latencies)
        print(f"cpu_count={os.cpu_count()} members={members} target_rate={rate}/s duration={seconds}s")
        print(f"recorded={total - len(errors)} errors={len(errors)} {sorted(set(errors))}")
        print(f"throughput={(total - len(errors)) / elapsed:.1f} referrals/s")
        print(f"latency p50={statistics.median(ms):.1f} ms p99={ms[int(len(ms) * 0.99) - 1]:.1f} ms "
              f"max={ms[-1]:.1f} ms")
        print(f"event store last_position={health['last_position']} published={health.get('published_position')}")
    finally:
        server.should_exit = True
        await serving
        conn = await asyncpg.connect(with_database(base.database_url, "postgres"))
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        finally:
            await conn.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=50.0, help="referrals per second to offer")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--members", type=int, default=30)
    args = parser.parse_args()
    asyncio.run(main(args.rate, args.seconds, args.members))
