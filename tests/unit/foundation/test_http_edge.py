"""The HTTP edge every service installs: oversized bodies refused before parsing or authentication, safe
headers on every answer. Tried on a small app through the ASGI interface (no server needed)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
from fastapi import FastAPI, HTTPException, Request

from shared.http_edge import Edge, Rates, guard
from shared.settings import Settings


def app_counting_calls() -> tuple[FastAPI, list[str]]:
    app = FastAPI()
    reached: list[str] = []

    @app.post("/slips")
    async def slips(request: Request) -> dict[str, int]:
        reached.append("route")
        if request.headers.get("authorization") != "Bearer good":
            raise HTTPException(401, "missing bearer token")
        return {"bytes": len(await request.body())}

    @app.get("/page")
    async def page() -> dict[str, str]:
        return {"ok": "yes"}

    guard(app, Settings(REFNET_MAX_BODY_BYTES=1000, REFNET_MAX_UPLOAD_BYTES=5000))
    return app, reached


def client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def test_an_oversized_body_is_refused_with_413_before_any_route_or_authentication_runs() -> None:
    app, reached = app_counting_calls()
    async with client(app) as http:
        answer = await http.post("/slips", content=b"x" * 1001, headers={"content-type": "application/json"})
    assert answer.status_code == 413
    assert answer.json()["detail"][0]["loc"] == ["body"] and "1000 bytes" in answer.json()["detail"][0]["msg"]
    assert reached == [], "the body was refused before the route (and its authentication) ran"


async def test_a_chunked_body_without_length_is_measured_as_it_arrives() -> None:
    app, reached = app_counting_calls()

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(50):
            yield b"y" * 100

    async with client(app) as http:
        answer = await http.post("/slips", content=chunks(), headers={"authorization": "Bearer good"})
    assert answer.status_code == 413 and reached == []


async def test_bodies_within_the_limit_arrive_whole() -> None:
    app, reached = app_counting_calls()

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(9):
            yield b"z" * 100

    async with client(app) as http:
        plain = await http.post("/slips", content=b"a" * 1000, headers={"authorization": "Bearer good"})
        chunked = await http.post("/slips", content=chunks(), headers={"authorization": "Bearer good"})
    assert plain.json() == {"bytes": 1000} and chunked.json() == {"bytes": 900}
    assert reached == ["route", "route"]


async def test_file_uploads_have_their_own_larger_limit() -> None:
    app, _ = app_counting_calls()
    async with client(app) as http:
        fits = await http.post("/slips", files={"file": ("slips.csv", b"a" * 3000)},
                               headers={"authorization": "Bearer good"})
        too_big = await http.post("/slips", files={"file": ("slips.csv", b"a" * 6000)})
    assert fits.status_code == 200 and too_big.status_code == 413


async def test_a_lying_content_length_is_refused() -> None:
    app, reached = app_counting_calls()
    async with client(app) as http:
        answer = await http.post("/slips", content=b"{}", headers={"content-length": "-1"})
    assert answer.status_code == 413 and reached == []


async def test_every_answer_carries_the_security_headers() -> None:
    app, _ = app_counting_calls()
    async with client(app) as http:
        page, refused, docs = await http.get("/page"), await http.post("/slips", content=b"{}"), await http.get("/docs")
    for answer in (page, refused):
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["referrer-policy"] == "no-referrer"
        policy = answer.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
    assert docs.status_code == 200 and docs.headers["content-security-policy"] == "frame-ancestors 'none'"


async def test_a_token_over_its_write_rate_gets_429_with_retry_after_and_others_are_unaffected() -> None:
    app, reached = app_counting_calls()
    now = [0.0]
    limited = Edge(app, max_body=1000, max_upload=5000, clock=lambda: now[0],
                   rates=Rates(writes_per_token=2, reads_per_token=5, per_address=1000, burst_seconds=2))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=limited), base_url="http://test") as http:
        flood = [await http.post("/slips", content=b"{}", headers={"authorization": "Bearer good"})
                 for _ in range(6)]
        other = await http.post("/slips", content=b"{}", headers={"authorization": "Bearer other"})
        now[0] += 1.0  # a second later two more fit
        later = await http.post("/slips", content=b"{}", headers={"authorization": "Bearer good"})
    assert [a.status_code for a in flood] == [200, 200, 200, 200, 429, 429]
    assert flood[-1].headers["retry-after"] == "1"
    assert other.status_code == 401  # its own bucket: it reached the route (and was refused there)
    assert later.status_code == 200
    assert len(reached) == 6, "refused requests never reached the route"


async def test_made_up_tokens_do_not_escape_the_per_address_limit() -> None:
    app, reached = app_counting_calls()
    limited = Edge(app, max_body=1000, max_upload=5000, rates=Rates(per_address=3, burst_seconds=1), clock=lambda: 0.0)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=limited), base_url="http://test") as http:
        answers = [await http.post("/slips", content=b"{}", headers={"authorization": f"Bearer guess-{n}"})
                   for n in range(5)]
    assert [a.status_code for a in answers] == [401, 401, 401, 429, 429] and len(reached) == 3


async def test_asking_for_sign_in_links_is_limited_per_address_whatever_the_addresses_asked_for() -> None:
    """Each request for a sign-in link sends an e-mail: a burst of five, then ten a minute, per address."""
    now = [0.0]
    asked: list[str] = []
    app = FastAPI()

    @app.post("/sign-in", status_code=202)
    async def sign_in(request: Request) -> dict[str, str]:
        asked.append((await request.json())["email"])
        return {"status": "sent if the address belongs to an active member"}

    limited = Edge(app, max_body=1000, max_upload=5000, rates=Rates(sign_in_per_minute=10), clock=lambda: now[0])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=limited), base_url="http://test") as http:
        flood = [await http.post("/sign-in", json={"email": f"victim{n}@example.org"}) for n in range(7)]
        now[0] += 6.0  # one more a minute-tenth later
        later = await http.post("/sign-in", json={"email": "victim@example.org"})
    assert [a.status_code for a in flood] == [202] * 5 + [429, 429]
    assert int(flood[-1].headers["retry-after"]) <= 6
    assert later.status_code == 202
    assert len(asked) == 6, "refused requests sent nothing"
