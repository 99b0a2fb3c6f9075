"""Notification delivery latency and throughput, end to end on the real parts.

    KAFKA_BOOTSTRAP_SERVERS=localhost:9092 DATABASE_URL=postgresql://postgres@localhost:5432/postgres \
        python -m bench.notifications_delivery [referrals] [e-mails]

A members event store (published by the shared outbox relay) → Kafka → the notifications service → an SMTP
server and webhook receivers in a process of their own (bench/sinks.py). Measures:
  * latency: one referral at a time, from append+publish to the e-mail at the SMTP server and the webhook
    at the receiver;
  * throughput: a burst of N referrals, until every e-mail and webhook arrived;
  * e-mail dispatch: M e-mail deliveries (copies of the burst's) made due at once, until all arrived: the
    dispatcher's e-mails/s, each delivery arriving once;
  * isolation: two more subscriptions in the chapter, one whose receiver answers after 5 s and one that
    never accepts a connection (connect timeout), then referrals at 15/s: latency from each one's append
    to its webhook at the live receiver.
Prints os.cpu_count().
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
import uuid
from typing import Any

import asyncpg

from bench.servers import SECRETS, drop_database, machine, servers
from bench.sinks import Sinks
from shared.contracts.members import members_events
from shared.settings import Settings, with_database
from tests.e2e.notifications.helpers import (
    Clock,
    EventSource,
    chapter,
    config,
    given,
    joined,
    running_app,
    wait_until,
)
from tests.e2e.notifications.sign_in import welcome_links

ISOLATION_SLIPS = 150
ISOLATION_RATE = 15.0
COPY_E_MAILS = """
INSERT INTO n_deliveries (delivery_id, trigger_id, recipient, channel, kind, chapter_id, data, status,
                          next_attempt_at, created_at, occurred_at)
SELECT gen_random_uuid(), 'again:' || g || ':' || trigger_id, recipient, channel, kind, chapter_id, data,
       'pending', $1::timestamptz + interval '1 day', created_at, occurred_at
FROM n_deliveries, generate_series(1, $2) g WHERE channel = 'email' AND kind = $3
ORDER BY g, seq LIMIT $4"""


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run(burst: int, e_mails: int) -> dict[str, Any]:
    kafka, server = servers()
    prefix = f"bench{uuid.uuid4().hex[:8]}"
    settings = Settings(REFNET_ADMIN_TOKEN=SECRETS["REFNET_ADMIN_TOKEN"],
                        REFNET_TOKEN_SECRET=SECRETS["REFNET_TOKEN_SECRET"],
                        KAFKA_BOOTSTRAP_SERVERS=kafka, DATABASE_URL=server, REFNET_TOPIC_PREFIX=prefix,
                        MEMBERS_DATABASE_URL=with_database(server, f"{prefix}_members"),
                        NOTIFICATIONS_DATABASE_URL=with_database(server, f"{prefix}_notifications"))
    urls = {"MEMBERS_DATABASE_URL": settings.service_database_url("members"),
            "NOTIFICATIONS_DATABASE_URL": settings.service_database_url("notifications")}
    members_count = 40
    sinks = Sinks.start()
    clock = Clock()
    try:
        cfg = config(sinks.ports["smtp"], dispatch_interval=0.5, scheduler_interval=1.0)
        async with EventSource(settings, "members", members_events) as members, \
                running_app(settings, clock, cfg) as (app, client):
            pool: asyncpg.Pool = app.state.service.pool
            people = [joined("c1", f"m{i}", f"Member{i}") for i in range(members_count)]
            # the welcome e-mail goes with the sign-in link recorded with each membership
            await members.record(chapter("c1"), *people,
                                 *welcome_links(settings, "c1", *(p.member_id for p in people)))
            await wait_until(lambda: len(sinks.mails()) == members_count, 120, "welcome e-mails")
            admin = {"Authorization": f"Bearer {settings.admin_token}"}
            referral_given = ["org.refnet.members.referral-given"]

            async def subscribe(receiver: str) -> str:
                answer = await client.post("/chapters/c1/webhooks", headers=admin,
                                           json={"url": sinks.url(receiver), "event_types": referral_given})
                assert answer.status_code == 201, answer.text
                return str(answer.json()["subscription_id"])

            await subscribe("live")

            # latency: one at a time
            latencies_mail: list[float] = []
            latencies_hook: list[float] = []
            for i in range(30):
                before_mail, before_hook = len(sinks.mails()), len(sinks.hooks())
                start = time.monotonic()
                await members.record(given("c1", f"lat{i}", f"m{i % members_count}",
                                           f"m{(i + 1) % members_count}"))
                await wait_until(lambda: len(sinks.mails()) > before_mail  # noqa: B023
                                 and len(sinks.hooks()) > before_hook, 30, "a referral's e-mail and webhook")  # noqa: B023
                latencies_mail.append(sinks.mails()[before_mail][0] - start)
                latencies_hook.append(sinks.hooks()[before_hook][0] - start)

            # throughput: a burst
            base_mail, base_hook = len(sinks.mails()), len(sinks.hooks())
            events = [given("c1", f"b{i}", f"m{i % members_count}", f"m{(i + 7) % members_count}")
                      for i in range(burst)]
            start = time.monotonic()
            await members.record(*events)
            published = time.monotonic() - start
            await wait_until(lambda: len(sinks.mails()) - base_mail >= burst
                             and len(sinks.hooks()) - base_hook >= burst, 600, "the burst")
            elapsed = max(sinks.mails()[-1][0], sinks.hooks()[-1][0]) - start

            # the dispatcher alone: e-mail deliveries made due at once
            base_mail = len(sinks.mails())
            kind = await pool.fetchval("SELECT kind FROM n_deliveries WHERE channel = 'email' GROUP BY kind"
                                       " ORDER BY count(*) DESC LIMIT 1")  # the burst's
            copied = await pool.execute(COPY_E_MAILS, clock(), e_mails // max(1, burst) + 1, kind, e_mails)
            assert copied == f"INSERT 0 {e_mails}", copied
            start, cpu, sink_cpu = time.monotonic(), time.process_time(), sinks.cpu_seconds()
            await pool.execute("UPDATE n_deliveries SET next_attempt_at = $1 WHERE trigger_id LIKE 'again:%'"
                               " AND status = 'pending'", clock())
            await pool.execute("SELECT pg_notify('refnet_notifications', '')")
            await wait_until(lambda: len(sinks.mails()) - base_mail >= e_mails, 600, "the e-mails")
            copies = sinks.mails()[base_mail:]
            dispatch_s = copies[-1][0] - start
            cpu, sink_cpu = time.process_time() - cpu, sinks.cpu_seconds() - sink_cpu
            distinct = len({key for _, key in copies})

            # isolation: the live receiver's latency while a slow and a dead one are subscribed too
            slow, dead = await subscribe("slow"), await subscribe("dead")
            sent: dict[str, float] = {}
            began = time.monotonic()
            for i in range(ISOLATION_SLIPS):
                await asyncio.sleep(max(0.0, began + i / ISOLATION_RATE - time.monotonic()))
                sent[f"d{i}"] = time.monotonic()
                await members.record(given("c1", f"d{i}", f"m{i % members_count}", f"m{(i + 3) % members_count}"))
            await wait_until(lambda: {k for _, k in sinks.hooks()} >= set(sent), 120, "the live webhooks")
            arrived = {key: at for at, key in sinks.hooks() if key in sent}
            isolated = [arrived[rid] - at for rid, at in sent.items()]
            slowest = sorted(((arrived[rid] - at, at - began) for rid, at in sent.items()), reverse=True)[:4]
            tries = {name: await pool.fetchval("SELECT coalesce(sum(attempts), 0) FROM n_deliveries"
                                               " WHERE recipient = $1", sub) for name, sub in (("slow", slow),
                                                                                              ("dead", dead))}
    finally:
        sinks.stop()
        for url in urls.values():
            await drop_database(url)
    return {"mail_p50": statistics.median(latencies_mail), "mail_p95": pct(latencies_mail, 0.95),
            "hook_p50": statistics.median(latencies_hook), "hook_p95": pct(latencies_hook, 0.95),
            "burst": burst, "published_s": published, "elapsed_s": elapsed,
            "e_mails": e_mails, "dispatch_s": dispatch_s, "cpu_ms": cpu * 1000 / e_mails,
            "sink_cpu_ms": sink_cpu * 1000 / e_mails, "distinct": distinct, "arrived": len(copies),
            "slowest": slowest, "isolated_p50": statistics.median(isolated), "isolated_p99": pct(isolated, 0.99),
            "slow_tries": tries["slow"], "dead_tries": tries["dead"]}


def main() -> None:
    burst = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    e_mails = int(sys.argv[2]) if len(sys.argv) > 2 else 3000
    r = asyncio.run(run(burst, e_mails))
    print(f"machine: {machine()}; os.cpu_count() = {os.cpu_count()}; load average {os.getloadavg()[0]:.1f}")
    print(f"latency, referral recorded -> e-mail at the SMTP server: p50 {r['mail_p50'] * 1000:.0f} ms, "
          f"p95 {r['mail_p95'] * 1000:.0f} ms (30 samples)")
    print(f"latency, referral recorded -> signed webhook:           p50 {r['hook_p50'] * 1000:.0f} ms, "
          f"p95 {r['hook_p95'] * 1000:.0f} ms")
    print(f"throughput: {r['burst']} referrals -> {r['burst']} e-mails + {r['burst']} webhooks + "
          f"{r['burst']} feed items in {r['elapsed_s']:.1f} s "
          f"({2 * r['burst'] / r['elapsed_s']:.0f} deliveries/s; append+publish took {r['published_s']:.1f} s)")
    print(f"e-mail dispatch: {r['e_mails']} e-mails due at once, all at the SMTP server in {r['dispatch_s']:.2f} s "
          f"= {r['e_mails'] / r['dispatch_s']:,.0f} e-mails/s ({r['arrived']} arrived, {r['distinct']} distinct; "
          "target >= 1,000/s)")
    print(f"  CPU per e-mail: service (this process) {r['cpu_ms']:.2f} ms, SMTP server {r['sink_cpu_ms']:.2f} ms")
    print(f"webhook to a live receiver while a slow (5 s) and a dead (connect timeout) one are subscribed "
          f"({ISOLATION_SLIPS} referrals at {ISOLATION_RATE:.0f}/s): p50 {r['isolated_p50'] * 1000:.0f} ms, "
          f"p99 {r['isolated_p99'] * 1000:.0f} ms (target < 200 ms); attempts: slow {r['slow_tries']}, "
          f"dead {r['dead_tries']}")
    print("  slowest live webhooks (latency at seconds into the phase): "
          + ", ".join(f"{lat * 1000:.0f} ms at {when:.1f} s" for lat, when in r["slowest"]))


if __name__ == "__main__":
    main()
