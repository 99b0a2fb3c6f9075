"""Is a service process ready for traffic, and what it samples for /metrics from its database and Kafka.

Ready (`GET /health/ready` 200) when, all three:
- **database**: its PostgreSQL answers `SELECT 1` within two seconds;
- **consumers**: every Kafka consumer of the process has joined its consumer group and received its
  assignment (possibly no partition at all: with more replicas than partitions some replicas idle, and are
  still ready to serve HTTP);
- **relay** (services that publish): the outbox relay's loop runs, either publishing (the process holding
  the database lock) or standing by to take over (every other replica). A standby replica is ready: it
  serves its API, and it takes the lock within about a second when the holder goes. That the relay
  currently fails to reach Kafka is reported (`relay.error`), not refused: writes still commit to the
  event store and are published when Kafka is back, so taking the process out of a load balancer would
  only add an outage. Alert on `refnet_outbox_lag_events` for that.

Anything else is 503 with the checks that failed named in `not_ready`.
"""

from __future__ import annotations

import asyncio
from typing import Any

from shared.metrics import Sample
from shared.runtime import Service

DATABASE_TIMEOUT = 2.0


def _kafka_consumer(consumer: Any) -> Any:
    """The aiokafka consumer behind an EventConsumer's FastStream subscriber (None until started)."""
    return getattr(getattr(consumer, "subscriber", None), "consumer", None)


def _assigned(kafka: Any) -> bool:
    """True once the group coordinator handed this consumer its partitions (an empty set counts)."""
    subscription = getattr(getattr(kafka, "_subscription", None), "subscription", None)
    if subscription is None:  # manually assigned partitions: no group to join
        return bool(kafka.assignment())
    return subscription.assignment is not None


async def _database(service: Service) -> dict[str, Any]:
    if service._pool is None:
        return {"ok": False, "reason": "not started"}
    try:
        async with asyncio.timeout(DATABASE_TIMEOUT):
            await service.pool.fetchval("SELECT 1")
    except Exception as exc:
        return {"ok": False, "reason": f"unreachable ({type(exc).__name__})"}
    return {"ok": True}


def _consumers(service: Service) -> dict[str, Any]:
    waiting, partitions = [], 0
    for consumer in service.consumers:
        kafka = _kafka_consumer(consumer)
        if kafka is None or not _assigned(kafka):
            waiting.append(consumer.group_id)
        else:
            partitions += len(kafka.assignment())
    if waiting:
        return {"ok": False, "reason": "waiting for a partition assignment", "groups": waiting}
    return {"ok": True, "consumers": len(service.consumers), "partitions": partitions}


def _relay(service: Service) -> dict[str, Any] | None:
    relay = service.relay
    if relay is None:
        return None
    if not getattr(relay, "running", True):
        return {"ok": False, "reason": "the outbox relay is not running"}
    report: dict[str, Any] = {"ok": True, "role": "publishing" if relay.leading else "standing by"}
    if error := getattr(relay, "error", None):
        report["error"] = error
    return report


async def readiness(service: Service) -> tuple[bool, dict[str, Any]]:
    """(ready, the report /health/ready answers)."""
    checks: dict[str, Any] = {"database": await _database(service), "consumers": _consumers(service)}
    if (relay := _relay(service)) is not None:
        checks["relay"] = relay
    failed = [name for name, check in checks.items() if not check["ok"]]
    report: dict[str, Any] = {"service": service.name, "status": "not ready" if failed else "ok", "checks": checks}
    if failed:
        report["not_ready"] = failed
    return not failed, report


async def outbox_lag(service: Service) -> list[Sample]:
    if service.relay is None:
        return []
    last = await service.store.last_position()
    published = await service.relay.position()
    labels = {"service": service.name}
    return [Sample("refnet_outbox_lag_events", labels, max(0, last - published)),
            Sample("refnet_outbox_leading", labels, 1.0 if service.relay.leading else 0.0)]


async def _committed(kafka: Any, partitions: list[Any]) -> dict[Any, int | None]:
    """The group's committed offsets: one request for all partitions where the client offers it (aiokafka's
    public `committed` asks one partition at a time: a hundred round trips for a service reading eight
    topics of twelve partitions)."""
    coordinator = getattr(kafka, "_coordinator", None)
    if coordinator is not None and hasattr(coordinator, "fetch_committed_offsets"):
        found = await coordinator.fetch_committed_offsets(partitions)
        return {tp: offset.offset for tp, offset in found.items()}
    return {tp: await kafka.committed(tp) for tp in partitions}


async def consumer_lag(service: Service) -> list[Sample]:
    """For each partition assigned to this process: the log end offset minus the group's committed offset
    (or the partition's first offset before the group committed any)."""
    lags = await asyncio.gather(*(_lag(consumer) for consumer in service.consumers))
    return [sample for samples in lags for sample in samples]


def _done(committed: int | None, start: int) -> int:
    return committed if committed is not None and committed >= 0 else start


async def _lag(consumer: Any) -> list[Sample]:
    kafka = _kafka_consumer(consumer)
    partitions = sorted(kafka.assignment()) if kafka is not None else []
    if not partitions:
        return []
    # Offsets are asked on the consumer's broker connection, where its own fetch may be parked for up to
    # fetch_max_wait_ms (0.5 s): asked together, a scrape waits about one fetch, not one per question and
    # consumer (one after the other they took 1 s a consumer)
    ends, starts, committed = await asyncio.gather(kafka.end_offsets(partitions),
                                                   kafka.beginning_offsets(partitions), _committed(kafka, partitions))
    return [Sample("refnet_consumer_lag_messages",
                   {"group": consumer.group_id, "topic": tp.topic, "partition": str(tp.partition)},
                   max(0, ends[tp] - _done(committed.get(tp), starts[tp])))
            for tp in partitions]
