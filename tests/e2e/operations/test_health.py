"""Health as an orchestrator asks it: live while the process answers, ready only when the database answers,
the consumers have their partitions and the outbox relay runs; 503 (never 500) naming what is not ready."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI

from infra.postgres_server import PostgresServer
from infra.processes import free_port
from shared.settings import Settings
from tests.conftest import ROOT
from tests.e2e.operations.helpers import eventually, notifications, referrals, running


async def _ready(c: httpx.AsyncClient) -> dict:  # type: ignore[type-arg]
    answers: list[httpx.Response] = []

    async def check() -> bool:
        answers.append(await c.get("/health/ready"))
        return answers[-1].status_code == 200

    await eventually(check, "ready")
    return answers[-1].json()  # type: ignore[no-any-return]


async def test_the_three_services_are_live_and_ready_with_every_check_named(app: FastAPI, client: httpx.AsyncClient,
                                                                            settings: Settings) -> None:
    async with running(referrals(settings)) as referrals_client, running(notifications(settings)) as notes:
        for name, c in (("members", client), ("referrals", referrals_client), ("notifications", notes)):
            live = await c.get("/health/live")
            assert live.status_code == 200 and live.json() == {"service": name, "status": "alive"}
            ready = await _ready(c)
            assert ready["service"] == name and ready["status"] == "ok" and "not_ready" not in ready
            assert ready["checks"]["database"] == {"ok": True}
            assert ready["checks"]["consumers"]["ok"] and ready["checks"]["consumers"]["consumers"] >= 1
            if name == "notifications":
                assert "relay" not in ready["checks"]  # it publishes nothing
            else:
                assert ready["checks"]["relay"] == {"ok": True, "role": "publishing"}
            health = await c.get("/health")  # the old route: the same check, with the store positions
            assert health.status_code == 200 and health.json()["status"] == "ok"
            assert health.json()["last_position"] >= 0
        assert "pending_deliveries" in (await notes.get("/health")).json()
        assert (await referrals_client.get("/health")).json()["projection_schema"]


@pytest.fixture
def own_postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL this test may stop (not the session's: other tests use that one)."""
    home = ROOT / ".refnet" / "test" / f"ops-{uuid.uuid4().hex[:8]}"
    postgres = PostgresServer(home / "postgres", port=free_port(26432))
    postgres.start()
    try:
        yield postgres
    finally:
        postgres.stop()
        shutil.rmtree(home, ignore_errors=True)


async def test_ready_is_503_naming_the_database_while_it_is_stopped_and_200_once_it_is_back(
        settings: Settings, own_postgres: PostgresServer) -> None:
    on_own = settings.model_copy(update={"database_url": own_postgres.url, "referrals_database_url": None})
    async with running(referrals(on_own)) as c:
        await _ready(c)
        own_postgres.stop()

        async def refused() -> bool:
            return (await c.get("/health/ready")).status_code == 503

        await eventually(refused, "ready refused while the database is stopped")
        ready = (await c.get("/health/ready")).json()
        assert ready["status"] == "not ready" and ready["not_ready"] == ["database"]
        assert ready["checks"]["database"]["ok"] is False and "unreachable" in ready["checks"]["database"]["reason"]
        health = await c.get("/health")
        assert health.status_code == 503 and health.json()["not_ready"] == ["database"]  # not a 500
        assert (await c.get("/health/live")).status_code == 200  # alive: nothing to restart

        own_postgres.start()
        back = await _ready(c)
        assert back["checks"]["database"] == {"ok": True}
        assert (await c.get("/health")).status_code == 200
