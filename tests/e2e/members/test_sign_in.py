"""Trying to break sign-in, through the HTTP API on the real Kafka and PostgreSQL: codes that are expired,
reused or someone else's, refresh tokens replayed, accounts enumerated, leaders after members' tokens,
tokens in URLs, cookie writes forged from another site, access tokens past their 15 minutes."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta

import asyncpg
import httpx
import jwt
from fastapi import FastAPI

from services.members.entrypoints.app import create_app
from shared.clock import utc_now
from shared.settings import Settings
from tests.e2e.members.conftest import ADMIN, ChapterWorld, bearer, members_config
from tests.e2e.referrals.helpers import running_app as running_referrals
from tests.e2e.sign_in import LINKS, code_of, latest_link, request_link, sign_in


async def until(check: Callable[[], Awaitable[bool]], what: str, timeout: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, what
        await asyncio.sleep(0.1)


async def status(client: httpx.AsyncClient, path: str, token: str) -> int:
    return (await client.get(path, headers=bearer(token))).status_code


async def test_a_code_works_once_for_its_member_only_and_not_after_15_minutes(world: ChapterWorld, app: FastAPI,
                                                                             settings: Settings) -> None:
    ann, bob = world.ids["Ann"], world.ids["Bob"]
    link = await request_link(world.client, world.settings, ann, "ANN@example.com")  # any case of the address
    assert link.startswith("http://127.0.0.1:8001/app/sign-in#code=")
    session = (await world.client.post("/sign-in/exchange", json={"code": code_of(link)})).json()
    assert session["member_id"] == ann and jwt.decode(session["access_token"],
                                                      options={"verify_signature": False})["sub"] == ann
    reused = await world.client.post("/sign-in/exchange", json={"code": code_of(link)})
    assert reused.status_code == 401 and "access_token" not in reused.text
    # a made-up code, or Bob's with one character changed, signs nobody in
    bobs = code_of(await request_link(world.client, world.settings, bob, "bob@example.com"))
    for forged in ("x" * 43, bobs[:-1] + ("A" if bobs[-1] != "A" else "B")):
        assert (await world.client.post("/sign-in/exchange", json={"code": forged})).status_code == 401
    # the database keeps only hashes of the codes
    conn = await asyncpg.connect(settings.service_database_url("members"))
    try:
        stored = await conn.fetch("SELECT code_hash FROM sign_in_codes")
        assert stored and all(bobs.encode() not in bytes(r["code_hash"]) for r in stored)
    finally:
        await conn.close()
    # 16 minutes later, Bob's code has expired
    app.state.clock = lambda: utc_now() + timedelta(minutes=16)
    try:
        expired = await world.client.post("/sign-in/exchange", json={"code": bobs})
    finally:
        app.state.clock = utc_now
    assert expired.status_code == 401
    assert (await world.client.post("/sign-in/exchange", json={"code": bobs})).status_code == 200  # (still valid now)


async def test_known_and_unknown_addresses_get_the_same_answer_and_only_a_member_gets_a_link(
        world: ChapterWorld) -> None:
    before = int((await world.client.get("/health")).json()["last_position"])
    known = await world.client.post("/sign-in", json={"email": "cy@example.com"})
    unknown = await world.client.post("/sign-in", json={"email": "nobody@example.com"})
    assert (known.status_code, known.json()) == (unknown.status_code, unknown.json()) == (202, known.json())
    await latest_link(world.settings, world.ids["Cy"], "sign-in", after=before)
    conn = await asyncpg.connect(world.settings.service_database_url("members"))
    try:
        links = await conn.fetch("SELECT data FROM events WHERE type = $1 AND position > $2", LINKS, before)
    finally:
        await conn.close()
    assert len(links) == 1 and "nobody" not in links[0]["data"]  # no link, not even sealed, for the stranger


async def test_a_replayed_refresh_token_signs_the_session_out_everywhere(world: ChapterWorld,
                                                                        settings: Settings) -> None:
    first = await sign_in(world.client, settings, world.ids["Ann"], "ann@example.com", device="laptop")
    summary = f"/chapters/{world.chapter_id}/members"
    async with running_referrals(settings) as (_app, referrals):
        report = f"/chapters/{world.chapter_id}/summary"
        assert await status(referrals, report, first["access_token"]) != 401
        rotated = await world.client.post("/sign-in/refresh", json={"refresh_token": first["refresh_token"]})
        assert rotated.status_code == 200 and rotated.json()["session_id"] == first["session_id"]
        new = rotated.json()
        assert await status(world.client, summary, new["access_token"]) == 200
        # someone replays the first (rotated) refresh token: refused, and the whole session ends
        replayed = await world.client.post("/sign-in/refresh", json={"refresh_token": first["refresh_token"]})
        assert replayed.status_code == 401
        assert (await world.client.post("/sign-in/refresh", json={"refresh_token": new["refresh_token"]})
                ).status_code == 401
        assert await status(world.client, summary, new["access_token"]) == 401
        assert await status(world.client, summary, world.tokens["Ann"]) == 200  # Ann's other session goes on
        await until(lambda: _is(referrals, report, new["access_token"], 401), "refused in the referrals service")


async def _is(client: httpx.AsyncClient, path: str, token: str, code: int) -> bool:
    return await status(client, path, token) == code


async def test_leaders_never_receive_or_mint_a_members_token(world: ChapterWorld) -> None:
    added = await world.add("Pat", "Dee", "Dentist")
    assert added.status_code == 201 and not {"token", "access_token", "token_id"} & set(added.json())
    dee = world.ids["Dee"]
    await latest_link(world.settings, dee, "welcome")  # Dee is e-mailed a welcome link instead
    for path in (f"/members/{dee}/sessions", f"/members/{dee}/tokens"):
        refused = await world.post("Pat", path)
        assert refused.status_code == 403 and "access_token" not in refused.text
        assert (await world.post("Ann", path)).status_code == 403  # nor another member
    role = await world.post("admin", f"/members/{world.ids['Bob']}/role", {"role": "secretary"})
    assert role.status_code == 201 and "token" not in role.text
    # a leader signs a member out everywhere, and receives nothing
    signed_out = await world.post("Pat", f"/members/{world.ids['Cy']}/sign-out")
    assert signed_out.status_code == 200 and set(signed_out.json()) == {"member_id", "sessions_ended", "position"}
    assert signed_out.json()["sessions_ended"] == 1
    assert (await world.get("Cy", "/members")).status_code == 401
    assert (await world.post("Cy", f"/members/{world.ids['Pat']}/sign-out")).status_code == 401
    await world.sign_in("Cy")  # Cy may sign in again
    assert (await world.post("Cy", f"/members/{world.ids['Ann']}/sign-out")).status_code == 403


async def test_a_member_lists_and_ends_their_sessions_and_no_token_travels_in_a_url(world: ChapterWorld) -> None:
    phone = await sign_in(world.client, world.settings, world.ids["Ann"], "ann@example.com", device="phone")
    listed = (await world.client.get("/me/sessions", headers=bearer(phone["access_token"]))).json()
    assert [(s["device"], s["current"]) for s in listed] == [(None, False), ("phone", True)]
    assert (await world.client.get("/me/sessions", params={"token": phone["access_token"]})).status_code == 401
    assert (await world.client.get("/me/sessions", params={"access_token": phone["access_token"]})).status_code == 401
    ended = await world.client.delete(f"/me/sessions/{phone['session_id']}", headers=bearer(world.tokens["Ann"]))
    assert ended.status_code == 204
    assert await status(world.client, "/me/sessions", phone["access_token"]) == 401
    assert await status(world.client, "/me/sessions", world.tokens["Ann"]) == 200
    others = await world.client.delete(f"/me/sessions/{phone['session_id']}", headers=bearer(world.tokens["Bob"]))
    assert others.status_code == 404
    assert (await world.client.delete("/me/sessions", headers=bearer(world.tokens["Ann"]))).status_code == 204
    assert await status(world.client, "/me/sessions", world.tokens["Ann"]) == 401
    assert (await world.client.get("/me/sessions", headers=bearer(ADMIN))).status_code == 403


@contextlib.asynccontextmanager
async def browser(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://t") as client:
        yield client


async def test_browsers_get_httponly_cookies_and_cookie_writes_need_the_csrf_header(
        world: ChapterWorld, app: FastAPI, settings: Settings) -> None:
    link = await request_link(world.client, world.settings, world.ids["Pat"], "pat@example.com")
    async with browser(app) as web, running_referrals(settings) as (_app, referrals):
        signed_in = await web.post("/sign-in/exchange", json={"code": code_of(link), "cookies": True})
        assert signed_in.status_code == 200 and "access_token" not in signed_in.json()
        cookies = {c.split("=", 1)[0]: c for c in signed_in.headers.get_list("set-cookie")}
        for name in ("refnet_access", "refnet_refresh"):
            assert all(flag in cookies[name] for flag in ("HttpOnly", "Secure", "SameSite=strict"))
        assert "HttpOnly" not in cookies["refnet_csrf"]
        csrf = web.cookies["refnet_csrf"]
        path = f"/chapters/{world.chapter_id}"
        assert (await web.get(f"{path}/members")).status_code == 200  # reads need no CSRF header
        ceu = {"description": "a book"}
        assert (await web.post(f"{path}/ceus", json=ceu)).status_code == 403  # a forged cross-site write
        assert (await web.post(f"{path}/ceus", json=ceu, headers={"X-CSRF-Token": "x" * 64})).status_code == 403
        assert (await web.post(f"{path}/ceus", json=ceu, headers={"X-CSRF-Token": csrf})).status_code == 201
        # the other services accept the cookie too, with the same rule
        jar = {"Cookie": f"refnet_access={web.cookies['refnet_access']}; refnet_csrf={csrf}"}
        assert (await referrals.post(f"{path}/stream-tickets", headers=jar)).status_code == 403
        assert (await referrals.post(f"{path}/stream-tickets", headers={**jar, "X-CSRF-Token": csrf})
                ).status_code != 403
        refreshed = await web.post("/sign-in/refresh")
        assert refreshed.status_code == 403  # the refresh cookie alone is not enough either
        refreshed = await web.post("/sign-in/refresh", headers={"X-CSRF-Token": csrf})
        assert refreshed.status_code == 200 and "refresh_token" not in refreshed.json()
        assert (await web.delete("/me/sessions", headers={"X-CSRF-Token": csrf})).status_code == 204
        assert (await web.get(f"{path}/members")).status_code == 401  # signed out: the cookies are cleared


async def test_an_expired_access_token_is_refused_and_the_refresh_token_renews_it(settings: Settings,
                                                                                  world: ChapterWorld) -> None:
    short = settings.model_copy(update={"access_token_minutes": 0.05})  # three seconds
    app = create_app(short, members_config())
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        session = await sign_in(client, short, world.ids["Bob"], "bob@example.com")
        members = f"/chapters/{world.chapter_id}/members"
        assert await status(client, members, session["access_token"]) == 200
        await until(lambda: _is(client, members, session["access_token"], 401), "the token expires", 15)
        renewed = await client.post("/sign-in/refresh", json={"refresh_token": session["refresh_token"]})
        assert renewed.status_code == 200, renewed.text
        assert await status(client, members, renewed.json()["access_token"]) == 200
