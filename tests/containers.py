"""The test fixtures' Docker path: Kafka and PostgreSQL from testcontainers, where a Docker engine answers.

testcontainers 4.x starts Kafka through the Confluent image's own start scripts, so its `KafkaContainer`
takes a `confluentinc/cp-kafka` image (KRaft from 7.0 on: `with_kraft()` refuses any other tag, which is why
`apache/kafka:4.1.1` was refused); Confluent Platform 7.9 ships Kafka 3.9, which speaks every protocol
refnet's clients use. Set REFNET_TESTCONTAINERS=0 to use the local launcher although Docker answers.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

KAFKA_IMAGE = "confluentinc/cp-kafka:7.9.0"
POSTGRES_IMAGE = "postgres:17"
START_TIMEOUT = 180


def docker_answers() -> bool:
    if os.environ.get("REFNET_TESTCONTAINERS", "1") == "0":
        return False
    try:
        import docker  # type: ignore[import-untyped]

        docker.from_env().ping()
        return True
    except Exception:
        return False


def kafka_container() -> Any:
    from testcontainers.community.kafka import KafkaContainer

    # three partitions per auto-created topic, as the local launcher's broker
    return KafkaContainer(KAFKA_IMAGE).with_kraft().with_env("KAFKA_NUM_PARTITIONS", "3")


def postgres_container() -> Any:
    from testcontainers.community.postgres import PostgresContainer

    return PostgresContainer(POSTGRES_IMAGE, driver=None)  # a plain postgresql:// URL, as asyncpg takes


@contextmanager
def docker_servers() -> Iterator[tuple[str, str]]:  # pragma: no cover - no Docker engine on our machines
    """(Kafka bootstrap servers, PostgreSQL URL) of two containers, removed afterwards."""
    kafka, postgres = kafka_container(), postgres_container()
    kafka.start(timeout=START_TIMEOUT)
    try:
        postgres.start()
        try:
            yield kafka.get_bootstrap_server(), postgres.get_connection_url()
        finally:
            postgres.stop()
    finally:
        kafka.stop()
