"""Recording referrals over HTTP at a steady rate: throughput and p50/p99 latency.

The members service runs as its own process (`refnet serve members`, as `make up` runs it) on the real
Kafka and PostgreSQL, with its own topics and database (dropped afterwards); this process founds a
chapter with members and then gives referrals open-loop at --rate per second for --seconds.
Target: at least 500 per second sustained with p99 under 50 ms.

    python -m bench.members_record_referrals --rate 500 --seconds 20 [--commit grouped|per-request|both]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
import uuid

import httpx

from bench.cpu import Cpu
from bench.load import LeanClient
from bench.servers import (
    ADMIN,
    SECRETS,
    cpu_per_request,
    cpu_seconds,
    drop_database,
    machine,
    serve,
    servers,
    wait_healthy,
)
from infra.processes import free_port
from shared.settings import with_database


async def run(rate: float, seconds: float, members: int, warmup: float, commit: str = "grouped") -> None:
    kafka, server = servers()
    prefix = f"bench{uuid.uuid4().hex[:6]}"
    database = with_database(server, f"{prefix}_members")
    port = free_port(18301)
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": kafka, "DATABASE_URL": server, "REFNET_TOPIC_PREFIX": prefix,
           "MEMBERS_DATABASE_URL": database, **SECRETS,
           # all the load comes from one address here; a deployment's clients each have their own
           "REFNET_RATE_PER_ADDRESS": "100000"}
    if commit == "per-request":  # group commit switched off: a transaction (and an fsync) per slip
        env["MEMBERS_GROUP_COMMIT_MAX"] = "1"
    proc = serve("members", port, env)
    url = f"http://127.0.0.1:{port}"
    try:
        await wait_healthy(url, proc)
        async with httpx.AsyncClient(base_url=url, timeout=30,
                                     limits=httpx.Limits(max_connections=200, max_keepalive_connections=200)) as c:
            admin = {"Authorization": f"Bearer {ADMIN}"}
            chapter_id = (await c.post("/chapters", headers=admin, json={
                "name": "Bench", "city": "York", "region": "North", "meeting_weekday": "tuesday",
                "meeting_time": "07:30", "timezone": "Europe/London", "currency": "GBP"})).json()["chapter_id"]
            roster = []
            for i in range(members):
                added = (await c.post(f"/chapters/{chapter_id}/members", headers=admin, json={
                    "name": f"Member {i}", "business": f"Business {i}", "category": f"Category {i}",
                    "email": f"m{i}@example.org"})).json()
                # leaders never receive a member's token: the administrator opens a session for the benchmark
                # (15 minutes: longer than any run)
                opened = (await c.post(f"/chapters/{chapter_id}/members/{added['member_id']}/sessions",
                                       headers=admin, json={"device": "bench"})).json()
                roster.append((added["member_id"], {"Authorization": f"Bearer {opened['access_token']}"}))
            latencies: list[float] = []
            statuses: dict[int, int] = {}

            measured_servers = await Cpu.of_servers(server, kafka)
            lean = LeanClient("127.0.0.1", port)  # the load itself: see bench/load.py for why not httpx

            async def give(n: int, measured: bool = True) -> None:
                giver, receiver = roster[n % members], roster[(n * 7 + 1) % members]
                if giver is receiver:
                    receiver = roster[(n + 1) % members]
                started = time.perf_counter()
                status, _ = await lean.post_json(f"/chapters/{chapter_id}/referrals", headers=giver[1], body={
                    "receiver_id": receiver[0], "referral_type": "outside", "temperature": 1 + n % 5,
                    "prospect": {"name": f"Prospect {n}", "phone": "+44 1904 000000", "company": "Prospect Ltd"}})
                if measured:
                    latencies.append(time.perf_counter() - started)
                    statuses[status] = statuses.get(status, 0) + 1

            # warm-up at the same rate, not measured: connections opened, statements prepared, caches filled
            warm = []
            began = time.perf_counter()
            for n in range(int(rate * warmup)):
                await asyncio.sleep(max(0.0, began + n / rate - time.perf_counter()))
                warm.append(asyncio.create_task(give(n, measured=False)))
            await asyncio.gather(*warm)

            tasks = []
            cpu_before = cpu_seconds(proc.pid, measured_servers)
            began = time.perf_counter()
            for n in range(int(rate * seconds)):
                await asyncio.sleep(max(0.0, began + n / rate - time.perf_counter()))
                tasks.append(asyncio.create_task(give(len(warm) + n)))
            await asyncio.gather(*tasks)
            elapsed = time.perf_counter() - began
            await lean.close()
            cpu_after = cpu_seconds(proc.pid, measured_servers)
        q = statistics.quantiles(latencies, n=100)
        print(f"recording referrals over HTTP, {commit} commits ({machine()})")
        print(f"  offered {rate:.0f}/s for {seconds:.0f}s after {warmup:.0f}s of warm-up: "
              f"{len(tasks) / elapsed:.0f}/s completed, statuses {statuses}")
        print(f"  latency p50 {q[49] * 1000:.1f} ms   p90 {q[89] * 1000:.1f} ms   p99 {q[98] * 1000:.1f} ms   "
              f"(target ≥ 500/s, p99 < 50 ms)")
        print(f"  {cpu_per_request(cpu_before, cpu_after, len(tasks))}")
    finally:
        proc.terminate()
        proc.wait(30)
        await drop_database(database)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rate", type=float, default=500.0, help="referrals per second to offer")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--members", type=int, default=30)
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds at the same rate, not measured")
    parser.add_argument("--commit", choices=["grouped", "per-request", "both"], default="grouped",
                        help="group commit (the default), one transaction per slip, or both one after the other")
    args = parser.parse_args()
    for commit in (["per-request", "grouped"] if args.commit == "both" else [args.commit]):
        asyncio.run(run(args.rate, args.seconds, args.members, args.warmup, commit))
