"""Topics are created by the services, with a partition count of the deployment's choosing.

Partitions are the unit of parallelism of a consumer group: a topic of 12 partitions can be shared by up to 12
processes of one service. Events are keyed by chapter id, so one chapter's events stay in one partition and in
order, whatever the count. A service creates the topics it publishes and consumes (and their dead-letter
topics) at start when they are missing, so nothing depends on the broker's auto-creation or its default count.

An existing topic is never changed: one with fewer partitions than asked is reported in the log. Kafka can add
partitions (`kafka-topics.sh --alter --partitions N`), but a key's partition is its hash modulo the count, so
adding partitions moves chapters to other partitions: their events published before and after the change may
then be read out of order. That is an operator's decision (docs/scale-out.md), never made silently here.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from aiokafka.admin import AIOKafkaAdminClient, NewTopic

log = logging.getLogger(__name__)

TOPIC_ALREADY_EXISTS = 36
MAX_REPLICATION = 3


@dataclass(frozen=True)
class TopicReport:
    created: list[str]
    existing: dict[str, int]  # name: partitions it has
    fewer_partitions: list[str]  # existing ones with fewer partitions than asked


async def ensure_topics(bootstrap: str, topics: Iterable[str], partitions: int, replication: int = 0,
                        client_id: str = "refnet-topics") -> TopicReport:
    """Create the missing ones of `topics` with `partitions` partitions and `replication` replicas
    (0: three, or as many as the cluster has brokers when fewer); report the existing ones."""
    wanted = sorted(set(topics))
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id=client_id)
    await admin.start()
    try:
        present = set(await admin.list_topics())
        missing = [t for t in wanted if t not in present]
        created: list[str] = []
        if missing:
            replicas = replication or min(MAX_REPLICATION, len((await admin.describe_cluster())["brokers"]) or 1)
            response = await admin.create_topics(
                [NewTopic(name, num_partitions=partitions, replication_factor=replicas) for name in missing])
            for name, code, *message in response.topic_errors:
                if code == 0:
                    created.append(name)
                elif code != TOPIC_ALREADY_EXISTS:  # another process created it meanwhile: fine
                    raise RuntimeError(f"cannot create topic {name}: error {code} {message}")
        existing = [t for t in wanted if t not in created]
        counts: dict[str, int] = {}
        if existing:
            for described in await admin.describe_topics(existing):
                counts[described["topic"]] = len(described["partitions"])
    finally:
        with contextlib.suppress(Exception):
            await admin.close()
    fewer = sorted(t for t, n in counts.items() if n < partitions)
    if created:
        log.info("created %d topic(s) with %d partitions: %s", len(created), partitions, ", ".join(created))
    for topic in fewer:
        log.warning("topic %s has %d partition(s), fewer than REFNET_TOPIC_PARTITIONS=%d: left as it is, so at most"
                    " %d process(es) share its work (adding partitions moves chapters between partitions; see"
                    " docs/scale-out.md)", topic, counts[topic], partitions, counts[topic])
    return TopicReport(created, counts, fewer)
