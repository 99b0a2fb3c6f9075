"""End-to-end freshness: a referral recorded over HTTP → visible in the reciprocity report.

Starts the members and referrals services as processes (as `refnet serve` runs them) on the real Kafka
and PostgreSQL and records referrals at a steady rate (200 per second by default). Meanwhile one leader's
client polls the reciprocity report every 50 ms, as the dashboard does, and notes the report's `as_of`
sequence; a referral is visible from the first report whose `as_of` has reached the position the members
service returned for it. Latency = from sending the POST to receiving that report.
Target: p99 under 300 ms at 200 per second.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import time
import uuid
from collections.abc import Awaitable

import httpx

from bench.load import LeanClient
from bench.servers import ADMIN, SECRETS, drop_database, machine, serve, servers, wait_healthy
from infra.processes import free_port
from shared.settings import with_database

RATE = int(os.environ.get("FRESHNESS_RATE", "200"))
SECONDS = 20


async def main() -> None:
    kafka, server = servers()
    prefix = f"bench{uuid.uuid4().hex[:6]}"
    databases = {s: with_database(server, f"{prefix}_{s}") for s in ("members", "referrals")}
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": kafka, "DATABASE_URL": server, "REFNET_TOPIC_PREFIX": prefix,
           "MEMBERS_DATABASE_URL": databases["members"], "REFERRALS_DATABASE_URL": databases["referrals"],
           **SECRETS, "REFNET_RATE_PER_ADDRESS": "100000"}  # all the load comes from one address here
    ports = {"members": free_port(18101), "referrals": free_port(18102)}
    procs = [serve(s, p, env) for s, p in ports.items()]
    members, referrals = (f"http://127.0.0.1:{ports[s]}" for s in ("members", "referrals"))
    try:
        await wait_healthy(members, procs[0])
        await wait_healthy(referrals, procs[1])
        async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=400)) as client:
            admin = {"Authorization": f"Bearer {ADMIN}"}
            chapter = (await client.post(f"{members}/chapters", headers=admin, json={
                "name": "Bench", "city": "Leeds", "region": "North", "meeting_weekday": "wednesday",
                "meeting_time": "08:30", "timezone": "Europe/London", "currency": "GBP"})).json()
            chapter_id = chapter["chapter_id"]
            tokens, ids = [], []
            for i in range(10):
                added = (await client.post(f"{members}/chapters/{chapter_id}/members", headers=admin, json={
                    "name": f"Member {i}", "business": f"Business {i}", "category": f"Category {i}",
                    "email": f"m{i}@example.org"})).json()
                opened = await client.post(  # the admin-only bootstrap session: no leader receives a token
                    f"{members}/chapters/{chapter_id}/members/{added['member_id']}/sessions", headers=admin, json={})
                tokens.append(opened.json()["access_token"])
                ids.append(added["member_id"])
            sent: dict[int, float] = {}  # position → when its POST was sent
            latencies: list[float] = []
            errors = 0
            recording = True

            lean = LeanClient("127.0.0.1", ports["members"])  # the load: see bench/load.py for why not httpx

            async def one(n: int, measured: bool = True) -> None:
                nonlocal errors
                giver, receiver = n % 10, (n * 7 + 3) % 10
                if giver == receiver:
                    receiver = (receiver + 1) % 10
                started = time.perf_counter()
                status, body = await lean.post_json(
                    f"/chapters/{chapter_id}/referrals", headers={"Authorization": f"Bearer {tokens[giver]}"},
                    body={"receiver_id": ids[receiver], "referral_type": "outside", "temperature": 3,
                          "prospect": {"name": f"Prospect {n}"}})
                if status != 201:
                    errors += 1
                    return
                if measured:
                    sent[json.loads(body)["position"]] = started

            # warm-up at the same rate, not measured: connections, prepared statements, caches
            began = time.perf_counter()
            await asyncio.gather(*[_at(began + n / RATE, one(n, measured=False)) for n in range(2 * RATE)])

            async def poll() -> None:
                """The dashboard's view: the report, and how far it has got."""
                while recording or sent:
                    report = await client.get(f"{referrals}/chapters/{chapter_id}/reciprocity",
                                              headers={"Authorization": f"Bearer {ADMIN}"})
                    seen = time.perf_counter()
                    as_of = report.json()["as_of"]["sequence"] or 0
                    for position in [p for p in sent if p <= as_of]:
                        latencies.append(seen - sent.pop(position))
                    await asyncio.sleep(0.05)

            poller = asyncio.create_task(poll())
            tasks = []
            began = time.perf_counter()
            for n in range(int(RATE * SECONDS)):
                await asyncio.sleep(max(0.0, began + n / RATE - time.perf_counter()))
                tasks.append(asyncio.create_task(one(2 * RATE + n)))
            await asyncio.gather(*tasks)
            achieved = len(tasks) / (time.perf_counter() - began)
            recording = False
            await asyncio.wait_for(poller, 120)
            await lean.close()
        latencies.sort()
        q = statistics.quantiles(latencies, n=100)
        print(f"freshness: recorded over HTTP → in the reciprocity report ({machine()})")
        print(f"  offered {RATE}/s for {SECONDS}s (after 2s of warm-up), recorded {achieved:.0f}/s, "
              f"{len(latencies)} seen in the report, "
              f"{errors} errors")
        print(f"  p50 {q[49] * 1000:.0f} ms   p90 {q[89] * 1000:.0f} ms   p99 {q[98] * 1000:.0f} ms   "
              f"max {latencies[-1] * 1000:.0f} ms   (target p99 < 300 ms)")
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(30)
        for url in databases.values():
            await drop_database(url)


async def _at(when: float, work: Awaitable[None]) -> None:
    await asyncio.sleep(max(0.0, when - time.perf_counter()))
    await work


if __name__ == "__main__":
    asyncio.run(main())
