"""The members app on the real Kafka and PostgreSQL, and a founded chapter with a few members."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.members.config import MembersConfig, new_kek
from services.members.entrypoints.app import create_app
from shared.settings import Settings
from tests.conftest import ADMIN_TOKEN
from tests.e2e.sign_in import sign_in

ADMIN = ADMIN_TOKEN  # the test session's own, as every deployment's must be
DATA_KEKS = new_kek("test-1")
"""The test session's own key-encryption key, passed in as the launcher passes a deployment's."""
_keys = itertools.count()


def members_config(keks: str = DATA_KEKS) -> MembersConfig:
    return MembersConfig(MEMBERS_DATA_KEKS=keks)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings, members_config())
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        yield c


@dataclass
class ChapterWorld:
    client: httpx.AsyncClient
    chapter_id: str
    settings: Settings
    tokens: dict[str, str] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)

    def as_(self, who: str) -> dict[str, str]:
        return bearer(ADMIN if who == "admin" else self.tokens[who])

    async def post(self, who: str, path: str, json: Any = None, key: str | None = None) -> httpx.Response:
        headers = self.as_(who)
        if key is not None:
            headers["Idempotency-Key"] = key
        return await self.client.post(f"/chapters/{self.chapter_id}{path}", json=json or {}, headers=headers)

    async def get(self, who: str, path: str) -> httpx.Response:
        return await self.client.get(f"/chapters/{self.chapter_id}{path}", headers=self.as_(who))

    async def add(self, who: str, name: str, category: str, joined_on: str = "2024-02-07") -> httpx.Response:
        response = await self.post(who, "/members", {"name": name, "business": f"{name} Ltd",
                                                     "category": category, "email": f"{name.lower()}@example.com",
                                                     "joined_on": joined_on})
        if response.status_code == 201:
            assert "token" not in response.json()  # nobody but the member is handed their token
            self.ids[name] = response.json()["member_id"]
            self.tokens[name] = (await sign_in(self.client, self.settings, self.ids[name]))["access_token"]
        return response

    def email(self, name: str) -> str:
        return f"{name.lower()}@example.com"

    async def sign_in(self, name: str) -> str:
        """`name` signs in again by e-mail (e.g. after a new role ended their sessions): their new token."""
        self.tokens[name] = (await sign_in(self.client, self.settings, self.ids[name], self.email(name)))[
            "access_token"]
        return self.tokens[name]


async def found(client: httpx.AsyncClient, name: str = "Riverside Connectors",
                founded_on: str = "2024-01-10") -> str:
    response = await client.post("/chapters", headers=bearer(ADMIN), json={
        "name": name, "city": "Leeds", "region": "Yorkshire", "meeting_weekday": "wednesday",
        "meeting_time": "07:00", "timezone": "Europe/London", "currency": "GBP", "founded_on": founded_on})
    assert response.status_code == 201, response.text
    return str(response.json()["chapter_id"])


@pytest.fixture
async def world(client: httpx.AsyncClient, settings: Settings) -> ChapterWorld:
    """A chapter with a president (Pat) and three members: Ann (accountant), Bob (florist), Cy (plumber),
    each signed in (by the link they were sent)."""
    w = ChapterWorld(client, await found(client), settings)
    for name, category in (("Pat", "Lawyer"), ("Ann", "Accountant"), ("Bob", "Florist"), ("Cy", "Plumber")):
        assert (await w.add("admin", name, category)).status_code == 201
    appointed = await w.post("admin", f"/members/{w.ids['Pat']}/role", {"role": "president"})
    assert appointed.status_code == 201, appointed.text
    await w.sign_in("Pat")  # the new role ended Pat's sessions
    return w


PROSPECT = {"name": "Jo Bloggs", "phone": "+44 7700 900123", "email": "jo.bloggs@bakery.example",
            "company": "Bloggs Bakery", "notes": "expects a call on Monday"}


def referral(to: str, **extra: Any) -> dict[str, Any]:
    return {"receiver_id": to, "referral_type": "outside", "temperature": 4, "prospect": PROSPECT,
            "occurred_on": "2025-03-05", **extra}
