"""CORS for the member app on the referrals service: its origin may read with credentials; other origins get
no CORS headers; no origin may write across (no preflight allows a write, a write gets no CORS headers)."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from shared.cors import CredentialedCors

APP = "http://127.0.0.1:8001"


def client() -> tuple[httpx.AsyncClient, list[str]]:
    app = FastAPI()
    reached: list[str] = []

    @app.get("/report")
    async def report() -> dict[str, int]:
        reached.append("GET")
        return {"n": 1}

    @app.post("/report")
    async def write() -> dict[str, int]:
        reached.append("POST")
        return {"n": 2}

    app.add_middleware(CredentialedCors, origins=[APP], methods=("GET", "HEAD"))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://referrals"), reached


async def test_the_apps_origin_reads_with_credentials() -> None:
    http, reached = client()
    async with http:
        answer = await http.get("/report", headers={"Origin": APP})
        preflight = await http.options("/report", headers={"Origin": APP, "Access-Control-Request-Method": "GET"})
    assert answer.headers["access-control-allow-origin"] == APP
    assert answer.headers["access-control-allow-credentials"] == "true" and "Origin" in answer.headers["vary"]
    assert preflight.status_code == 204 and preflight.headers["access-control-allow-methods"] == "GET"
    assert reached == ["GET"], "the preflight is answered without running the route"


@pytest.mark.parametrize("origin", ["https://evil.example", "http://127.0.0.1:8001.evil.example", "null",
                                    "http://127.0.0.1:8002"])
async def test_any_other_origin_gets_no_cors_headers(origin: str) -> None:
    http, _ = client()
    async with http:
        answer = await http.get("/report", headers={"Origin": origin})
        preflight = await http.options("/report", headers={"Origin": origin, "Access-Control-Request-Method": "GET"})
    for response in (answer, preflight):
        assert "access-control-allow-origin" not in response.headers
        assert "access-control-allow-credentials" not in response.headers


async def test_no_write_crosses_not_even_from_the_apps_origin() -> None:
    http, reached = client()
    async with http:
        preflight = await http.options("/report", headers={"Origin": APP, "Access-Control-Request-Method": "POST"})
        write = await http.post("/report", headers={"Origin": APP})
    assert "access-control-allow-origin" not in preflight.headers and reached == ["POST"]
    assert "access-control-allow-origin" not in write.headers, "the browser keeps the answer from the page"
