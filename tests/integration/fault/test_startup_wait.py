"""Waiting, not dying: a service started before its PostgreSQL (or its Kafka) answers waits for it, says so in
its log, and works once the server is there, instead of failing its start-up.

Each test starts a server of its own on a port where nothing listens yet, after the service began to start.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import socket
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from infra.kafka_server import KafkaServer
from infra.postgres_server import PostgresServer
from services.members.entrypoints.app import create_app
from shared.settings import Settings, with_database
from shared.startup import GaveUpWaiting
from tests.conftest import ADMIN_TOKEN, ROOT, TOKEN_SECRET, Infra
from tests.e2e.members.conftest import found, members_config

pytestmark = pytest.mark.fault


def _unused_port() -> int:
    """A port the kernel hands out (not a well-known preferred one other test sessions may pick too)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Waits(logging.Handler):
    """The start-up log's "waiting for ..." lines."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def waits() -> Iterator[Waits]:
    handler, logger = Waits(), logging.getLogger("refnet.startup")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


@pytest.fixture
def home() -> Iterator[Path]:
    path = ROOT / ".refnet" / "test" / f"wait-{uuid.uuid4().hex[:8]}"
    yield path
    shutil.rmtree(path, ignore_errors=True)


async def _until(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not reached"
        await asyncio.sleep(0.05)


def _begin(app: FastAPI) -> tuple[asyncio.Task[None], Any]:
    """The app's start-up, in a task: the test starts the server it waits for meanwhile."""
    context = app.router.lifespan_context(app)
    return asyncio.create_task(context.__aenter__()), context


async def _usable(app: FastAPI) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        assert (await client.get("/health")).status_code == 200
        await found(client)  # an event recorded: the database and the event store work


def _settings(kafka: str, postgres: str, prefix: str, wait: float = 300.0) -> Settings:
    return Settings(KAFKA_BOOTSTRAP_SERVERS=kafka, DATABASE_URL=postgres, REFNET_TOPIC_PREFIX=prefix,
                    REFNET_ADMIN_TOKEN=ADMIN_TOKEN, REFNET_TOKEN_SECRET=TOKEN_SECRET,
                    REFNET_STARTUP_WAIT_SECONDS=wait,
                    MEMBERS_DATABASE_URL=with_database(postgres, f"{prefix}_members"))


async def test_a_service_started_before_its_postgresql_waits_and_then_works(
        infra: Infra, kafka_ready: str, topic_prefix: str, waits: Waits, home: Path) -> None:
    postgres = PostgresServer(home / "postgres", port=_unused_port())
    app = create_app(_settings(kafka_ready, postgres.url, topic_prefix), members_config())
    task, context = _begin(app)
    try:
        await _until(lambda: any(f"PostgreSQL at localhost:{postgres.port}" in line for line in waits.lines))
        assert not task.done(), "the service gave up instead of waiting"
        await asyncio.to_thread(postgres.start)
        await asyncio.wait_for(task, 120)
        await _usable(app)
        assert not any("user" in line or "password" in line for line in waits.lines)
    finally:
        if task.done() and task.exception() is None:
            await context.__aexit__(None, None, None)
        else:
            task.cancel()
        await asyncio.to_thread(postgres.stop)


async def test_a_service_started_before_its_kafka_waits_and_then_works(
        infra: Infra, topic_prefix: str, waits: Waits, home: Path) -> None:
    kafka = KafkaServer(home / "kafka", port=_unused_port())
    kafka.libs.parent.mkdir(parents=True, exist_ok=True)
    shared_libs = ROOT / ".refnet" / "test" / "kafka" / "libs"
    if (shared_libs / ".complete").exists():
        kafka.libs.symlink_to(shared_libs)  # jars already fetched for the session's broker
    app = create_app(_settings(kafka.bootstrap, infra.postgres_url, topic_prefix), members_config())
    task, context = _begin(app)
    try:
        await _until(lambda: any(f"Kafka at {kafka.bootstrap}" in line for line in waits.lines))
        assert not task.done(), "the service gave up instead of waiting"
        await asyncio.to_thread(kafka.start)
        await asyncio.wait_for(task, 180)
        await _usable(app)
        service = app.state.service
        await _until(lambda: service.relay is not None and service.relay.leading)
    finally:
        if task.done() and task.exception() is None:
            await context.__aexit__(None, None, None)
        else:
            task.cancel()
        await asyncio.to_thread(kafka.stop)


async def test_the_wait_has_a_limit(infra: Infra, topic_prefix: str, home: Path) -> None:
    nowhere = f"postgresql://postgres@localhost:{_unused_port()}/postgres"
    app = create_app(_settings("localhost:1", nowhere, topic_prefix, wait=2.0), members_config())
    with pytest.raises(GaveUpWaiting, match="PostgreSQL at localhost"):
        async with app.router.lifespan_context(app):
            pass
