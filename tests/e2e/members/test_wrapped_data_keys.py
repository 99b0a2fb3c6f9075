"""Envelope encryption of the prospects' data keys, on the real Kafka and PostgreSQL: the database alone
(a backup taken before an erasure, a stolen copy) opens no prospect; the configured key-encryption key does,
through the API, for the giver and the receiver; keys stored before wrapping are wrapped at start, and a new
KEK put first re-wraps every key."""

from __future__ import annotations

import base64
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from fastapi import FastAPI

from services.members.adapters import prospect_keys
from services.members.adapters.keyring import UnknownKek
from services.members.config import new_kek, parse_keks
from services.members.entrypoints.app import create_app
from shared.contracts.members import SealedData
from shared.settings import Settings, with_database
from tests.e2e.members.conftest import DATA_KEKS, PROSPECT, ChapterWorld, found, members_config, referral


@contextlib.asynccontextmanager
async def running(settings: Settings, keks: str = DATA_KEKS) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    app = create_app(settings, members_config(keks))
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        yield app, client


async def chapter_with_a_referral(client: httpx.AsyncClient, settings: Settings) -> tuple[ChapterWorld, str]:
    world = ChapterWorld(client, await found(client), settings)
    for name, category in (("Ann", "Accountant"), ("Bob", "Florist")):
        assert (await world.add("admin", name, category)).status_code == 201
    given = await world.post("Ann", "/referrals", referral(world.ids["Bob"]))
    assert given.status_code == 201, given.text
    return world, str(given.json()["referral_id"])


async def sealed_and_key(pool: asyncpg.Pool | asyncpg.Connection,
                         referral_id: str) -> tuple[SealedData, asyncpg.Record | None]:
    raw = await pool.fetchval("SELECT prospect FROM referrals WHERE referral_id = $1", referral_id)
    sealed = SealedData.model_validate(json.loads(raw) if isinstance(raw, str) else raw)
    return sealed, await pool.fetchrow("SELECT key, kek_id FROM prospect_keys WHERE key_id = $1", sealed.key_id)


def opens(key: bytes, sealed: SealedData) -> bool:
    try:
        AESGCM(key).decrypt(base64.b64decode(sealed.nonce), base64.b64decode(sealed.ciphertext),
                            sealed.key_id.encode())
        return True
    except (InvalidTag, ValueError):
        return False


@contextlib.asynccontextmanager
async def copy_of(settings: Settings) -> AsyncIterator[Settings]:
    """A copy of the members database as it is now (a backup), served under topics of its own."""
    source = settings.service_database_url("members")
    name = f"backup_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(with_database(source, "postgres"))
    try:
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source.rsplit("/", 1)[1]}"')
        yield settings.model_copy(update={"members_database_url": with_database(source, name),
                                          "topic_prefix": f"{settings.topic_prefix}b"})
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def event_count(settings: Settings) -> int:
    conn = await asyncpg.connect(settings.service_database_url("members"))
    try:
        return int(await conn.fetchval("SELECT count(*) FROM events"))
    finally:
        await conn.close()


async def test_a_backup_taken_before_erasure_opens_nothing_without_the_kek(settings: Settings) -> None:
    async with running(settings) as (app, client):
        world, referral_id = await chapter_with_a_referral(client, settings)
        sealed, stored = await sealed_and_key(app.state.service.pool, referral_id)
        assert stored is not None and stored["kek_id"] == "test-1"
        assert not opens(bytes(stored["key"]), sealed), "the stored bytes are no data key"
        assert opens(parse_keks(DATA_KEKS).unwrap("test-1", bytes(stored["key"]), f"prospect-key:{sealed.key_id}"),
                     sealed)
    async with copy_of(settings) as backup:
        # the prospect is erased after the backup was taken
        async with running(settings) as (app, client):
            world.client = client
            erased = await world.post("Ann", f"/referrals/{referral_id}/prospect-erasure")
            assert erased.status_code == 201, erased.text
            seen = (await world.get("Bob", f"/referrals/{referral_id}")).json()
            assert seen["prospect"] is None and seen["prospect_erased"] is True
            assert (await sealed_and_key(app.state.service.pool, referral_id))[1] is None
        # the backup without the KEK: its bytes open nothing, and the service will not run on it
        copied = await asyncpg.connect(backup.service_database_url("members"))
        try:
            sealed, stored = await sealed_and_key(copied, referral_id)
            assert stored is not None and not opens(bytes(stored["key"]), sealed)
            with pytest.raises(UnknownKek):
                await prospect_keys.unseal(copied, sealed, parse_keks(new_kek("test-1")))
        finally:
            await copied.close()
        before = await event_count(backup)
        for wrong in (new_kek("test-1"), new_kek("attacker")):
            with pytest.raises(UnknownKek):
                async with running(backup, wrong):
                    pass
        assert await event_count(backup) == before, "a refused start records nothing"
        # restored with the KEK (the operator's own restore), giver and receiver read it through the API
        async with running(backup) as (_app, client):
            world.client = client
            for who in ("Ann", "Bob"):
                assert (await world.get(who, f"/referrals/{referral_id}")).json()["prospect"] == PROSPECT


async def test_plaintext_keys_from_before_are_wrapped_at_start_and_a_new_kek_rewraps_them(
        settings: Settings) -> None:
    old = parse_keks(DATA_KEKS)
    async with running(settings) as (app, client):
        world, referral_id = await chapter_with_a_referral(client, settings)
        pool: asyncpg.Pool = app.state.service.pool
        sealed, stored = await sealed_and_key(pool, referral_id)
        assert stored is not None
        plain = old.unwrap("test-1", bytes(stored["key"]), f"prospect-key:{sealed.key_id}")
        # as the service stored it before keys were wrapped
        await pool.execute("UPDATE prospect_keys SET key = $2, kek_id = NULL WHERE key_id = $1", sealed.key_id, plain)
        assert (await world.get("Bob", f"/referrals/{referral_id}")).json()["prospect"] == PROSPECT

    async def stored_kek(app: FastAPI) -> Any:
        row = (await sealed_and_key(app.state.service.pool, referral_id))[1]
        assert row is not None and bytes(row["key"]) != plain and not opens(bytes(row["key"]), sealed)
        return row["kek_id"]

    async with running(settings) as (app, client):
        world.client = client
        assert await stored_kek(app) == "test-1", "wrapped at start"
        assert (await world.get("Bob", f"/referrals/{referral_id}")).json()["prospect"] == PROSPECT
    rotated = new_kek("test-2")
    async with running(settings, f"{rotated},{DATA_KEKS}") as (app, client):
        world.client = client
        assert await stored_kek(app) == "test-2", "re-wrapped under the KEK put first"
        later = await world.post("Ann", "/referrals", referral(world.ids["Bob"]))
        new_key = (await sealed_and_key(app.state.service.pool, later.json()["referral_id"]))[1]
        assert new_key is not None and new_key["kek_id"] == "test-2", "new keys wrapped under the first KEK"
    async with running(settings, rotated) as (_app, client):  # the old KEK retired
        world.client = client
        assert (await world.get("Ann", f"/referrals/{referral_id}")).json()["prospect"] == PROSPECT
    with pytest.raises(UnknownKek, match="test-2"):  # a lost KEK is noticed at start, not on a read
        async with running(settings):
            pass
