"""Fixtures on the real parts: Kafka and PostgreSQL, started once per test session.

Order of preference: servers named by KAFKA_BOOTSTRAP_SERVERS / DATABASE_URL; else testcontainers when a
Docker engine answers (tests/containers.py: a cp-kafka image in KRaft mode and postgres:17; REFNET_TESTCONTAINERS=0
skips it); else the local launchers (Kafka from Maven Central, PostgreSQL from the wheel) on free ports under
.refnet/test, stopped when the session ends.
"""

from __future__ import annotations

import logging
import os
import secrets
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest
from aiokafka.admin import AIOKafkaAdminClient

from infra.kafka_server import KafkaServer, wait_for_kafka
from infra.postgres_server import PostgresServer
from infra.processes import free_port
from services.members.config import new_kek
from shared.migrations import open_database
from shared.settings import Settings, with_database
from tests.containers import docker_answers, docker_servers

ROOT = Path(__file__).resolve().parent.parent

# Secrets of this test session: random, as a deployment's must be (a published default is refused at start).
ADMIN_TOKEN = "test-admin-" + secrets.token_urlsafe(24)
TOKEN_SECRET = "test-signing-" + secrets.token_urlsafe(32)
# The members' key-encryption key for every members app and process this session starts (in-process apps
# read it from the environment, service processes inherit it), as the launcher passes a deployment's.
os.environ.setdefault("MEMBERS_DATA_KEKS", new_kek("test-session"))
# Every test makes topics of its own: a few partitions each (as the test broker's default) keep the one test
# broker light; the scale-out tests ask for their own count.
os.environ.setdefault("REFNET_TOPIC_PARTITIONS", "3")


@dataclass
class Infra:
    kafka_bootstrap: str
    postgres_url: str
    kafka: KafkaServer | None = None
    postgres: PostgresServer | None = None


@pytest.fixture(scope="session")
def infra() -> Iterator[Infra]:
    kafka_env, db_env = os.environ.get("KAFKA_BOOTSTRAP_SERVERS"), os.environ.get("DATABASE_URL")
    if kafka_env and db_env:
        yield Infra(kafka_env, db_env)
        return
    if docker_answers():  # pragma: no cover - no Docker engine on our machines
        with docker_servers() as (bootstrap, url):
            yield Infra(bootstrap, url)
        return
    home = ROOT / ".refnet" / "test"
    kafka = KafkaServer(home / "kafka", port=free_port(19092))
    postgres = PostgresServer(home / "postgres", port=free_port(15432))
    # A previous interrupted session may have left a config with other ports: start clean each time.
    for stale in (home / "kafka" / "server.properties",):
        stale.unlink(missing_ok=True)
    import shutil

    shutil.rmtree(home / "kafka" / "data", ignore_errors=True)
    postgres.start()
    kafka_seconds = kafka.start_on_a_free_port()
    print(f"\n[refnet] Kafka answered in {kafka_seconds:.1f}s on {kafka.bootstrap}; PostgreSQL on {postgres.port}")
    try:
        yield Infra(kafka.bootstrap, postgres.url, kafka, postgres)
    finally:
        kafka.stop()
        postgres.stop()


@pytest.fixture(scope="session")
async def kafka_ready(infra: Infra) -> str:
    await wait_for_kafka(infra.kafka_bootstrap)
    return infra.kafka_bootstrap


@pytest.fixture
async def topic_prefix(infra: Infra) -> AsyncIterator[str]:
    """Each test gets topics of its own, so tests never see each other's messages; they are deleted after it
    (a whole suite's topics kept would hold one file handle per partition in the broker: thousands)."""
    prefix = f"t{uuid.uuid4().hex[:10]}"
    yield prefix
    admin = AIOKafkaAdminClient(bootstrap_servers=infra.kafka_bootstrap)
    try:
        await admin.start()
        mine = [topic for topic in await admin.list_topics() if topic.startswith(prefix)]
        if mine:
            await admin.delete_topics(mine)
    except Exception as exc:  # a test that stopped Kafka, say: its topics stay, nothing else is affected
        logging.getLogger(__name__).warning("topics of %s not deleted: %s", prefix, exc)
    finally:
        await admin.close()


@pytest.fixture
async def database_url(infra: Infra) -> AsyncIterator[str]:
    """A fresh database per test, dropped afterwards."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    url = with_database(infra.postgres_url, name)
    yield url
    conn = await asyncpg.connect(with_database(infra.postgres_url, "postgres"))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await open_database(database_url, max_size=30)
    yield pool
    await pool.close()


SERVICES = ("members", "referrals", "notifications")


@pytest.fixture
async def settings(infra: Infra, kafka_ready: str, topic_prefix: str) -> AsyncIterator[Settings]:
    """Settings for running any of the services in-process: own topics, own databases, real servers."""
    urls = {f"{s.upper()}_DATABASE_URL": with_database(infra.postgres_url, f"{topic_prefix}_{s}")
            for s in SERVICES}
    yield Settings(KAFKA_BOOTSTRAP_SERVERS=kafka_ready, DATABASE_URL=infra.postgres_url,
                   REFNET_TOPIC_PREFIX=topic_prefix, REFNET_ADMIN_TOKEN=ADMIN_TOKEN, REFNET_TOKEN_SECRET=TOKEN_SECRET,
                   **urls)
    conn = await asyncpg.connect(with_database(infra.postgres_url, "postgres"))
    try:
        for url in urls.values():
            await conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
    finally:
        await conn.close()
