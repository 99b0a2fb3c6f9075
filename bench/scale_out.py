"""End-to-end events per second with one and with two processes of every service.

Each run starts `--replicas` processes of each service (`refnet serve`, topics of `--partitions` partitions) on
the real Kafka and PostgreSQL, records `--chapters` chapters at once through the members processes (members
added, sessions opened, referrals given), and stops the clock when every chapter's reciprocity report equals the
workload's own tally and every e-mail and webhook has been delivered. Events are those of the members event
store (what the other two services consume and react to).

    python -m bench.scale_out --chapters 12 --members 8 --referrals 40
"""

from __future__ import annotations

import argparse
import asyncio
import time

import asyncpg

from bench.servers import ADMIN, SECRETS, drop_database, machine, servers
from tests.e2e.notifications.receivers import Inbox, Receiver, smtp_server, webhook_receiver
from tests.e2e.scale.cluster import SERVICES, Cluster, Workload


async def _until_done(workload: Workload, inbox: Inbox, receiver: Receiver) -> None:
    while not (len(inbox.messages) >= workload.tally.emails and len(receiver.received) >= workload.tally.referrals
               and await workload.reports_match(0)):
        await asyncio.sleep(0.1)


async def run_once(replicas: int, partitions: int, chapters: int, members: int, referrals: int) -> str:
    kafka, postgres = servers()
    with smtp_server() as (inbox, smtp_port), webhook_receiver() as receiver:
        cluster = Cluster(kafka, postgres, SECRETS, replicas=replicas, partitions=partitions, smtp_port=smtp_port)
        cluster.start()
        workload = Workload(cluster, ADMIN, receiver.url("/hooks"))
        try:
            await cluster.wait_healthy()
            began = time.perf_counter()
            await asyncio.gather(*(workload.chapter(n, members, referrals) for n in range(chapters)))
            recorded = time.perf_counter() - began
            await _until_done(workload, inbox, receiver)
            elapsed = time.perf_counter() - began
            conn = await asyncpg.connect(cluster.database("members"))
            try:
                events = int(await conn.fetchval("SELECT count(*) FROM events"))
            finally:
                await conn.close()
        finally:
            await workload.close()
            cluster.stop()
            for service in SERVICES:
                await drop_database(cluster.database(service))
    return (f"  {replicas} process(es) per service: {events} events ({workload.tally.referrals} referrals, "
            f"{workload.tally.emails} e-mails, {workload.tally.referrals} webhooks) in {elapsed:.1f}s end to end"
            f" = {events / elapsed:.0f} events/s (recording alone {recorded:.1f}s = {events / recorded:.0f}/s)")


async def main(replicas: list[int], partitions: int, chapters: int, members: int, referrals: int) -> None:
    print(f"scale-out, end to end ({machine()}; {chapters} chapters at once, {partitions} partitions)")
    for count in replicas:
        print(await run_once(count, partitions, chapters, members, referrals), flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--replicas", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--partitions", type=int, default=4)
    parser.add_argument("--chapters", type=int, default=12)
    parser.add_argument("--members", type=int, default=8)
    parser.add_argument("--referrals", type=int, default=40, help="per chapter")
    args = parser.parse_args()
    asyncio.run(main(args.replicas, args.partitions, args.chapters, args.members, args.referrals))
