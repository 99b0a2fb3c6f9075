"""The members app with the import router included, on the real Kafka and PostgreSQL; today is 30 June 2025."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI

from services.members.entrypoints.app import create_app
from shared.settings import Settings
from tests.e2e.imports.history import TODAY
from tests.e2e.members.conftest import members_config

NOW = datetime(TODAY.year, TODAY.month, TODAY.day, 12, tzinfo=UTC)


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings, members_config())
    application.state.clock = lambda: NOW
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t", timeout=60) as c:
        yield c
