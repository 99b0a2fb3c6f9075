"""The HTTP edge on the real members service: an oversized body is refused before parsing or
authentication and records nothing; every answer carries the security headers."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.e2e.members.conftest import ChapterWorld, bearer, referral


async def _referrals_given(app: FastAPI) -> int:
    return int(await app.state.service.pool.fetchval(
        "SELECT count(*) FROM events WHERE type LIKE 'org.refnet.members.referral-given.%'"))


async def test_an_oversized_slip_is_refused_with_413_and_nothing_is_recorded(
        app: FastAPI, world: ChapterWorld) -> None:
    slip = referral(world.ids["Bob"])
    assert (await world.post("Ann", "/referrals", slip)).status_code == 201
    slip["prospect"] = {**slip["prospect"], "notes": "x" * (2 * 1024 * 1024)}  # 2 MiB against a 1 MiB limit
    answer = await world.post("Ann", "/referrals", slip)
    assert answer.status_code == 413
    assert answer.json()["detail"][0]["loc"] == ["body"]
    assert await _referrals_given(app) == 1, "only the first slip was recorded"


async def test_a_big_body_without_a_token_is_refused_for_its_size_before_the_token_is_looked_at(
        client: httpx.AsyncClient) -> None:
    answer = await client.post("/chapters", content=b"{" + b" " * (2 * 1024 * 1024) + b"}",
                               headers={"content-type": "application/json"})
    assert answer.status_code == 413  # not 401: size is checked first, without any work on the caller


async def test_answers_carry_the_security_headers(client: httpx.AsyncClient) -> None:
    for answer in (await client.get("/health"), await client.get("/chapters/nope", headers=bearer("bad"))):
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["referrer-policy"] == "no-referrer"
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]


async def test_the_dashboard_may_renew_its_session_across_origins_and_nothing_else_may(
        client: httpx.AsyncClient) -> None:
    """CORS for `POST /sign-in/refresh` only, from the configured dashboard origins, with credentials (the
    refresh cookie) and the CSRF header a refresh by cookie needs; nothing for any other origin or route."""
    asked = {"access-control-request-method": "POST", "access-control-request-headers": "x-csrf-token"}
    for origin in ("http://127.0.0.1:8002", "http://localhost:8002"):
        preflight = await client.options("/sign-in/refresh", headers={"origin": origin, **asked})
        assert preflight.status_code == 204
        assert preflight.headers["access-control-allow-origin"] == origin
        assert "POST" in preflight.headers["access-control-allow-methods"]
        assert "x-csrf-token" in preflight.headers["access-control-allow-headers"].lower()
        assert preflight.headers["access-control-allow-credentials"] == "true"
        refused = await client.post("/sign-in/refresh", headers={"origin": origin}, json={"refresh_token": "x" * 43})
        assert refused.status_code == 401  # the answer itself is readable by the dashboard, so it can say why
        assert refused.headers["access-control-allow-origin"] == origin
        assert refused.headers["access-control-allow-credentials"] == "true"
        # a refresh by cookie without the CSRF header is refused before the token is looked at
        forged = await client.post("/sign-in/refresh", headers={"origin": origin},
                                   cookies={"refnet_refresh": "x" * 43})
        assert forged.status_code == 403, forged.text
    evil = {"origin": "https://evil.example"}
    preflight = await client.options("/sign-in/refresh", headers={**evil, **asked})
    assert "access-control-allow-origin" not in preflight.headers
    assert "access-control-allow-credentials" not in preflight.headers
    answer = await client.post("/sign-in/refresh", headers=evil, json={"refresh_token": "x" * 43})
    assert "access-control-allow-origin" not in answer.headers
    # no other route is opened to the dashboard's origin
    elsewhere = await client.options("/sign-in/exchange", headers={"origin": "http://127.0.0.1:8002", **asked})
    assert "access-control-allow-origin" not in elsewhere.headers
    posted = await client.post("/chapters", headers={"origin": "http://127.0.0.1:8002"}, json={})
    assert "access-control-allow-origin" not in posted.headers
