"""The test fixtures' Docker path, configured as testcontainers 4.x accepts it (checked without an engine)."""

from __future__ import annotations

import pytest
import testcontainers.core.container

from tests.containers import KAFKA_IMAGE, kafka_container, postgres_container


class NoEngine:
    """Stands in for the Docker client: configuring a container asks the engine nothing."""

    def __init__(self, **_: object) -> None:
        pass


@pytest.fixture(autouse=True)
def no_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(testcontainers.core.container, "DockerClient", NoEngine)


def test_kafka_runs_a_confluent_image_in_kraft_mode_as_testcontainers_requires() -> None:
    from testcontainers.community.kafka import KafkaContainer

    with pytest.raises(ValueError, match="not supported in Kraft mode"):  # what the fixtures used to ask for
        KafkaContainer("apache/kafka:4.1.1").with_kraft()
    kafka = kafka_container()
    kafka.configure()
    assert kafka.image == KAFKA_IMAGE and kafka.kraft_enabled
    assert kafka.env["KAFKA_PROCESS_ROLES"] == "broker,controller" and kafka.env["KAFKA_NUM_PARTITIONS"] == "3"
    assert "ZOOKEEPER" not in " ".join(kafka.env)


def test_postgres_gives_a_plain_url_asyncpg_accepts() -> None:
    postgres = postgres_container()
    assert postgres.image == "postgres:17" and postgres.driver == ""  # "postgresql://...", no "+psycopg2"
