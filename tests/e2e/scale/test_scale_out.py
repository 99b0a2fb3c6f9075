"""Scale-out on the real servers: two processes of every service, topics of four partitions, four chapters
recorded at once, and one process of each service killed with -9 mid-run. The reports equal the workload's own
tally (what one process would have computed), every e-mail reaches the SMTP server and every webhook its
receiver, each once.

"Once" is checked per delivery (the `X-Refnet-Delivery` header, the webhook's `webhook-id`): the one case
where a receiver may see a delivery twice is a process killed after the receiver accepted it and before
that was recorded; such a delivery was claimed twice (`attempts` ≥ 2) and carries the same id both times, so
receivers can recognise it. Anything else seen twice fails the test.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable

import asyncpg
import pytest
from aiokafka.admin import AIOKafkaAdminClient

from tests.conftest import ADMIN_TOKEN, TOKEN_SECRET, Infra
from tests.e2e.notifications.receivers import Inbox, Receiver, smtp_server, webhook_receiver
from tests.e2e.scale.cluster import Cluster, Workload

pytestmark = pytest.mark.fault

CHAPTERS, MEMBERS, REFERRALS = 4, 6, 16


async def _until(condition: Callable[[], Awaitable[bool]], timeout: float, what: str) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await condition():
        assert asyncio.get_running_loop().time() < deadline, f"not reached within {timeout:.0f}s: {what}"
        await asyncio.sleep(0.2)


async def _partitions(bootstrap: str, topic: str) -> int:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        return len((await admin.describe_topics([topic]))[0]["partitions"])
    finally:
        await admin.close()


async def test_two_processes_of_each_service_one_of_each_killed_mid_run(infra: Infra, kafka_ready: str) -> None:
    with smtp_server() as (inbox, smtp_port), webhook_receiver() as receiver:
        cluster = Cluster(kafka_ready, infra.postgres_url, {"REFNET_ADMIN_TOKEN": ADMIN_TOKEN,
                                                            "REFNET_TOKEN_SECRET": TOKEN_SECRET},
                          replicas=2, partitions=4, smtp_port=smtp_port)
        cluster.start()
        workload = Workload(cluster, ADMIN_TOKEN, receiver.url("/hooks"))
        try:
            await cluster.wait_healthy()
            assert await _partitions(kafka_ready, f"{cluster.prefix}.members.referrals") == 4

            async def kill_mid_run() -> None:
                await _until(lambda: _recorded(workload, CHAPTERS * REFERRALS // 3), 240, "a third recorded")
                for group in ("referrals.referrals", "notifications.notifications"):  # both processes consume
                    await _until(lambda g=group: _members(kafka_ready, f"{cluster.prefix}.{g}", 2), 60,  # type: ignore[misc]
                                 f"two consumers in {group}")
                for service in ("members", "referrals", "notifications"):
                    cluster.kill(service, 0)

            await asyncio.gather(kill_mid_run(), *(workload.chapter(n, MEMBERS, REFERRALS) for n in range(CHAPTERS)))
            assert workload.tally.referrals == CHAPTERS * REFERRALS
            assert cluster.alive("members") == cluster.alive("referrals") == cluster.alive("notifications") == [1]

            await _until(lambda: workload.reports_match(1), 240, "the reports equal the tally")
            await _until(lambda: _delivered(inbox, receiver, workload), 240, "every e-mail and webhook delivered")
            await _until(lambda: _nothing_pending(cluster), 120, "no delivery pending")
            await _check_once(cluster, inbox, receiver)
            assert len(_emails(inbox)) == workload.tally.emails
            assert len(_webhooks(receiver)) == workload.tally.referrals
        finally:
            await workload.close()
            cluster.stop()


async def _members(bootstrap: str, group: str, expected: int) -> bool:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        described = (await admin.describe_consumer_groups([group]))[0].to_object()["groups"][0]
    finally:
        await admin.close()
    return described["state"] == "Stable" and len(described["members"]) == expected


async def _recorded(workload: Workload, n: int) -> bool:
    return workload.tally.referrals >= n


def _emails(inbox: Inbox) -> Counter[str]:
    return Counter(str(m["X-Refnet-Delivery"]) for m in list(inbox.messages))


def _webhooks(receiver: Receiver) -> Counter[str]:
    return Counter(headers["webhook-id"] for _path, headers, _body in list(receiver.received))


async def _delivered(inbox: Inbox, receiver: Receiver, workload: Workload) -> bool:
    return len(_emails(inbox)) >= workload.tally.emails and len(_webhooks(receiver)) >= workload.tally.referrals


async def _nothing_pending(cluster: Cluster) -> bool:
    conn = await asyncpg.connect(cluster.database("notifications"))
    try:
        return int(await conn.fetchval("SELECT count(*) FROM n_deliveries WHERE status = 'pending'"
                                       " AND channel <> 'feed'")) == 0
    finally:
        await conn.close()


async def _check_once(cluster: Cluster, inbox: Inbox, receiver: Receiver) -> None:
    conn = await asyncpg.connect(cluster.database("notifications"))
    try:
        rows = await conn.fetch("SELECT delivery_id, channel, status, attempts FROM n_deliveries"
                                " WHERE channel <> 'feed'")
    finally:
        await conn.close()
    attempts = {str(r["delivery_id"]): r["attempts"] for r in rows}
    assert {r["status"] for r in rows} == {"sent"}, Counter(r["status"] for r in rows)
    twice = [d for d, n in _emails(inbox).items() if n > 1]
    assert all(attempts[d] >= 2 for d in twice), f"e-mails sent twice without a killed sender: {twice}"
    from services.notifications.domain.webhooks import message_id

    by_message = {message_id(uuid.UUID(d)): d for d in attempts}
    twice_posted = [by_message[w] for w, n in _webhooks(receiver).items() if n > 1]
    assert all(attempts[d] >= 2 for d in twice_posted), f"webhooks posted twice without a killed sender: {twice_posted}"
    print(f"\n{len(rows)} deliveries; seen twice after the kill (same id, claimed again): "
          f"{len(twice)} e-mail(s), {len(twice_posted)} webhook(s)")
