"""The three services as a phone meets them: members and referrals served over real HTTP on free ports (the
app's pages, its cookies, its cross-origin scorecard reads), notifications consuming the members' events and
e-mailing through a real SMTP server (aiosmtpd), and a chapter whose weekly meeting is on right now."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

from infra.processes import free_port
from services.members.entrypoints.app import create_app as create_members
from services.notifications.domain import kinds
from services.referrals.entrypoints.app import create_app as create_referrals
from shared.settings import Settings
from tests.e2e.members.conftest import members_config
from tests.e2e.notifications.helpers import Clock, config, running_app, smtp_server, text_of, wait_until
from tests.e2e.referrals.helpers import KEEP_ALIVE_SECONDS

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@contextlib.asynccontextmanager
async def serve(app: FastAPI, port: int) -> AsyncIterator[str]:
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           timeout_keep_alive=KEEP_ALIVE_SECONDS))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@dataclass
class Stack:
    members: str
    referrals: str
    api: httpx.AsyncClient
    inbox: Any
    admin: dict[str, str]
    chapter_id: str = ""
    ids: dict[str, str] = field(default_factory=dict)
    meeting_on: date | None = None  # the date of the meeting that is on: yesterday's if found just after midnight

    async def link(self, email: str, kind: str, count: int = 1) -> str:
        """The sign-in link in the `count`-th e-mail of `kind` to `email`, as the member reads it."""
        await wait_until(lambda: len(self.inbox.to(email, kind)) >= count, timeout=60, what=f"{kind} e-mail to {email}")
        message: EmailMessage = self.inbox.to(email, kind)[count - 1]
        [line] = [ln.strip() for ln in text_of(message).splitlines() if "/app/sign-in#code=" in ln]
        assert line.startswith(self.members + "/app/sign-in#code="), line
        return line

    async def referrals_of(self, giver: str) -> list[dict[str, Any]]:
        got = await self.api.get(f"/chapters/{self.chapter_id}/referrals", headers=self.admin)
        assert got.status_code == 200, got.text
        return [r for r in got.json() if r["giver_id"] == self.ids[giver]]

    async def found(self, names: dict[str, str], leader: str, language: str = "en") -> None:
        """A chapter whose meeting started ten minutes ago (UTC), its members joined 300 days ago, `leader` its
        president."""
        started = datetime.now(UTC) - timedelta(minutes=10)
        today = date.today()
        founded = await self.api.post("/chapters", headers=self.admin, json={
            "name": "Riverside Connectors", "city": "Leeds", "region": "Yorkshire",
            "meeting_weekday": WEEKDAYS[started.weekday()], "meeting_time": started.strftime("%H:%M"),
            "timezone": "UTC", "currency": "GBP", "founded_on": (today - timedelta(days=400)).isoformat(),
            "language": language})
        assert founded.status_code == 201, founded.text
        self.chapter_id = founded.json()["chapter_id"]
        self.meeting_on = started.date()
        for name, category in names.items():
            added = await self.api.post(f"/chapters/{self.chapter_id}/members", headers=self.admin, json={
                "name": name, "business": f"{name} {category}s", "category": category, "email": email(name),
                "joined_on": (today - timedelta(days=300)).isoformat()})
            assert added.status_code == 201, added.text
            self.ids[name] = added.json()["member_id"]
        appointed = await self.api.post(f"/chapters/{self.chapter_id}/members/{self.ids[leader]}/role",
                                        headers=self.admin, json={"role": "president"})
        assert appointed.status_code == 201, appointed.text


def email(name: str) -> str:
    return f"{name.lower()}@example.com"


@contextlib.asynccontextmanager
async def stack(settings: Settings) -> AsyncIterator[Stack]:
    members_port, referrals_port = free_port(18400), free_port(18500)
    members_url, referrals_url = f"http://127.0.0.1:{members_port}", f"http://127.0.0.1:{referrals_port}"
    settings = settings.model_copy(update={"members_public_url": members_url, "referrals_public_url": referrals_url,
                                           "dashboard_origins": referrals_url})
    with smtp_server() as (inbox, smtp_port):
        async with serve(create_members(settings, members_config()), members_port), \
                serve(create_referrals(settings), referrals_port), \
                running_app(settings, Clock(), config(smtp_port)), \
                httpx.AsyncClient(base_url=members_url, timeout=30) as api:
            yield Stack(members_url, referrals_url, api, inbox, {"Authorization": f"Bearer {settings.admin_token}"})


WELCOME, SIGN_IN = kinds.WELCOME, kinds.SIGN_IN_LINK
