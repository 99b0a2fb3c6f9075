"""The documented example files import cleanly, through `import_slips` (what `refnet import slips` runs)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from fastapi import FastAPI

from infra.import_command import import_slips, refused_rows
from tests.e2e.members.conftest import ADMIN, found

EXAMPLES = Path(__file__).resolve().parents[3] / "docs" / "examples"


class _Bridge(httpx.BaseTransport):
    """A synchronous client (as the CLI uses) onto the in-process app running on the test's event loop."""

    def __init__(self, app: FastAPI, loop: asyncio.AbstractEventLoop) -> None:
        self.asgi = httpx.ASGITransport(app=app)
        self.loop = loop

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        async def forward() -> httpx.Response:
            inner = httpx.Request(request.method, request.url, headers=request.headers, content=request.read())
            response = await self.asgi.handle_async_request(inner)
            return httpx.Response(response.status_code, headers=response.headers, content=await response.aread())

        return asyncio.run_coroutine_threadsafe(forward(), self.loop).result()


async def test_the_example_files_import_through_the_cli_function(app: FastAPI,
                                                                 client: httpx.AsyncClient) -> None:
    chapter_id = await found(client, founded_on="2021-01-06")
    sync = httpx.Client(transport=_Bridge(app, asyncio.get_running_loop()), base_url="http://t")
    lines: list[str] = []
    dry = await asyncio.to_thread(import_slips, EXAMPLES / "slips.csv", chapter_id, roster=EXAMPLES / "roster.csv",
                                  dry_run=True, token=ADMIN, client=sync, poll_interval=0.05, echo=lines.append)
    assert dry["result"]["counts"] == {"roster": {"would record": 5}, "slips": {"would record": 7,
                                                                                "already imported": 1}}
    assert any(line.startswith("DRY RUN") for line in lines)
    job = await asyncio.to_thread(import_slips, EXAMPLES / "slips.csv", chapter_id, roster=EXAMPLES / "roster.csv",
                                  token=ADMIN, client=sync, poll_interval=0.05, echo=lines.append)
    assert refused_rows(job) == 0
    assert job["result"]["slips_by_kind"] == {"referral": 2, "closed-business": 2, "one-to-one": 1, "ceu": 1,
                                              "visitor": 1}
    closed = (await client.get(f"/chapters/{chapter_id}/closed-business",
                               headers={"Authorization": f"Bearer {ADMIN}"})).json()
    assert sorted(c["amount"] for c in closed) == ["1250.00", "980.00"]
