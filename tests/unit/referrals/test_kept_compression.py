"""Kept reports are served compressed once: the bytes a client gets are the ones the gzip middleware would have
sent for the same report, on the request that computed it and on every repeat."""

from __future__ import annotations

import gzip
import json

import httpx
from fastapi import FastAPI
from fastapi.responses import Response
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request

from services.referrals.entrypoints.rendering import GZIP_INLINE, GZIP_LEVEL, GZIP_MINIMUM, RenderedReports

REPORT = json.dumps({"pairs": [{"giver_id": f"m{i}", "referrals": i, "value": f"{i}.50"}
                              for i in range(2000)]}).encode()
SMALL = b'{"pairs":[]}'


def app() -> FastAPI:
    """Two routes: one through the kept reports, one answering the same bytes straight (the middleware's
    own compression), behind the middleware as the referrals service sets it up."""
    made: list[int] = []
    kept = RenderedReports()
    api = FastAPI()

    @api.get("/kept/{name}")
    async def served(name: str, request: Request) -> Response:
        async def make() -> Response:
            made.append(1)
            return Response(REPORT if name == "big" else SMALL, media_type="application/json")

        return await kept.get((name, 1), make, gzip="gzip" in request.headers.get("accept-encoding", ""))

    @api.get("/straight")
    async def straight() -> Response:
        return Response(REPORT, media_type="application/json")

    api.add_middleware(GZipMiddleware, minimum_size=GZIP_MINIMUM, compresslevel=GZIP_LEVEL,
                       thread_minimum_size=GZIP_INLINE)
    api.state.made = made
    return api


async def raw(client: httpx.AsyncClient, path: str, encoding: str) -> tuple[bytes, httpx.Headers]:
    async with client.stream("GET", path, headers={"Accept-Encoding": encoding}) as r:
        assert r.status_code == 200
        return b"".join([chunk async for chunk in r.aiter_raw()]), r.headers


async def test_a_kept_report_is_sent_with_the_middlewares_bytes_and_compressed_once() -> None:
    api = app()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=api), base_url="http://test") as client:
        expected, _ = await raw(client, "/straight", "gzip")
        first, headers = await raw(client, "/kept/big", "gzip, deflate")
        again, again_headers = await raw(client, "/kept/big", "gzip")
        plain, plain_headers = await raw(client, "/kept/big", "identity")
        small, small_headers = await raw(client, "/kept/small", "gzip")
    assert first == again == expected and gzip.decompress(first) == REPORT
    assert len(first) < len(REPORT) // 3
    for h in (headers, again_headers):
        assert h["content-encoding"] == "gzip" and h["vary"] == "Accept-Encoding"
        assert int(h["content-length"]) == len(first)
    assert plain == REPORT and "content-encoding" not in plain_headers  # a client that takes no gzip
    assert small == SMALL and "content-encoding" not in small_headers  # too small to be worth it
    assert len(api.state.made) == 2  # each report computed once, however it was asked for
