"""Signing a member in the way they do it, for tests that need a member's token: the link the members
service recorded (`SignInLinkRequested`, read from its event store, as the notifications service reads it
from the topic) is opened with the services' secret and its code exchanged through the public API."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import asyncpg
import httpx

from shared.contracts.access import SignInLinkRequested
from shared.settings import Settings
from shared.sign_in_links import open_link

LINKS = SignInLinkRequested.type_name()


async def latest_link(settings: Settings, member_id: str, purpose: str, after: int = 0,
                      timeout: float = 15.0) -> tuple[int, str]:
    """(position, link) of the member's newest link of `purpose` recorded after `after`, waiting for it."""
    conn = await asyncpg.connect(settings.service_database_url("members"))
    try:
        deadline = time.monotonic() + timeout
        while True:
            row = await conn.fetchrow(
                "SELECT position, data FROM events WHERE type = $1 AND data->>'member_id' = $2"
                " AND data->>'purpose' = $3 AND position > $4 ORDER BY position DESC LIMIT 1",
                LINKS, member_id, purpose, after)
            if row is not None:
                event = SignInLinkRequested.model_validate_json(row["data"])
                return row["position"], open_link(settings.token_keys, event.link)
            if time.monotonic() > deadline:
                raise AssertionError(f"no {purpose} link for {member_id} was recorded")
            await asyncio.sleep(0.05)
    finally:
        await conn.close()


async def last_link_position(settings: Settings, member_id: str) -> int:
    conn = await asyncpg.connect(settings.service_database_url("members"))
    try:
        return int(await conn.fetchval("SELECT coalesce(max(position), 0) FROM events WHERE type = $1"
                                       " AND data->>'member_id' = $2", LINKS, member_id))
    finally:
        await conn.close()


def code_of(link: str) -> str:
    assert "#code=" in link, link
    return link.split("#code=", 1)[1]


async def request_link(client: httpx.AsyncClient, settings: Settings, member_id: str, email: str) -> str:
    """Ask for a sign-in link by e-mail (as the member would) and return the link they are sent."""
    before = await last_link_position(settings, member_id)
    asked = await client.post("/sign-in", json={"email": email})
    assert asked.status_code == 202, asked.text
    return (await latest_link(settings, member_id, "sign-in", after=before))[1]


async def sign_in(client: httpx.AsyncClient, settings: Settings, member_id: str, email: str | None = None,
                  device: str | None = None) -> dict[str, Any]:
    """The member's new session (`access_token`, `refresh_token`, ...): by a link they ask for at `email`,
    or (no `email`) by the welcome link they were sent when added."""
    link = (await request_link(client, settings, member_id, email) if email is not None
            else (await latest_link(settings, member_id, "welcome"))[1])
    exchanged = await client.post("/sign-in/exchange", json={"code": code_of(link), "device": device})
    assert exchanged.status_code == 200, exchanged.text
    session: dict[str, Any] = exchanged.json()
    return session


async def admin_session(client: httpx.AsyncClient, admin_token: str, chapter_id: str, member_id: str) -> str:
    """An access token of a session the administrator opened for the member (bootstrapping: the admin-only
    `POST .../sessions`), for tests whose members service runs without a database they can read."""
    opened = await client.post(f"/chapters/{chapter_id}/members/{member_id}/sessions", json={"device": "test"},
                               headers={"Authorization": f"Bearer {admin_token}"})
    assert opened.status_code == 201, opened.text
    return str(opened.json()["access_token"])
