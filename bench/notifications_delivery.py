"""Notification delivery latency and throughput, end to end on the real parts.

    KAFKA_BOOTSTRAP_SERVERS=localhost:9092 DATABASE_URL=postgresql://postgres@localhost:5432/postgres \
        python -m bench.notifications_delivery [referrals]

A members event store (published by the shared outbox relay) → Kafka → the notifications service → a local
aiosmtpd server (e-mail to the receiver) and a local webhook receiver (signed POST). Measures:
  * latency: one referral at a time, from append+publish to the e-mail in the inbox and the webhook received;
  * throughput: a burst of N referrals, until every e-mail and webhook arrived;
  * isolation: a second subscription whose receiver hangs (answers nothing: the webhook timeout ends each
    attempt), then referrals at 15/s (within what the service keeps up with here, so only the hanging
    receiver can delay them): latency from each one's append to its webhook at the live receiver.
Prints os.cpu_count().
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import time
import uuid
from typing import Any

from bench.servers import SECRETS, drop_database, machine, servers
from shared.contracts.members import members_events
from shared.settings import Settings, with_database
from tests.e2e.notifications.helpers import (
    Clock,
    EventSource,
    Inbox,
    Receiver,
    chapter,
    config,
    given,
    joined,
    running_app,
    smtp_server,
    wait_until,
    webhook_receiver,
)
from tests.e2e.notifications.receivers import hanging_receiver
from tests.e2e.notifications.sign_in import welcome_links

ISOLATION_SLIPS = 150
ISOLATION_RATE = 15.0


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run(burst: int) -> dict[str, Any]:
    kafka, server = servers()
    prefix = f"bench{uuid.uuid4().hex[:8]}"
    settings = Settings(REFNET_ADMIN_TOKEN=SECRETS["REFNET_ADMIN_TOKEN"],
                        REFNET_TOKEN_SECRET=SECRETS["REFNET_TOKEN_SECRET"],
                        KAFKA_BOOTSTRAP_SERVERS=kafka, DATABASE_URL=server, REFNET_TOPIC_PREFIX=prefix,
                        MEMBERS_DATABASE_URL=with_database(server, f"{prefix}_members"),
                        NOTIFICATIONS_DATABASE_URL=with_database(server, f"{prefix}_notifications"))
    urls = {"MEMBERS_DATABASE_URL": settings.service_database_url("members"),
            "NOTIFICATIONS_DATABASE_URL": settings.service_database_url("notifications")}
    arrivals: dict[str, float] = {}

    class TimedInbox(Inbox):
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            result = await super().handle_DATA(server, session, envelope)
            arrivals[f"mail:{len(self.messages)}"] = time.perf_counter()
            return result

    members_count = 40
    try:
        with smtp_server() as (plain_inbox, port), webhook_receiver() as receiver:
            inbox = TimedInbox()
            plain_inbox.handle_DATA = inbox.handle_DATA
            receiver_: Receiver = receiver
            cfg = config(port, dispatch_interval=0.5, scheduler_interval=1.0)
            async with EventSource(settings, "members", members_events) as members, \
                    running_app(settings, Clock(), cfg) as (_app, client):
                people = [joined("c1", f"m{i}", f"Member{i}") for i in range(members_count)]
                # the welcome e-mail goes with the sign-in link recorded with each membership
                await members.record(chapter("c1"), *people,
                                     *welcome_links(settings, "c1", *(p.member_id for p in people)))
                await wait_until(lambda: len(inbox.messages) == members_count, 120, "welcome e-mails")
                admin = {"Authorization": f"Bearer {settings.admin_token}"}
                subscription = {"url": receiver_.url("/hook"), "event_types": ["org.refnet.members.referral-given"]}
                hook = await client.post("/chapters/c1/webhooks", headers=admin, json=subscription)
                assert hook.status_code == 201, hook.text

                # latency: one at a time
                latencies_mail: list[float] = []
                latencies_hook: list[float] = []
                for i in range(30):
                    before_mail, before_hook = len(inbox.messages), len(receiver_.at("/hook"))
                    start = time.perf_counter()
                    await members.record(given("c1", f"lat{i}", f"m{i % members_count}",
                                               f"m{(i + 1) % members_count}"))
                    mail_at = hook_at = 0.0
                    while not (mail_at and hook_at):
                        if not mail_at and len(inbox.messages) > before_mail:
                            mail_at = time.perf_counter()
                        if not hook_at and len(receiver_.at("/hook")) > before_hook:
                            hook_at = time.perf_counter()
                        await asyncio.sleep(0.002)
                    latencies_mail.append(mail_at - start)
                    latencies_hook.append(hook_at - start)

                # throughput: a burst
                base_mail, base_hook = len(inbox.messages), len(receiver_.at("/hook"))
                events = [given("c1", f"b{i}", f"m{i % members_count}", f"m{(i + 7) % members_count}")
                          for i in range(burst)]
                start = time.perf_counter()
                await members.record(*events)
                published = time.perf_counter() - start
                await wait_until(lambda: len(inbox.messages) - base_mail >= burst
                                 and len(receiver_.at("/hook")) - base_hook >= burst, 600, "the burst")
                elapsed = time.perf_counter() - start

                # isolation: the live receiver's latency while a hanging one is subscribed too
                async with hanging_receiver() as dead:
                    hung = {"url": dead.url("/hook"), "event_types": ["org.refnet.members.referral-given"]}
                    assert (await client.post("/chapters/c1/webhooks", headers=admin, json=hung)).status_code == 201
                    sent: dict[str, float] = {}
                    seen = len(receiver_.at("/hook"))
                    began = time.perf_counter()
                    for i in range(ISOLATION_SLIPS):
                        await asyncio.sleep(max(0.0, began + i / ISOLATION_RATE - time.perf_counter()))
                        sent[f"d{i}"] = time.perf_counter()
                        await members.record(given("c1", f"d{i}", f"m{i % members_count}",
                                                   f"m{(i + 3) % members_count}"))
                    arrived: dict[str, float] = {}
                    deadline = time.perf_counter() + 120
                    while len(arrived) < ISOLATION_SLIPS and time.perf_counter() < deadline:
                        for _, body in receiver_.at("/hook")[seen:]:
                            rid = json.loads(body)["data"]["referral_id"]
                            arrived.setdefault(rid, time.perf_counter())
                        seen = len(receiver_.at("/hook"))
                        await asyncio.sleep(0.002)
                    isolated = [arrived.get(rid, deadline) - at for rid, at in sent.items()]
                    dead_tries = dead.connections
    finally:
        for url in urls.values():
            await drop_database(url)
    return {"mail_p50": statistics.median(latencies_mail), "mail_p95": pct(latencies_mail, 0.95),
            "hook_p50": statistics.median(latencies_hook), "hook_p95": pct(latencies_hook, 0.95),
            "burst": burst, "published_s": published, "elapsed_s": elapsed,
            "isolated_p50": statistics.median(isolated), "isolated_p99": pct(isolated, 0.99),
            "isolated_missing": ISOLATION_SLIPS - len(arrived), "dead_tries": dead_tries}


def main() -> None:
    burst = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    r = asyncio.run(run(burst))
    print(f"machine: {machine()}; os.cpu_count() = {os.cpu_count()}")
    print(f"latency, referral recorded -> e-mail in inbox:   p50 {r['mail_p50'] * 1000:.0f} ms, "
          f"p95 {r['mail_p95'] * 1000:.0f} ms (30 samples)")
    print(f"latency, referral recorded -> signed webhook:    p50 {r['hook_p50'] * 1000:.0f} ms, "
          f"p95 {r['hook_p95'] * 1000:.0f} ms")
    print(f"throughput: {r['burst']} referrals -> {r['burst']} e-mails + {r['burst']} webhooks + "
          f"{r['burst']} feed items in {r['elapsed_s']:.1f} s "
          f"({2 * r['burst'] / r['elapsed_s']:.0f} deliveries/s; append+publish took {r['published_s']:.1f} s)")
    print(f"webhook to a live receiver while a hanging one is subscribed ({ISOLATION_SLIPS} referrals at "
          f"{ISOLATION_RATE:.0f}/s): p50 {r['isolated_p50'] * 1000:.0f} ms, p99 {r['isolated_p99'] * 1000:.0f} ms, "
          f"{r['isolated_missing']} not arrived within 120 s; the hanging receiver was tried {r['dead_tries']} times "
          "(target p99 < 200 ms)")


if __name__ == "__main__":
    main()
