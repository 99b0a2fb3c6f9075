"""Dead letters: what a consumer set aside (`<topic>.dlt`), listed, and sent back once the cause is fixed.

A replayed message goes back to the topic it came from with its original key and CloudEvent headers (the
`refnet_dlt_*` ones dropped), so consumers treat it as the event it always was: one they already applied
is recognised by its id and changes nothing; one that still fails is dead-lettered again with its reason.
A consumer group (`<prefix>.dlq-replay`) remembers how far each dead-letter topic was replayed, so running
`replay` twice sends nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from shared.consumer import dead_letter_topic

DLT_HEADER = "refnet_dlt_"


@dataclass(frozen=True)
class DeadLetter:
    partition: int
    offset: int
    topic: str
    event_type: str
    event_id: str
    reason: str
    consumer: str


def _dlt(topic: str) -> str:
    return topic if topic.endswith(".dlt") else dead_letter_topic(topic)


async def _read(bootstrap: str, topic: str, group_id: str | None
                ) -> tuple[AIOKafkaConsumer, list[ConsumerRecord]]:
    """Everything on `topic` after the group's committed position (from the start without a group)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group_id, enable_auto_commit=False,
                                auto_offset_reset="earliest")
    await consumer.start()
    partitions = [TopicPartition(topic, p) for p in await _partitions(bootstrap, topic)]
    if not partitions:
        return consumer, []
    consumer.assign(partitions)
    ends = await consumer.end_offsets(partitions)
    records: list[ConsumerRecord] = []
    while [tp for tp in partitions if await consumer.position(tp) < ends[tp]]:
        batch = await consumer.getmany(*partitions, timeout_ms=1000)
        for part in batch.values():
            records.extend(part)
    return consumer, records


async def _partitions(bootstrap: str, topic: str) -> list[int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        if topic not in await admin.list_topics():
            return []
        described = await admin.describe_topics([topic])
    finally:
        await admin.close()
    return sorted(p["partition"] for d in described for p in d["partitions"])


def _headers(record: ConsumerRecord) -> dict[str, str]:
    return {name: value.decode("utf-8", errors="replace") for name, value in record.headers or []}


async def list_dead_letters(bootstrap: str, topic: str) -> list[DeadLetter]:
    consumer, records = await _read(bootstrap, _dlt(topic), None)
    await consumer.stop()
    found = []
    for record in records:
        headers = _headers(record)
        found.append(DeadLetter(record.partition, record.offset, headers.get(DLT_HEADER + "topic", ""),
                                headers.get("ce_type", "?"), headers.get("ce_id", "?"),
                                headers.get(DLT_HEADER + "reason", ""), headers.get(DLT_HEADER + "consumer", "")))
    return found


async def replay_dead_letters(bootstrap: str, topic: str, prefix: str) -> int:
    """Send the dead letters not replayed before back to their topics; returns how many were sent."""
    consumer, records = await _read(bootstrap, _dlt(topic), f"{prefix}.dlq-replay")
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        for record in records:
            original = _headers(record).get(DLT_HEADER + "topic") or _dlt(topic).removesuffix(".dlt")
            headers = [(k, v) for k, v in record.headers or [] if not k.startswith(DLT_HEADER)]
            await producer.send_and_wait(original, record.value, key=record.key, headers=headers)
        if records:
            # committed only after every send was confirmed: an interrupted replay sends again, never skips
            await consumer.commit()
    finally:
        await producer.stop()
        await consumer.stop()
    return len(records)
