"""The dashboard in headless Chromium: a referral recorded upstream appears without a reload."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path

import pytest
import uvicorn

from infra.processes import free_port
from services.referrals.entrypoints.app import create_app
from shared.settings import Settings
from tests.referrals.helpers import (
    MembersFeed,
    attendance,
    chapter,
    joined,
    one_to_one,
    referral,
    step,
    token,
)

CHROMIUM = "/usr/bin/chromium"
SHOT = Path(__file__).resolve().parents[2] / "docs" / "img" / "dashboard.png"

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian's chromium")]


@contextlib.asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[str]:
    port = free_port(18200)
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def test_dashboard_updates_live(settings: Settings) -> None:
    from playwright.async_api import async_playwright

    today = date.today()
    day = today - timedelta(days=3)
    members = ["ann", "bob", "cat", "dan", "eve"]
    history = [chapter("c1"), *(joined("c1", m, today - timedelta(days=300)) for m in members),
               joined("c1", "pres", today - timedelta(days=300), role="president"),
               referral("c1", "r1", "ann", "bob", day, 4), referral("c1", "r2", "bob", "cat", day, 3),
               referral("c1", "r3", "cat", "ann", day, 5), referral("c1", "r4", "ann", "cat", day, 2),
               step("c1", "r1", "ann", "bob", "given", "contacted", day),
               one_to_one("c1", "o1", "dan", "eve", day),
               *(attendance("c1", m, day, "P") for m in members)]
    leader = token(settings, "pres", "c1", "president")
    async with MembersFeed(settings) as feed, serving(settings) as base, async_playwright() as pw:
        await feed.record(*history)
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        try:
            page = await browser.new_page(viewport={"width": 1300, "height": 1000})
            await page.goto(f"{base}/chapters/c1/dashboard?token={leader}")
            cell = page.locator('rect[data-pair="ann->bob"]')
            await page.wait_for_function(
                "document.querySelector('rect[data-pair=\"ann->bob\"]')?.dataset.count === '1'", timeout=20_000)
            loop = asyncio.get_running_loop()
            started = loop.time()
            await feed.record(referral("c1", "r5", "ann", "bob", today, 5))
            await page.wait_for_function(
                "document.querySelector('rect[data-pair=\"ann->bob\"]')?.dataset.count === '2'", timeout=10_000)
            seen_after = loop.time() - started
            assert await cell.get_attribute("data-count") == "2"
            assert await page.locator("#funnel-given").text_content() == "5"
            print(f"\nreferral visible on the dashboard {seen_after * 1000:.0f} ms after it was published")
            SHOT.parent.mkdir(parents=True, exist_ok=True)
            await page.screenshot(path=str(SHOT), full_page=True)
        finally:
            await browser.close()
